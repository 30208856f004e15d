"""Importing notices matches this node's own person by INTERPOL id, never a partner's copy
that carries the same id: the copy is its owner's, and stays as received."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from liaison.accounts.models import User
from liaison.registry.actions import create_person
from liaison.registry.models import Person
from tests.registry.conftest import person_data

DATA = Path(__file__).parent / "data"
ENTITY = "2018/50005"  # the notice of notice_single.json

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def test_a_partners_copy_with_the_same_interpol_id_is_neither_matched_nor_changed(
    officer: User,
) -> None:
    copy = create_person(actor=officer, data=person_data("Copy From Fr", external_ref=ENTITY))
    Person.objects.filter(pk=copy.pk).update(owner_node="fr", received_at=timezone.now())
    out = io.StringIO()

    call_command("import-notices", str(DATA / "notice_single.json"), actor="officer", stdout=out)

    assert out.getvalue().strip() == "created 1, updated 0, rejected 0"
    kept = Person.objects.get(pk=copy.pk)
    assert (kept.owner_node, kept.version) == ("fr", 1)
    assert [n.full_name for n in kept.names.all()] == ["Copy From Fr"]
    assert not kept.warrants.exists()
    own = Person.objects.get(external_ref=ENTITY, owner_node="ma")
    assert str(own) == "YOUNES EL HAMDAOUI" and own.warrants.exists()


def test_a_reimport_then_updates_this_nodes_person_not_the_copy(officer: User) -> None:
    path = str(DATA / "notice_single.json")
    call_command("import-notices", path, actor="officer", stdout=io.StringIO())
    own = Person.objects.get(external_ref=ENTITY)
    copy = create_person(actor=officer, data=person_data("Copy From Fr"))
    received = {"owner_node": "fr", "received_at": timezone.now(), "external_ref": ENTITY}
    Person.objects.filter(pk=copy.pk).update(**received)
    out = io.StringIO()

    call_command("import-notices", path, actor="officer", stdout=out)

    assert out.getvalue().strip() == "created 0, updated 1, rejected 0"
    assert Person.objects.get(pk=own.pk).version == 2
    assert Person.objects.get(pk=copy.pk).version == 1

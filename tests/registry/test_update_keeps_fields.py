"""An update never drops a field it was not given: the API, the edit page, a re-import."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.registry.models import Person
from liaison.registry.notices import import_file
from liaison.registry.sharing.share import share_person
from tests.test_permission_matrix import _person_form

pytestmark = pytest.mark.django_db

ENTITY = "2026/4711"


@pytest.fixture
def lo(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def notices(tmp_path: Path) -> Path:
    path = tmp_path / "notices.json"
    notice = {"entity_id": ENTITY, "forename": "Karim", "name": "Benali", "nationalities": ["MA"]}
    path.write_text(json.dumps({"_embedded": {"notices": [notice]}}), encoding="utf-8")
    return path


@pytest.fixture
def imported(lo: User, notices: Path) -> Person:
    import_file(notices, actor=lo)
    return Person.objects.get(external_ref=ENTITY)


def _api(user: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {create_api_token(user=user, name='t')[1]}"})


def test_an_api_update_keeps_the_external_reference_for_partners_and_reimports(
    lo: User, imported: Person, notices: Path
) -> None:
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    share_person(actor=lo, person=imported, partner="fr")
    body = {"category": "wanted", "names": [{"full_name": "Karim Benali"}], "sex": "M"}

    response = _api(lo).put(f"/api/v1/persons/{imported.uid}", body, "application/json")

    assert response.status_code == 200, response.content
    stored = Person.objects.get(pk=imported.pk)
    assert (stored.external_ref, stored.sex, stored.version) == (ENTITY, "M", 2)
    assert response.json()["external_ref"] == ENTITY
    pushed = OutboxEnvelope.objects.filter(message_type="person.upsert").order_by("-seq").first()
    assert pushed is not None and pushed.payload["object"]["version"] == 2
    assert pushed.payload["object"]["external_ref"] == ENTITY
    import_file(notices, actor=lo)  # the same notice again: the same person, updated
    assert Person.objects.count() == 1


def test_an_api_update_keeps_the_fields_it_is_not_given_and_clears_those_given_empty(
    lo: User, imported: Person
) -> None:
    api = _api(lo)
    url = f"/api/v1/persons/{imported.uid}"
    first = {"category": "wanted", "names": [{"full_name": "Karim Benali"}]}
    first |= {"handling_code": "H2", "distinguishing_marks": "Scar on the left hand"}
    assert api.put(url, first, "application/json").status_code == 200

    renamed = {"names": [{"full_name": "Karim Ben Ali"}], "category": "wanted"}
    assert api.put(url, renamed, "application/json").status_code == 200

    stored = Person.objects.get(pk=imported.pk)
    assert (stored.handling_code, stored.distinguishing_marks) == ("H2", "Scar on the left hand")
    assert stored.nationality_codes == ["MA"] and stored.external_ref == ENTITY
    assert [n.full_name for n in stored.names.all()] == ["Karim Ben Ali"]

    cleared = renamed | {"nationalities": [], "distinguishing_marks": ""}
    assert api.put(url, cleared, "application/json").status_code == 200
    stored = Person.objects.get(pk=imported.pk)
    assert stored.nationality_codes == [] and stored.distinguishing_marks == ""
    assert stored.handling_code == "H2" and stored.external_ref == ENTITY


def test_the_edit_page_keeps_the_external_reference(
    lo: User, imported: Person, login: Callable[[User], Client]
) -> None:
    page = login(lo).post(
        f"/registry/persons/{imported.uid}/edit/", _person_form("H0", "Karim Benali")
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    stored = Person.objects.get(pk=imported.pk)
    assert stored.version == 2 and stored.external_ref == ENTITY

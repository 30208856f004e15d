"""The migration that rebuilds the stored search keys (registry 0006) after the matcher's
name analysis changed: keys written by an older analysis are replaced, every person's."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps

from liaison.registry.models import NameKey, Person
from liaison.registry.search import blocking_keys

pytestmark = pytest.mark.django_db
rebuild = importlib.import_module("liaison.registry.migrations.0006_rebuild_name_keys").rebuild


def test_stale_keys_are_replaced_by_the_current_analysis_for_every_person(
    make_person: Callable[..., Person],
) -> None:
    sheikh, other = make_person("Sheikh Omar Bakri"), make_person("Jean Du Pont")
    NameKey.objects.all().delete()
    NameKey.objects.create(person=sheikh, key="stale-key-of-an-older-analysis")
    rebuild(apps, None)
    for person in (sheikh, other):
        stored = set(NameKey.objects.filter(person=person).values_list("key", flat=True))
        names = person.names.values_list("full_name", flat=True)
        assert stored == blocking_keys(names) and stored
    assert not NameKey.objects.filter(key="stale-key-of-an-older-analysis").exists()

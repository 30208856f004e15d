"""`write_person_parts`: the one writer of a person's names, dates of birth, nationalities
and documents (local actions, the exchange's applier, the demo data). It validates every
part and rewrites only the parts that changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from liaison.accounts.models import User
from liaison.registry import actions
from liaison.registry.actions import DocumentData, NameData, RegistryError, write_person_parts
from liaison.registry.models import BirthDate, IdentityDocument, NameKey, Person
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db


def part_pks(person: Person) -> dict[str, list[int]]:
    return {
        "names": sorted(person.names.values_list("pk", flat=True)),
        "keys": sorted(NameKey.objects.filter(person=person).values_list("pk", flat=True)),
        "birth_dates": sorted(person.birth_dates.values_list("pk", flat=True)),
        "nationalities": sorted(person.nationalities.values_list("pk", flat=True)),
        "documents": sorted(person.documents.values_list("pk", flat=True)),
    }


def full(**extra: object) -> dict[str, object]:
    return {
        "birth_dates": ["1980-05-17"],
        "nationalities": ["MA", "FR"],
        "documents": [DocumentData("passport", "AB123456", "MA")],
    } | extra


def test_a_local_update_of_the_place_of_birth_keeps_every_part_row(
    officer: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali", **full())
    before = part_pks(person)
    assert all(before.values())
    data = person_data("Karim Benali", **full(place_of_birth="Fès"))
    person = actions.update_person(actor=officer, person=person, data=data)
    assert person.place_of_birth == "Fès"
    assert part_pks(person) == before


def test_only_the_changed_part_is_rewritten(
    officer: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali", **full())
    before = part_pks(person)
    data = person_data("Karim Benali", **full(nationalities=["ma", "DZ"]))
    person = actions.update_person(actor=officer, person=person, data=data)
    after = part_pks(person)
    assert person.nationality_codes == ["DZ", "MA"]
    assert after["nationalities"] != before["nationalities"]
    assert {k: v for k, v in after.items() if k != "nationalities"} == {
        k: v for k, v in before.items() if k != "nationalities"
    }


def test_the_writer_compares_after_normalising(
    officer: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali", **full())
    before = part_pks(person)
    changed = write_person_parts(
        person,
        names=[NameData("  Karim Benali "), NameData("   ")],
        birth_dates=[" 1980-05-17"],
        nationalities=["fr", "ma", "MA"],
        documents=[DocumentData("passport", " AB123456", "ma")],
    )
    assert changed == []
    assert part_pks(person) == before


def test_invalid_parts_are_refused_and_nothing_is_written(
    officer: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali", **full())
    before = part_pks(person)
    with pytest.raises(RegistryError, match="YYYY"):
        write_person_parts(
            person,
            names=[NameData("Karim Ben Ali")],  # changed, and valid: not written either
            birth_dates=["1980-13-01"],
            nationalities=["MA"],
            documents=[],
        )
    assert part_pks(person) == before
    assert list(BirthDate.objects.filter(person=person).values_list("value", flat=True)) == [
        "1980-05-17"
    ]
    assert IdentityDocument.objects.filter(person=person).count() == 1

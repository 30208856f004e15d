"""Scoring a search query against a record (liaison.matching.lookup): partial queries show."""

from __future__ import annotations

import pytest

from liaison.matching import Identity
from liaison.matching.lookup import LEVELS, family_parts, lookup

ZAKARIA = Identity(names=("Zakaria Cherkaoui", "زكرياء الشرقاوي"), dates_of_birth=("1990-05-12",))


def _found(name: str, dob: str | None = None, record: Identity = ZAKARIA) -> tuple[bool, float]:
    got = lookup(Identity.of(name, dob=dob), record)
    return got.accepted, got.score


def test_a_full_name_ranks_above_a_family_name_alone_above_its_first_letters() -> None:
    full = lookup(Identity.of("Zakaria Cherkaoui"), ZAKARIA)
    family = lookup(Identity.of("Cherkaoui"), ZAKARIA)
    prefix = lookup(Identity.of("Cherk"), ZAKARIA)
    assert (full.kind, family.kind, prefix.kind) == ("full", "family", "family")
    assert full.accepted and family.accepted and prefix.accepted
    assert 1.0 > full.score > family.score > prefix.score > 0.6


def test_no_partial_query_scores_one() -> None:
    for name in ("Cherkaoui", "الشرقاوي", "Cherk", "Zakaria Cherk"):
        assert lookup(Identity.of(name), ZAKARIA).score < LEVELS["full"]


def test_a_date_of_birth_that_agrees_raises_and_one_that_differs_lowers() -> None:
    _, bare = _found("Zakaria Cherkaoui")
    _, agrees = _found("Zakaria Cherkaoui", "1990-05-12")
    _, year_only = _found("Zakaria Cherkaoui", "1990")
    accepted, day_differs = _found("Zakaria Cherkaoui", "1990-05-13")
    assert agrees > year_only > bare > day_differs
    assert accepted  # a day apart is a typo as often as another person


def test_a_family_name_alone_with_another_year_of_birth_is_someone_else() -> None:
    assert _found("Cherkaoui", "1990-05-12")[0]
    assert not _found("Cherkaoui", "1975")[0]


def test_a_family_name_is_found_across_scripts_and_says_so() -> None:
    got = lookup(Identity.of("الشرقاوي"), Identity.of("Fatima Cherkaoui"))
    assert got.accepted and got.kind == "family"
    assert [(p.role, p.how) for p in got.parts] == [("family", "script")]


def test_a_given_name_alone_needs_a_date_of_birth_that_agrees() -> None:
    assert not _found("Zakaria")[0]
    assert _found("Zakaria", "1990-05-12")[0]
    assert not _found("Zakaria", "1979-11-02")[0]
    assert lookup(Identity.of("Zakaria", dob="1990-05-12"), ZAKARIA).kind == "given"


def test_another_given_name_with_the_same_family_name_is_not_the_person() -> None:
    assert not _found("Fatima Cherkaoui")[0]
    assert not _found("Fatima Cherkaoui", "1990-05-12")[0]


def test_first_letters_of_a_name_that_is_not_theirs_find_nothing() -> None:
    assert not _found("Cherif")[0]
    assert not _found("Cherk", record=Identity.of("Omar Cherif"))[0]


def test_first_letters_are_found_across_scripts_when_the_skeleton_begins_the_name() -> None:
    got = lookup(Identity.of("Benj"), Identity.of("سعيد بنجلون"))
    assert got.accepted and [p.how for p in got.parts] == ["prefix"]


@pytest.mark.parametrize(
    ("full", "family", "expected"),
    [
        ("Karim Benali", "", {"benali"}),
        ("BENALI Karim", "", {"benali"}),
        ("Mohamed Ben Abdallah", "", {"abdallah"}),
        ("Karim Ben Ali", "Ben Ali", {"ali"}),
        ("Abdellatif Ould Cherif", "Ould Cherif", {"cherif"}),
        ("Cherkaoui Zakaria", "Cherkaoui", {"cherkaoui"}),
    ],
)
def test_the_family_name_is_the_recorded_one_else_capitals_else_the_last_part(
    full: str, family: str, expected: set[str]
) -> None:
    assert family_parts(full, family) == expected


def test_the_recorded_family_name_decides_the_role() -> None:
    record = Identity.of("Cherkaoui Zakaria")
    assert lookup(Identity.of("Cherkaoui"), record).kind == "given"  # the last part
    got = lookup(Identity.of("Cherkaoui"), record, {"Cherkaoui Zakaria": "Cherkaoui"})
    assert got.kind == "family" and got.accepted


IDRISSI = Identity(names=("محمد بن عبد الله الإدريسي", "Mohamed Ben Abdallah El Idrissi"))


@pytest.mark.parametrize(
    "query", ["Mohammed Ben Abdallah", "محمد بن عبد الله", "Muhammad bin Abdullah"]
)
def test_given_names_without_the_family_name_still_find_the_person(query: str) -> None:
    found = lookup(Identity.of(query), IDRISSI)
    assert found.accepted and found.kind == "full"
    assert LEVELS["family"] < found.score < LEVELS["full"]  # partial: the family name is missing


def test_one_given_name_alone_still_needs_a_date_of_birth() -> None:
    assert not lookup(Identity.of("Mohamed"), IDRISSI).accepted

"""Grading schemes: pure definitions, no database."""

from __future__ import annotations

import pytest

from liaison.intel.grading import ADMIRALTY, EUROPOL, SCHEMES, grading_in_words, scheme


def test_the_admiralty_scheme_is_six_by_six_and_europol_four_by_four() -> None:
    assert [g.code for g in ADMIRALTY.reliability] == list("ABCDEF")
    assert [g.code for g in ADMIRALTY.credibility] == list("123456")
    assert [g.code for g in EUROPOL.reliability] == list("ABCX")
    assert [g.code for g in EUROPOL.credibility] == list("1234")


def test_schemes_are_found_by_name_and_an_unknown_one_is_a_key_error() -> None:
    assert scheme("admiralty") is ADMIRALTY and scheme("europol") is EUROPOL
    assert set(SCHEMES) == {"admiralty", "europol"}
    with pytest.raises(KeyError):
        scheme("nato")


@pytest.mark.parametrize(
    ("chosen", "reliability", "credibility", "problems"),
    [
        (ADMIRALTY, "B", "2", 0),
        (ADMIRALTY, "F", "6", 0),
        (ADMIRALTY, "X", "2", 1),  # X is Europol's, not the Admiralty's
        (ADMIRALTY, "A", "7", 1),
        (EUROPOL, "X", "4", 0),
        (EUROPOL, "E", "5", 2),  # E and 5 are the Admiralty's only
        (EUROPOL, "", "", 2),
    ],
)
def test_a_pair_of_grades_is_checked_against_its_own_scheme(
    chosen: object, reliability: str, credibility: str, problems: int
) -> None:
    assert len(chosen.check(reliability, credibility)) == problems  # type: ignore[attr-defined]


def test_a_grading_reads_in_words() -> None:
    assert grading_in_words("admiralty", "B", "2") == (
        "B2: source usually reliable; information probably true"
    )
    assert "cannot be corroborated" in grading_in_words("europol", "X", "4")
    assert "reliability cannot be assessed" in grading_in_words("europol", "X", "4")


def test_an_unknown_scheme_or_grade_reads_as_its_codes() -> None:
    assert grading_in_words("nato", "B", "2") == "B2"
    assert ADMIRALTY.reliability_words("Z") == "Z"

"""Dates of birth, sex and nationality as evidence in identity comparison."""

import pytest

from liaison.matching import Identity, compare
from liaison.matching.dates import PartialDate, compare_dates, parse_date

PARSE_CASES = [
    ("1980", PartialDate(1980)),
    ("1980-05", PartialDate(1980, 5)),
    ("1980-05-17", PartialDate(1980, 5, 17)),
    ("17/05/1980", PartialDate(1980, 5, 17)),
    ("05/1980", PartialDate(1980, 5)),
    ("29/02/1980", PartialDate(1980, 2, 29)),
    ("1980-04-30", PartialDate(1980, 4, 30)),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES)
def test_it_parses_partial_dates(text: str, expected: PartialDate) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["", "80", "1980-13-01", "1980-05-40", "soon", "31/02/1980", "1980-04-31", "29/02/1981"]
)
def test_it_rejects_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


DATE_CASES = [
    ("1980-05-17", "1980-05-17", "support", "same date"),
    ("1980-05-07", "1980-07-05", "support", "swapped"),
    ("1980", "1980-05-17", "support", "same year"),
    ("1980-05", "1980-05-17", "support", "same year and month"),
    ("1980-05-17", "1980-06-17", "contradict", "months differ"),
    ("1980-05-17", "1980-05-18", "contradict", "days differ"),
    ("1980", "1981", "neutral", "one apart"),
    ("1980", "1990", "contradict", "years differ"),
]


@pytest.mark.parametrize(("a", "b", "verdict", "detail"), DATE_CASES)
def test_dates_bear_on_identity_to_their_shared_precision(
    a: str, b: str, verdict: str, detail: str
) -> None:
    factor = compare_dates(parse_date(a), parse_date(b))
    assert factor.verdict == verdict
    assert detail in factor.detail


def test_a_matching_date_lifts_and_a_distant_year_lowers_the_score() -> None:
    name_only = compare(Identity.of("Youssef Chérif"), Identity.of("يوسف الشريف")).score
    same = compare(
        Identity.of("Hocine Kaci", dob="1975-03-02"), Identity.of("Hussein Qasi", dob="1975-02-03")
    )
    far = compare(Identity.of("Hocine Kaci", dob="1975"), Identity.of("Hussein Qasi", dob="1995"))
    assert name_only == 1.0
    assert same.score >= far.name_score
    assert far.score <= far.name_score - 0.2


def test_sex_and_nationality_are_supporting_or_contradicting_evidence() -> None:
    base = compare(Identity.of("Karim Benali"), Identity.of("Kerim Ben Ali"))
    other_sex = compare(Identity.of("Karim Benali", sex="M"), Identity.of("Kerim Ben Ali", sex="F"))
    shared_nat = compare(
        Identity.of("Karim Benali", nationality="dz"),
        Identity.of("Kerim Ben Ali", nationality="DZ"),
    )
    assert other_sex.score < base.score
    assert shared_nat.score >= base.score
    assert {f.name for f in other_sex.factors} == {"sex"}
    assert shared_nat.factors[0].verdict == "support"


def test_aliases_are_compared_and_the_best_pair_is_the_evidence() -> None:
    a = Identity(names=("Abou Hafs", "Mohamed Ould Salahi"))
    b = Identity(names=("محمد ولد صلاحي",))
    m = compare(a, b)
    assert m.names.name_a == "Mohamed Ould Salahi"
    assert m.score >= 0.9


def test_match_is_json_ready() -> None:
    d = compare(Identity.of("Ali", dob="1980"), Identity.of("علي", dob="1980")).as_dict()
    assert d["algorithm"] == "liaison-names/2"
    assert d["factors"][0]["name"] == "date_of_birth"


def test_what_one_side_does_not_record_is_no_evidence() -> None:
    """A sex, a nationality or a name recorded on one side only moves nothing."""
    base = compare(Identity.of("Karim Benali"), Identity.of("Kerim Ben Ali"))
    one_sex = compare(Identity.of("Karim Benali", sex="M"), Identity.of("Kerim Ben Ali"))
    one_nat = compare(Identity.of("Karim Benali"), Identity.of("Kerim Ben Ali", nationality="DZ"))
    assert (one_sex.score, one_sex.factors) == (base.score, ())
    assert (one_nat.score, one_nat.factors) == (base.score, ())
    nameless = Identity(names=(), sex="M")
    for a, b in (
        (nameless, Identity.of("Karim Benali", sex="M")),
        (Identity.of("Karim"), nameless),
    ):
        match = compare(a, b)
        assert (match.names.rule, match.name_score) == ("no-name", 0.0)


def test_sex_and_nationality_move_the_score_by_their_weights() -> None:
    """The tuning constants, each pinned: a different sex -0.2, a shared nationality +0.02,
    disjoint ones -0.05."""
    a, b = "Karim Benali", "Kerim Ben Ali"
    base = compare(Identity.of(a), Identity.of(b)).score
    assert 0.2 < base < 0.98  # room on both sides: no clamping below
    cases = [
        ({"sex": "M"}, {"sex": "F"}, -0.2),
        ({"sex": "M"}, {"sex": "M"}, 0.0),
        ({"nationality": "MA"}, {"nationality": "ma"}, 0.02),
        ({"nationality": "MA"}, {"nationality": "FR"}, -0.05),
    ]
    for left, right, moved in cases:
        match = compare(Identity.of(a, **left), Identity.of(b, **right))
        assert [f.adjustment for f in match.factors] == [moved]
        assert match.score == pytest.approx(base + moved)

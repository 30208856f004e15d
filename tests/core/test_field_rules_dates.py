"""The date and score rules of liaison/core/field_rules.py, alone: each refusal names the
value, and the limits themselves are accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from liaison.core import field_rules
from liaison.core.field_rules import FieldRuleError

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1990-02-30", "1990-02-30 is not a real date"),
        ("1990-13", "1990-13 is not a real date"),
        ("2027", "2027 is in the future"),
        ("2026-12-01", "2026-12-01 is in the future"),
    ],
)
def test_a_birth_date_that_cannot_be_is_refused_naming_it(value: str, message: str) -> None:
    with pytest.raises(FieldRuleError, match=message):
        field_rules.birth_date(value, today=TODAY)


def test_a_birth_date_today_is_accepted() -> None:
    assert field_rules.birth_date("2026-11-30", today=TODAY) == "2026-11-30"


@pytest.mark.parametrize("value", [date(2026, 11, 30), date(2020, 1, 1)])
def test_a_review_date_today_or_before_is_refused_naming_it(value: date) -> None:
    with pytest.raises(FieldRuleError, match=f"{value.isoformat()} is not in the future"):
        field_rules.review_date(value, today=TODAY)


def test_a_review_date_tomorrow_is_accepted() -> None:
    assert field_rules.review_date(date(2026, 12, 1), today=TODAY) == date(2026, 12, 1)


def test_a_hit_in_the_future_is_refused_beyond_the_clock_skew() -> None:
    late = NOW + field_rules.CLOCK_SKEW + timedelta(seconds=1)
    with pytest.raises(FieldRuleError, match="is in the future"):
        field_rules.encountered_on(late, now=NOW)
    assert field_rules.encountered_on(NOW + field_rules.CLOCK_SKEW, now=NOW)
    assert field_rules.encountered_on(NOW - timedelta(days=400), now=NOW)


@pytest.mark.parametrize("value", [-0.01, 1.5, float("nan")])
def test_a_score_outside_zero_to_one_is_refused(value: float) -> None:
    with pytest.raises(FieldRuleError, match="between 0 and 1"):
        field_rules.score(value)


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_a_score_from_zero_to_one_is_accepted(value: float) -> None:
    assert field_rules.score(value) == value


def test_a_form_date_field_names_an_impossible_date() -> None:
    from django import forms

    from liaison.core.forms import DateField

    with pytest.raises(forms.ValidationError, match="1990-02-30 is not a real date"):
        DateField().clean("1990-02-30")


def test_the_django_validator_keeps_the_rule_message_on_a_date_field() -> None:
    from django import forms

    from liaison.core.forms import DateField

    field = DateField(validators=[field_rules.validate_review_date])
    with pytest.raises(forms.ValidationError, match="2020-01-01 is not in the future"):
        field.clean("2020-01-01")

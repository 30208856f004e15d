"""The base of every JSON API input schema: what holds for any field of any app."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, field_validator

from liaison.core.field_rules import encountered_on, no_nul, review_date


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        no_nul(value)
    if isinstance(value, list | tuple):
        for item in value:
            _without_nul(item)
    return value


class ApiInput(Schema):
    """No NUL character in any string, as Django's form fields already refuse.

    PostgreSQL cannot store one in a text column: without this check such a value would
    reach the database and fail there (a 500) instead of being a field error (a 400).
    Nested schemas derive from this class too, so each level checks its own fields.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _without_nul(value)


# Dates and times exactly as the document says (pydantic's lax mode reads more).


def _date_text(value: object) -> object:
    # Pydantic's lax mode reads a number as seconds since 1970 (`"review_date": 0` would be
    # 1970-01-01) and takes a datetime at midnight for a date. The document says an ISO 8601
    # date, `YYYY-MM-DD`, so that is all that is accepted.
    if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _datetime_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time with its offset")
    return value


def _in_utc(value: datetime) -> datetime:
    """The same instant in UTC, as it is stored: PostgreSQL refuses offsets beyond ±15:59
    that ISO 8601 allows, and 0001-01-01T00:00+05:00 falls before year 1, which PostgreSQL
    stores but Python cannot read back (a 500 on every later read). The first and last days
    are kept clear so that any time zone can still show the value."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    if utc.date() in (date.min, date.max):
        raise ValueError("is out of range")
    return utc


IsoDate = Annotated[date, BeforeValidator(_date_text)]
# With its offset: a naive time at a border post is ambiguous by hours.
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_datetime_text), AfterValidator(_in_utc)]
# A review date ahead of today; a time something happened, not in the future.
ReviewDate = Annotated[IsoDate, AfterValidator(review_date)]
PastDateTime = Annotated[IsoDateTime, AfterValidator(encountered_on)]

"""The base of every JSON API input schema: what holds for any field of any app."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import field_validator

from liaison.core.field_rules import no_nul


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

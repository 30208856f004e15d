"""`--now ISO` of the commands that run a periodic job as of another time (drills, tests)."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone


def moment(value: str) -> datetime:
    """An aware datetime from ISO 8601 with its time zone; a clear error otherwise."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now {value!r}: use ISO 8601 with a time zone.") from None
    if timezone.is_naive(parsed):
        raise CommandError(f"--now {value!r}: give the time zone (e.g. +00:00).")
    return parsed

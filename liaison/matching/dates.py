"""Partial dates of birth and how two of them bear on an identity."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache

from liaison.matching.types import Factor

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")

# Score adjustments, in name-score units. A shared full date is strong support; a year
# more than one apart is strong contradiction (a real record may be off by one year when
# an age was converted to a year of birth).
FULL_MATCH = 0.08
MONTH_MATCH = 0.05
YEAR_MATCH = 0.03
SWAPPED = 0.04
YEAR_NEAR = -0.05
DAY_DIFFERS = -0.08
MONTH_DIFFERS = -0.1
YEAR_DIFFERS = -0.25


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of birth as precise as the record: day and month may be unknown."""

    year: int
    month: int | None = None
    day: int | None = None

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.month and self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)


def parse_date(text: str) -> PartialDate:
    """Parse "1980", "1980-05", "1980-05-17", "17/05/1980" or "05/1980"; raise ValueError."""
    text = text.strip()
    if m := _ISO.match(text):
        y, mo, d = m.group(1), m.group(2), m.group(3)
    elif m := _DMY.match(text):
        d, mo, y = m.group(1), m.group(2), m.group(3)
    elif m := _MY.match(text):
        y, mo, d = m.group(2), m.group(1), None
    else:
        raise ValueError(f"not a date: {text!r}")
    date = PartialDate(int(y), int(mo) if mo else None, int(d) if d else None)
    _check(date)
    return date


def _check(date: PartialDate) -> None:
    if not 1800 <= date.year <= 2200:
        raise ValueError(f"year out of range: {date.year}")
    if date.month is not None and not 1 <= date.month <= 12:
        raise ValueError(f"month out of range: {date.month}")
    if date.day is not None:
        # With the month known the day must exist in it (31/02 is a typing error, not a
        # date); 29/02 only in a leap year.
        last = calendar.monthrange(date.year, date.month)[1] if date.month else 31
        if not 1 <= date.day <= last:
            raise ValueError(f"day out of range: {date.day}")


def compare_dates(a: PartialDate, b: PartialDate) -> Factor:
    """How two dates of birth bear on identity, to the precision both records share."""
    label = f"{a} vs {b}"
    if a.year != b.year:
        if abs(a.year - b.year) == 1:
            return Factor("date_of_birth", "neutral", f"{label}: years one apart", YEAR_NEAR)
        return Factor("date_of_birth", "contradict", f"{label}: years differ", YEAR_DIFFERS)
    if a.month is None or b.month is None:
        return Factor("date_of_birth", "support", f"{label}: same year", YEAR_MATCH)
    if a.day and b.day and a.month == b.day and a.day == b.month and a.month != a.day:
        return Factor("date_of_birth", "support", f"{label}: day and month swapped", SWAPPED)
    if a.month != b.month:
        return Factor("date_of_birth", "contradict", f"{label}: months differ", MONTH_DIFFERS)
    if a.day is None or b.day is None:
        return Factor("date_of_birth", "support", f"{label}: same year and month", MONTH_MATCH)
    if a.day != b.day:
        return Factor("date_of_birth", "contradict", f"{label}: days differ", DAY_DIFFERS)
    return Factor("date_of_birth", "support", f"{label}: same date", FULL_MATCH)


def best_date_factor(a: tuple[str, ...], b: tuple[str, ...]) -> Factor | None:
    """The most favourable comparison over all recorded dates (aliases carry several)."""
    da = [d for d in map(_safe_parse, a) if d is not None]
    db = [d for d in map(_safe_parse, b) if d is not None]
    factors = [compare_dates(x, y) for x in da for y in db]
    return max(factors, key=lambda f: f.adjustment) if factors else None


@lru_cache(maxsize=100_000)
def _safe_parse(text: str) -> PartialDate | None:
    try:
        return parse_date(text)
    except ValueError:
        return None

"""What the index keeps of one watchlist entry: blocking keys, date and sex codes, and each
name's parts as readings (keys, loose readings, folded skeleton) for the estimate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from liaison.matching.analyse import AnalysedName, Token, analyse
from liaison.matching.dates import PartialDate, _safe_parse
from liaison.matching.index import DAY_BITS, SEVERAL_DATES, blocking_keys, year_code
from liaison.matching.screen.columns import IntArray
from liaison.matching.types import Identity

# Parts per name in the estimate's table; longer names are always scored exactly.
MAX_PARTS = 6
# Readings per distinct part in that table: up to four keys, four loose readings, then the
# folded skeleton. A part with more makes its entry always scored exactly.
KEY_READINGS = 4
LOOSE_READINGS = 4
READINGS = KEY_READINGS + LOOSE_READINGS + 1


Row = tuple[tuple[tuple[str | None, ...], ...], tuple[str | None, ...], bool]


@dataclass(frozen=True, slots=True)
class Features:
    """What the index keeps of one entry: keys, date and sex codes, name-part skeletons."""

    keys: list[int]
    year: int
    month: int
    day: int
    sex: int
    rows: list[Row]  # parts, joined keys, exact
    names: tuple[AnalysedName, ...] = ()  # kept for exact scoring


def single_date(texts: Sequence[str]) -> tuple[PartialDate | None, bool]:
    """The one recorded date (None if none), and whether there were several."""
    parsed = {d for d in map(_safe_parse, texts) if d is not None}
    if len(parsed) == 1:
        return next(iter(parsed)), False
    return None, len(parsed) > 1


SEVERAL_MONTH = SEVERAL_DATES >> DAY_BITS


def _date_codes(texts: Sequence[str]) -> tuple[int, int, int]:
    """Year code, month and day of an entry; month 15 when several dates are recorded
    (year code 0 unless they share a year)."""
    date, several = single_date(texts)
    if several:
        years = {d.year for d in map(_safe_parse, texts) if d is not None}
        return (year_code(years.pop()) if len(years) == 1 else 0), SEVERAL_MONTH, 0
    if date is None:
        return 0, 0, 0
    return year_code(date.year), date.month or 0, date.day or 0


SEX_CODES = {"M": 1, "F": 2}


def _readings(t: Token) -> tuple[str | None, ...]:
    keys = (*t.keys, *[None] * KEY_READINGS)[:KEY_READINGS]
    loose = (*t.loose, *[None] * LOOSE_READINGS)[:LOOSE_READINGS]
    return (*keys, *loose, t.near)


def _name_row(name: AnalysedName) -> Row:
    """A name's readings for the estimate: per part, keys, loose readings and skeleton."""
    exact = len(name.names) > MAX_PARTS or any(
        t.kind == "initial" or len(t.keys) > KEY_READINGS or len(t.loose) > LOOSE_READINGS
        for t in name.names
    )
    parts = tuple(_readings(t) for t in name.names[:MAX_PARTS])
    return parts, (*name.joined[:2], None)[:2], exact


def features(identity: Identity) -> Features:
    """Blocking keys and estimate inputs of one watchlist identity."""
    names = tuple(analyse(n) for n in identity.names)
    year, month, day = _date_codes(identity.dates_of_birth)
    return Features(
        list(blocking_keys(names)),
        year,
        month,
        day,
        SEX_CODES.get(identity.sex or "", 0),
        [_name_row(n) for n in names],
        names,
    )


@dataclass(frozen=True, slots=True)
class RowTable:
    """The estimate's rows of some entries: ids into the table's own ``parts`` (distinct
    parts, as readings) and ``texts``."""

    texts: list[str]
    parts: list[tuple[int, ...]]  # READINGS text ids per distinct part, -1 = none
    rows: npt.NDArray[np.int32]  # (rows, MAX_PARTS) part ids, -1 = padding
    nparts: npt.NDArray[np.int8]
    joined: npt.NDArray[np.int32]  # (rows, 2) text ids
    exact: npt.NDArray[np.bool_]
    counts: IntArray  # rows per entry


def row_table(feats: Sequence[Features]) -> RowTable:
    """Rows of the entries as compact arrays (made in the build workers, in parallel)."""
    texts: dict[str, int] = {}
    parts: dict[tuple[int, ...], int] = {}
    rows = [r for f in feats for r in f.rows]
    counts = np.fromiter((len(f.rows) for f in feats), dtype=np.int64, count=len(feats))

    def tid(text: str | None) -> int:
        return -1 if text is None else texts.setdefault(text, len(texts))

    def pid(readings: tuple[str | None, ...]) -> int:
        return parts.setdefault(tuple(map(tid, readings)), len(parts))

    table = np.full((len(rows), MAX_PARTS), -1, dtype=np.int32)
    for r, (ps, _, _) in enumerate(rows):
        table[r, : len(ps)] = [pid(readings) for readings in ps]
    nparts = np.array([len(ps) for ps, _, _ in rows], dtype=np.int8)
    joined = np.array([[tid(j) for j in js] for _, js, _ in rows], dtype=np.int32)
    joined = joined.reshape(len(rows), 2)
    exact = np.array([e for _, _, e in rows], dtype=np.bool_)
    return RowTable(list(texts), list(parts), table, nparts, joined, exact, counts)

"""What dates of birth can add to an entry's score, and whether they agree with the
query's: vectorised over the gathered entries (the rules of ``dates.compare_dates``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from liaison.matching import dates
from liaison.matching.dates import FULL_MATCH, PartialDate
from liaison.matching.index import (
    EXACT_TAG,
    NO_DATE,
    SEVERAL_DATES,
    YEAR_SHIFT,
    split_dates,
    year_code,
)
from liaison.matching.screen.columns import BoolArray, FloatArray, IntArray
from liaison.matching.screen.features import SEVERAL_MONTH

# Tag bits of an entry's postings -> whether two parts of the query share keys with it, one
# of them by its skeleton (a part matched only through deletion or short-skeleton keys is at
# most about 0.86 similar, and two such parts rarely make the 0.83 a name then needs).
_TWO_PARTS = np.array(
    [bin(i & (EXACT_TAG - 1)).count("1") >= 2 and bool(i & EXACT_TAG) for i in range(256)]
)


def two_parts(bits: npt.NDArray[np.uint8]) -> BoolArray:
    return _TWO_PARTS[bits]


def date_bound(
    year: IntArray, month: IntArray, day: IntArray, date: PartialDate | None, several: bool
) -> FloatArray:
    """The most the date-of-birth factor can add to each entry (the rules of
    ``dates.compare_dates``, vectorised over the entries' date fields)."""
    none = (year == 0) & (month == 0)
    if several:  # the query has several dates: any of them may match
        return np.where(none, 0.0, FULL_MATCH).astype(np.float32)
    if date is None:
        return np.zeros(len(year), dtype=np.float32)
    gap = np.abs(year - year_code(date.year))
    b = np.where(gap >= 2, dates.YEAR_DIFFERS, dates.YEAR_NEAR).astype(np.float32)
    multi = month == SEVERAL_MONTH
    same = (year != 0) & (gap == 0) & ~multi
    qm, qd = date.month or 0, date.day or 0
    b[same & ((month == 0) | (qm == 0))] = dates.YEAR_MATCH
    full = same & (month != 0) & (qm != 0)
    swapped = full & (day != 0) & (qd != 0) & (month == qd) & (day == qm) & (qm != qd)
    b[full & (month != qm) & ~swapped] = dates.MONTH_DIFFERS
    b[swapped] = dates.SWAPPED
    agree = full & (month == qm) & ~swapped
    b[agree & ((day == 0) | (qd == 0))] = dates.MONTH_MATCH
    b[agree & (day != 0) & (qd != 0)] = np.where(day == qd, FULL_MATCH, dates.DAY_DIFFERS)[
        agree & (day != 0) & (qd != 0)
    ]
    # Several dates in one year: any may match; in several years: any year may.
    b[multi & ((year == 0) | (gap == 0))] = FULL_MATCH
    b[none] = 0.0
    return b


def date_agrees(codes: IntArray, date: PartialDate | None, several: bool) -> BoolArray:
    """``date_bound(...) > 0`` from packed date codes, testing only the same-year ones."""
    # numpy types == and != on arrays as Any; the annotations say what they return.
    if several:
        dated: BoolArray = codes != NO_DATE
        return dated
    agrees: BoolArray = codes == SEVERAL_DATES  # several dates in several years: any may match
    if date is None:
        return agrees
    same = np.flatnonzero((codes >> YEAR_SHIFT) == year_code(date.year))
    _, month, day = split_dates(codes[same])
    qm, qd = date.month or 0, date.day or 0
    same_month = (month == qm) & ((day == 0) | (qd == 0) | (day == qd))
    swapped = (day != 0) & (qd != 0) & (month == qd) & (day == qm) & (qm != qd)
    unknown = (month == 0) | (qm == 0) | (month == SEVERAL_MONTH)
    agrees[same] = unknown | same_month | swapped
    return agrees

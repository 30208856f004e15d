"""Screening at scale: many queries against a large watchlist, candidates then exact scores.

Per query: blocking keys gather the entries in the years of birth that can still reach the
threshold (``index.py``). A rare key's entries are all taken; a common key's (Mohamed, محمد)
only when the entry's date of birth agrees with the query's or a second part of the query
also shares a key with it. The most that dates of birth and sex can add or take gives, per
entry, the name score it would need; a vectorised upper bound of the name score (rapidfuzz
``cdist`` over the readings of the parts, the exact part-similarity rule and an optimistic
alignment in numpy) drops entries that cannot reach it; only the rest get the exact score.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import Indel

from liaison.matching import dates
from liaison.matching.analyse import AnalysedName, Token, analyse
from liaison.matching.compare import (
    NATIONALITY_SHARED,
    SEX_DIFFERS,
    combine,
    identity_factors,
)
from liaison.matching.dates import FULL_MATCH, PartialDate, _safe_parse
from liaison.matching.index import (
    DAY_BITS,
    EXACT_TAG,
    NO_DATE,
    SEVERAL_DATES,
    YEAR_SHIFT,
    BlockingIndex,
    DenseIds,
    blocking_keys,
    query_keys,
    split_dates,
    year_code,
)
from liaison.matching.names import (
    COARSE_FACTOR,
    INITIAL_SIMILARITY,
    INITIAL_WEIGHT,
    JOINED_FACTOR,
    LOOSE_FACTOR,
    MISSING_MIDDLE_WEIGHT,
    match_analysed,
    score_names,
)
from liaison.matching.registry import ALGORITHM
from liaison.matching.thresholds import KNOWN_AS_PART_MIN, KNOWN_AS_SCORE, SCREENING_THRESHOLD
from liaison.matching.types import Identity, Match

# The estimate is an upper bound of the name score up to float32 rounding.
MARGIN = 0.001
# Postings (in the query's window of years) up to which a key's entries are all taken:
# an exact key, or a one-deletion key (typo-tolerant, so much less telling).
RARE_DF = 1000
TOLERANT_DF = 100
# Up to this many postings a common key's entries are taken when their date of birth
# agrees with the query's, or when a second part of the query shares a key with them.
# Beyond it a key says nothing (a one- or two-letter skeleton's deletion).
COMMON_DF = 50_000
# Parts per name in the estimate's table; longer names are always scored exactly.
MAX_PARTS = 6
# Readings per distinct part in that table: up to four keys, four loose readings, then the
# folded skeleton. A part with more makes its entry always scored exactly.
KEY_READINGS = 4
LOOSE_READINGS = 4
READINGS = KEY_READINGS + LOOSE_READINGS + 1
# Watchlists at least this large are analysed by forked workers when built.
PARALLEL_BUILD = 20_000
# The most a date, sex or nationality can add: a name below threshold minus this cannot
# become a hit, so its full comparison is skipped.
_MAX_BONUS = FULL_MATCH + NATIONALITY_SHARED

# ``need`` is float32: compared with a float64 score it gets this much benefit of the doubt.
_NEED_SLACK = 1e-5

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Hit:
    """A watchlist entry that a query may be: a candidate for a person to review."""

    query_index: int
    query_id: str | None
    watchlist_id: str
    score: float
    match: Match


@dataclass(frozen=True, slots=True)
class ScreenStats:
    """Counts from the last ``screen`` call: queries, candidates scored, hits."""

    queries: int = 0
    candidates: int = 0
    hits: int = 0
    gathered: int = 0


_Row = tuple[tuple[tuple[str | None, ...], ...], tuple[str | None, ...], bool]


@dataclass(frozen=True, slots=True)
class _Features:
    """What the index keeps of one entry: keys, date and sex codes, name-part skeletons."""

    keys: list[int]
    year: int
    month: int
    day: int
    sex: int
    rows: list[_Row]  # parts, joined keys, exact
    names: tuple[AnalysedName, ...] = ()  # kept for exact scoring


def _single_date(texts: Sequence[str]) -> tuple[PartialDate | None, bool]:
    """The one recorded date (None if none), and whether there were several."""
    parsed = {d for d in map(_safe_parse, texts) if d is not None}
    if len(parsed) == 1:
        return next(iter(parsed)), False
    return None, len(parsed) > 1


_SEVERAL_MONTH = SEVERAL_DATES >> DAY_BITS


def _date_codes(texts: Sequence[str]) -> tuple[int, int, int]:
    """Year code, month and day of an entry; month 15 when several dates are recorded
    (year code 0 unless they share a year)."""
    date, several = _single_date(texts)
    if several:
        years = {d.year for d in map(_safe_parse, texts) if d is not None}
        return (year_code(years.pop()) if len(years) == 1 else 0), _SEVERAL_MONTH, 0
    if date is None:
        return 0, 0, 0
    return year_code(date.year), date.month or 0, date.day or 0


_SEX = {"M": 1, "F": 2}


def _readings(t: Token) -> tuple[str | None, ...]:
    keys = (*t.keys, *[None] * KEY_READINGS)[:KEY_READINGS]
    loose = (*t.loose, *[None] * LOOSE_READINGS)[:LOOSE_READINGS]
    return (*keys, *loose, t.near)


def _name_row(name: AnalysedName) -> _Row:
    """A name's readings for the estimate: per part, keys, loose readings and skeleton."""
    exact = len(name.names) > MAX_PARTS or any(
        t.kind == "initial" or len(t.keys) > KEY_READINGS or len(t.loose) > LOOSE_READINGS
        for t in name.names
    )
    parts = tuple(_readings(t) for t in name.names[:MAX_PARTS])
    return parts, (*name.joined[:2], None)[:2], exact


def features(identity: Identity) -> _Features:
    """Blocking keys and estimate inputs of one watchlist identity."""
    names = tuple(analyse(n) for n in identity.names)
    year, month, day = _date_codes(identity.dates_of_birth)
    return _Features(
        list(blocking_keys(names)),
        year,
        month,
        day,
        _SEX.get(identity.sex or "", 0),
        [_name_row(n) for n in names],
        names,
    )


@dataclass(frozen=True, slots=True)
class _RowTable:
    """The estimate's rows of some entries: ids into the table's own ``parts`` (distinct
    parts, as readings) and ``texts``."""

    texts: list[str]
    parts: list[tuple[int, ...]]  # READINGS text ids per distinct part, -1 = none
    rows: npt.NDArray[np.int32]  # (rows, MAX_PARTS) part ids, -1 = padding
    nparts: npt.NDArray[np.int8]
    joined: npt.NDArray[np.int32]  # (rows, 2) text ids
    exact: npt.NDArray[np.bool_]
    counts: IntArray  # rows per entry


def _row_table(feats: Sequence[_Features]) -> _RowTable:
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
    return _RowTable(list(texts), list(parts), table, nparts, joined, exact, counts)


_BUILD: list[Identity] = []


@dataclass(frozen=True, slots=True)
class _Chunk:
    """What a build worker returns for a run of entries, in compact form."""

    keys: IntArray  # every entry's blocking keys, one after the other
    counts: IntArray  # keys per entry
    attrs: npt.NDArray[np.int32]  # (entries, 4): year code, month, day, sex
    names: list[tuple[AnalysedName, ...]]
    table: _RowTable


def _features_chunk(bounds: tuple[int, int]) -> _Chunk:
    out = [features(i) for i in _BUILD[bounds[0] : bounds[1]]]
    counts = np.fromiter((len(f.keys) for f in out), dtype=np.int64, count=len(out))
    keys = np.fromiter((k for f in out for k in f.keys), dtype=np.int64, count=int(counts.sum()))
    attrs = np.array([(f.year, f.month, f.day, f.sex) for f in out], dtype=np.int32)
    # The analyses travel too (one pickle per chunk shares the word-level parts), so that
    # scoring never analyses a watchlist name again.
    return _Chunk(keys, counts, attrs.reshape(-1, 4), [f.names for f in out], _row_table(out))


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _feature_chunks(watchlist: list[Identity], workers: int) -> Iterator[_Chunk]:
    """The watchlist's features chunk by chunk, in order, from forked workers when large."""
    step = 10_000
    bounds = [(i, min(i + step, len(watchlist))) for i in range(0, len(watchlist), step)]
    global _BUILD
    _BUILD = watchlist
    try:
        if workers > 1 and len(watchlist) >= PARALLEL_BUILD and _can_fork():
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                # The main process files each chunk while the workers make the next ones.
                yield from pool.imap(_features_chunk, bounds, chunksize=1)
        else:
            yield from map(_features_chunk, bounds)
    finally:
        _BUILD = []


class _Column[T: np.generic]:
    """A numpy array that grows by doubling (for entries added after the build)."""

    def __init__(self, values: npt.ArrayLike, dtype: type[T], width: int = 0) -> None:
        self.data: npt.NDArray[T] = np.asarray(values, dtype=dtype)
        if width and self.data.size == 0:
            self.data = self.data.reshape(0, width)
        self.size = len(self.data)

    @property
    def view(self) -> npt.NDArray[T]:
        return self.data[: self.size]

    def append(self, values: npt.ArrayLike) -> None:
        values = np.asarray(values, dtype=self.data.dtype)
        need = self.size + len(values)
        if need > len(self.data):
            grown = np.zeros(
                (max(need, 2 * len(self.data) + 16), *self.data.shape[1:]), self.data.dtype
            )
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : need] = values
        self.size = need


# Tag bits of an entry's postings -> whether two parts of the query share keys with it, one
# of them by its skeleton (a part matched only through deletion or short-skeleton keys is at
# most about 0.86 similar, and two such parts rarely make the 0.83 a name then needs).
_TWO_PARTS = np.array(
    [bin(i & (EXACT_TAG - 1)).count("1") >= 2 and bool(i & EXACT_TAG) for i in range(256)]
)


def _two_parts(bits: npt.NDArray[np.uint8]) -> BoolArray:
    return _TWO_PARTS[bits]


def _date_bound(
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
    multi = month == _SEVERAL_MONTH
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


def _date_agrees(codes: IntArray, date: PartialDate | None, several: bool) -> BoolArray:
    """``_date_bound(...) > 0`` from packed date codes, testing only the same-year ones."""
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
    unknown = (month == 0) | (qm == 0) | (month == _SEVERAL_MONTH)
    agrees[same] = unknown | same_month | swapped
    return agrees


@dataclass(frozen=True, slots=True)
class _Texts:
    """What the estimate compares: the distinct texts of the parts' readings, distinct parts
    as indexes of their readings, and rows as indexes of their parts and joined keys."""

    texts: list[str]
    long: npt.NDArray[np.bool_]  # three letters or more: the folded-skeleton rule applies
    reading_text: IntArray  # the readings of the distinct parts, part after part
    reading_kind: IntArray  # _KEY, _LOOSE or _FOLDED
    part_start: IntArray  # where each distinct part's readings start
    joined_texts: list[str]
    joined: IntArray  # (rows, 2) into joined_texts
    rows: IntArray  # (rows, MAX_PARTS) into the distinct parts, 1-based (0 = padding)
    nparts: IntArray


_KEY, _LOOSE, _FOLDED = 0, 1, 2
_READING_KIND = np.array([_KEY] * KEY_READINGS + [_LOOSE] * LOOSE_READINGS + [_FOLDED])


def _top_sum(values: FloatArray, k: IntArray, real: IntArray | int) -> FloatArray:
    """Per row, the sum of its k largest values, of which ``real`` are not padding (0)."""
    total = values.sum(axis=1)
    fewer = k < real
    if fewer.any():
        best = -np.sort(-values[fewer], axis=1)
        top = np.cumsum(best, axis=1)[np.arange(len(best)), np.maximum(k[fewer] - 1, 0)]
        total[fewer] = np.where(k[fewer] > 0, top, 0.0)
    return total


def _sims(queries: Sequence[str], texts: list[str]) -> FloatArray:
    """Indel similarities, with a first column of zeros for "no text" (index 0)."""
    sims = np.zeros((len(queries), len(texts) + 1), dtype=np.float32)
    if texts and queries:
        sims[:, 1:] = process.cdist(
            queries, texts, scorer=Indel.normalized_similarity, dtype=np.float32
        )
    return sims


def _estimate_name(name: AnalysedName, table: _Texts) -> FloatArray:
    """Upper bound of ``score_names(name, row)`` for every row (the rules of ``names.py``)."""
    rows = len(table.rows)
    tokens = tuple(t for t in name.names if t.kind != "initial")
    if len(name.names) > MAX_PARTS:
        return np.ones(rows, dtype=np.float32)
    sims = _sims(name.joined, table.joined_texts)[:, table.joined]
    joined: FloatArray = JOINED_FACTOR * sims.max(axis=(0, 2))  # numpy's max() is typed Any
    n, initials = len(tokens), len(name.names) - len(tokens)
    if not n and not initials:
        return joined
    s = _part_similarities(tokens, table)  # (rows, row parts, query parts)
    nparts = table.nparts
    joined = np.maximum(joined, _known_as_bound(s, n, initials, nparts))
    if initials:
        aligned = _bound_with_initials(s.max(axis=1), initials, nparts)
        return np.maximum(aligned, joined).astype(np.float32)
    # Greedy alignment pairs k = min(n, row parts) parts: its sum is at most the k best
    # query parts' best matches, and the k best row parts' best matches.
    k = np.minimum(n, nparts)
    a = _top_sum(s.max(axis=1), k, n)
    b = _top_sum(s.max(axis=2), k, nparts)
    missing = MISSING_MIDDLE_WEIGHT * np.abs(nparts - n) / 2
    aligned = np.where(k > 0, np.minimum(a, b) / np.maximum(k + missing, 1e-9), 0.0)
    return np.maximum(aligned, joined).astype(np.float32)


def _known_as_bound(s: FloatArray, n: int, initials: int, nparts: IntArray) -> FloatArray:
    """Upper bound of the known-as rule of ``names.py``: the shorter name (two parts fewer
    or more, no initials) has every part at least KNOWN_AS_PART_MIN similar to one of the
    longer's; the score is KNOWN_AS_SCORE times the mean of those pairs."""
    out = np.zeros(len(s), dtype=np.float32)
    query_best = s.max(axis=1)  # (rows, query parts)
    if n and not initials:
        short = nparts - n >= 2
        ok = short & (query_best.min(axis=1) >= KNOWN_AS_PART_MIN - 1e-6)
        out[ok] = KNOWN_AS_SCORE * query_best[ok].mean(axis=1)
    row_best = s.max(axis=2)  # (rows, row parts), padding after nparts
    real = np.arange(row_best.shape[1]) < nparts[:, None]
    short = (n + initials - nparts >= 2) & (nparts > 0)
    mean = np.where(real, row_best, 0.0).sum(axis=1) / np.maximum(nparts, 1)
    low = np.where(real, row_best, np.inf).min(axis=1)
    ok = short & (low >= KNOWN_AS_PART_MIN - 1e-6)
    return np.maximum(out, np.where(ok, KNOWN_AS_SCORE * mean, 0.0)).astype(np.float32)


def _part_similarities(tokens: Sequence[Token], table: _Texts) -> FloatArray:
    """The part rule of ``names.py`` between each query part and each part of each row."""
    readings: dict[str, int] = {}

    def rid(text: str) -> int:
        return readings.setdefault(text, len(readings))

    keys = [[rid(k) for k in t.keys] for t in tokens]
    keys_loose = [[rid(k) for k in t.keys + t.loose] for t in tokens]
    folded_ids = [rid(t.near) for t in tokens]
    part = np.zeros((len(table.part_start) + 1, len(tokens)), dtype=np.float32)
    if not tokens:
        return part[table.rows]
    sims = _sims(list(readings), table.texts)[:, 1:]
    # Per query part and distinct text, the branches of the part rule: same key, loose
    # reading (discounted), folded skeleton (discounted, three letters or more)...
    by_loose = LOOSE_FACTOR * np.stack([sims[ix].max(axis=0) for ix in keys_loose])
    by_key = np.maximum(np.stack([sims[ix].max(axis=0) for ix in keys]), by_loose)
    by_folded = COARSE_FACTOR * sims[folded_ids] * table.long
    by_folded[[len(t.near) < 3 for t in tokens]] = 0.0
    # ... then the best over each distinct part's readings (a key can be read loosely too).
    values = np.stack([by_key, by_loose, by_folded])[table.reading_kind, :, table.reading_text]
    part[1:] = np.maximum.reduceat(values, table.part_start, axis=0)
    return part[table.rows]


def _bound_with_initials(best: FloatArray, initials: int, nparts: IntArray) -> FloatArray:
    """Alignment bound when the query name has initials (weight 0.5, similarity 0.9 at
    most): the best weighted mean over the ways the pairs can split into k full parts and
    m initials, with the least each part left unpaired can cost."""
    n = best.shape[1]
    top = np.zeros((len(best), n + 1), dtype=np.float32)
    top[:, 1:] = np.cumsum(-np.sort(-best, axis=1), axis=1)
    pairs = np.minimum(n + initials, nparts)
    full, initial = 2.0, INITIAL_WEIGHT + 1.0
    out = np.zeros(len(best), dtype=np.float32)
    for k in range(n + 1):
        for m in range(initials + 1):
            unpaired = (
                (n - k) * MISSING_MIDDLE_WEIGHT
                + (initials - m) * MISSING_MIDDLE_WEIGHT * INITIAL_WEIGHT
                + np.maximum(nparts - k - m, 0) * MISSING_MIDDLE_WEIGHT
            )
            den = full * k + initial * m + unpaired
            mean = (full * top[:, k] + initial * INITIAL_SIMILARITY * m) / np.maximum(den, 1e-9)
            out = np.where(pairs == k + m, np.maximum(out, mean), out)
    return out


class Screener:
    """In-memory screening index over watchlist identities (each with a unique ``id``)."""

    def __init__(self, watchlist: Iterable[Identity] = (), *, workers: int = 2) -> None:
        self.last_stats = ScreenStats()
        self._entries: list[Identity | None] = list(watchlist)
        self._slot_of: dict[str, int] = {}
        for slot, identity in enumerate(self._entries):
            assert identity is not None
            self._check_id(identity)
            self._slot_of[identity.id or ""] = slot
        self._vocab: list[str] = []
        self._vocab_id: dict[str, int] = {}
        self._vocab_np = np.empty(0, dtype=object)
        self._text_scratch = DenseIds()
        self._part_scratch = DenseIds()
        self._year = _Column([], np.int32)
        self._month = _Column([], np.int8)
        self._day = _Column([], np.int8)
        self._sex = _Column([], np.int8)
        self._row_start = _Column([], np.int64)
        self._row_count = _Column([], np.int8)
        self._rows = _Column([], np.int32, MAX_PARTS)
        self._nparts = _Column([], np.int8)
        self._joined = _Column([], np.int32, 2)
        self._long = _Column([], np.bool_)  # per vocabulary text: three letters or more
        # Distinct parts (given names above all recur): their readings as text ids.
        self._part_id: dict[tuple[int, ...], int] = {}
        self._part_texts = _Column([], np.int32, READINGS)
        self._exact = _Column([], np.bool_)
        self._names: list[tuple[AnalysedName, ...] | None] = []
        keys: list[IntArray] = []
        counts: list[IntArray] = []
        columns: tuple[_Column[Any], ...] = (self._year, self._month, self._day, self._sex)
        with _no_gc():
            # No entry has been removed yet: all are identities.
            for chunk in _feature_chunks(cast(list[Identity], self._entries), workers):
                keys.append(chunk.keys)
                counts.append(chunk.counts)
                for column, values in zip(columns, chunk.attrs.T, strict=True):
                    column.append(values)
                self._names.extend(chunk.names)
                self._add_rows(chunk.table)
            self._index = BlockingIndex(
                np.concatenate([np.empty(0, np.int64), *keys]),
                np.concatenate([np.empty(0, np.int64), *counts]),
                self._date_code(slice(None)),
            )
        self._vocab_array()  # made once here, shared by forked workers

    def _date_code(self, slots: slice | int) -> npt.NDArray[np.int64]:
        year = self._year.view[slots].astype(np.int64)
        month = self._month.view[slots].astype(np.int64)
        return (year << YEAR_SHIFT) | (month << DAY_BITS) | self._day.view[slots]

    def _check_id(self, identity: Identity) -> None:
        if identity.id is None:
            raise ValueError("watchlist identities need an id")
        if identity.id in self._slot_of:
            raise ValueError(f"duplicate watchlist id: {identity.id}")

    def _vocab_array(self) -> npt.NDArray[np.object_]:
        """The vocabulary as a numpy array, to pick many texts at once (kept in step)."""
        if len(self._vocab_np) != len(self._vocab):
            self._vocab_np = np.array(self._vocab, dtype=object)
        return self._vocab_np

    def _vid(self, text: str) -> int:
        i = self._vocab_id.get(text)
        if i is None:
            i = self._vocab_id[text] = len(self._vocab)
            self._vocab.append(text)
        return i

    def _add_rows(self, table: _RowTable) -> None:
        counts = table.counts
        self._row_start.append(self._rows.size + np.cumsum(counts) - counts)
        self._row_count.append(counts)
        # Table-local ids to global ones: one dict lookup per distinct text and part.
        known = len(self._vocab)
        gid = np.array([self._vid(t) for t in table.texts] + [-1], dtype=np.int32)
        self._long.append([len(t) >= 3 for t in self._vocab[known:]])
        readings = gid[np.array(table.parts, dtype=np.int32).reshape(-1, READINGS)]
        part_gid, new = [], []
        for r in map(tuple, readings.tolist()):
            g = self._part_id.get(r)
            if g is None:
                g = self._part_id[r] = len(self._part_id)
                new.append(r)
            part_gid.append(g)
        self._part_texts.append(np.array(new, dtype=np.int32).reshape(-1, READINGS))
        self._rows.append(np.array([*part_gid, -1], dtype=np.int32)[table.rows])
        self._nparts.append(table.nparts)
        self._joined.append(gid[table.joined])
        self._exact.append(table.exact)

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, id: object) -> bool:
        return id in self._slot_of

    def add(self, identity: Identity) -> None:
        """Add one watchlist identity; the index is updated in place."""
        self._check_id(identity)
        f = features(identity)
        slot = len(self._entries)
        self._slot_of[identity.id or ""] = slot
        self._entries.append(identity)
        self._names.append(f.names)
        for col, v in ((self._year, f.year), (self._month, f.month), (self._day, f.day)):
            col.append([v])
        self._sex.append([f.sex])
        self._add_rows(_row_table([f]))
        assert self._index.add(set(f.keys), int(self._date_code(slot))) == slot

    def remove(self, id: str) -> None:
        """Remove a watchlist identity by id; KeyError if it is not there."""
        slot = self._slot_of.pop(id)
        self._index.remove(slot)
        self._entries[slot] = None
        self._names[slot] = None

    def candidates(self, query: Identity, threshold: float = SCREENING_THRESHOLD) -> list[int]:
        """Slots worth exact scoring for the query, best estimate first (blocking only)."""
        return [
            int(s) for s in self._candidates(query, [analyse(n) for n in query.names], threshold)[0]
        ]

    def _candidates(
        self, query: Identity, names: Sequence[AnalysedName], threshold: float
    ) -> tuple[IntArray, int, FloatArray]:
        """Candidate slots (best estimate first), entries gathered, name score each needs."""
        empty = np.empty(0, dtype=np.int64), 0, np.empty(0, dtype=np.float32)
        date, several = _single_date(query.dates_of_birth)
        window: tuple[int, int] | None = None
        # A year of birth more than one apart costs more than any name can make up.
        if date is not None and threshold > 1.0 + dates.YEAR_DIFFERS + NATIONALITY_SHARED:
            code = year_code(date.year)
            window = (code - 1, code + 1)
        qk = query_keys(names)
        if not len(qk.keys):
            return empty
        spans = self._index.spans(qk.keys, window)
        rare = spans.df <= np.where(qk.tolerant, TOLERANT_DF, RARE_DF)
        found = [self._index.read(spans, rare, slots_only=True).slots]
        common = ~rare & (spans.df <= COMMON_DF)
        if common.any():
            # A common key alone is not enough where the name must carry the match: its
            # entry needs a date of birth that agrees, or a second part of the query.
            post = self._index.read(spans, common)
            if qk.parts > 1:
                agrees = _date_agrees(post.dates, date, several)
                bits = self._index.part_bits(post.slots, qk.tags[post.key_index])
                found.append(post.slots[agrees | _two_parts(bits)])
            else:
                found.append(post.slots)
        slots = self._index.unique(np.concatenate(found))
        gathered = len(slots)
        if not gathered:
            return empty
        need = threshold - self._bonus_bound(slots, date, several, query.sex)
        ok = need <= 1.0
        slots, need = slots[ok], need[ok]
        est = self._estimate(names, slots)
        keep = est >= need - MARGIN
        slots, est, need = slots[keep], est[keep], need[keep]
        # Every entry the bound lets through is scored (about 20 per query at 1M, a few
        # hundred for a year-only query with an initial): none is dropped for time.
        order = np.argsort(-est, kind="stable")
        return slots[order], gathered, need[order]

    def _bonus_bound(
        self, slots: IntArray, date: PartialDate | None, several: bool, sex: str | None
    ) -> FloatArray:
        """The most dates of birth, sex and nationality can add to each entry's name score."""
        year = self._year.view[slots].astype(np.int64)
        month = self._month.view[slots].astype(np.int64)
        day = self._day.view[slots].astype(np.int64)
        bound = _date_bound(year, month, day, date, several)
        code = _SEX.get(sex or "", 0)
        if code:
            esex = self._sex.view[slots]
            bound = bound + np.where((esex != 0) & (esex != code), SEX_DIFFERS, 0.0)
        return (bound + NATIONALITY_SHARED).astype(np.float32)

    def _estimate(self, names: Sequence[AnalysedName], slots: IntArray) -> FloatArray:
        """An upper bound of each entry's name score, vectorised over its rows."""
        start = self._row_start.view[slots]
        count = self._row_count.view[slots].astype(np.int64)
        total = int(count.sum())
        if total == len(slots) and count.all():
            rows = start  # one name each, the usual case
        else:
            rows = np.repeat(start - np.cumsum(count) + count, count) + np.arange(total)
        joined = self._joined.view[rows]
        # Distinct parts of the rows, then the distinct texts of their readings: given
        # names recur, so each is compared once. Id -1 (padding) is always first.
        pad = np.array([-1], dtype=np.int32)
        pids, pinv = self._part_scratch.unique(
            np.concatenate([pad, self._rows.view[rows].ravel()]), len(self._part_id)
        )
        # Each part's readings, flat (most parts have two: a key and the folded one).
        readings = self._part_texts.view[pids[1:]]
        present = readings >= 0
        column = np.nonzero(present)[1]
        counts = present.sum(axis=1)
        tids, tinv = self._text_scratch.unique(readings[present], len(self._vocab))
        # Whole-name keys are compared with the query's whole-name keys only.
        jids, jinv = self._text_scratch.unique(
            np.concatenate([pad, joined.ravel()]), len(self._vocab)
        )
        vocab = self._vocab_array()
        table = _Texts(
            vocab[tids].tolist(),
            self._long.view[tids],
            tinv,
            _READING_KIND[column],
            np.cumsum(counts) - counts,
            vocab[jids[1:]].tolist(),
            jinv[1:].reshape(total, 2),
            pinv[1:].reshape(total, MAX_PARTS),
            self._nparts.view[rows].astype(np.int64),
        )
        row_est = np.zeros(total, dtype=np.float32)
        for name in names:
            row_est = np.maximum(row_est, _estimate_name(name, table))
        row_est[self._exact.view[rows]] = 1.0
        # Each entry's rows are contiguous: the best row per entry is one reduceat.
        est = np.zeros(len(slots), dtype=np.float32)
        has = count > 0
        if total:
            est[has] = np.maximum.reduceat(row_est, (np.cumsum(count) - count)[has])
        return est

    def screen_one(self, query: Identity, threshold: float, index: int = 0) -> list[Hit]:
        """Hits for one query, best first."""
        return self._screen_one(query, threshold, index)[0]

    def _screen_one(
        self, query: Identity, threshold: float, index: int
    ) -> tuple[list[Hit], int, int]:
        names = [analyse(n) for n in query.names]
        hits: list[Hit] = []
        slots, gathered, needs = self._candidates(query, names, threshold)
        for slot, need in zip(slots.tolist(), needs.tolist(), strict=True):
            entry = self._entries[slot]
            entry_names = self._names[slot]
            if entry is None or entry_names is None:
                continue
            best, i, j = _best_pair(names, entry_names)
            if best + _MAX_BONUS < threshold or best < need - _NEED_SLACK:
                continue  # its dates, sex and nationality cannot lift it to the threshold
            factors = identity_factors(query, entry)
            score = combine(best, factors)
            if score < threshold:
                continue
            # Evidence is built for hits only, from the analyses already at hand: the same
            # Match as compare(query, entry), without analysing the entry's names again.
            evidence = match_analysed(query.names[i], entry.names[j], names[i], entry_names[j])
            match = Match(score, best, ALGORITHM, evidence, factors)
            hits.append(Hit(index, query.id, entry.id or "", match.score, match))
        return sorted(hits, key=lambda h: -h.score), len(slots), gathered

    def screen(
        self,
        queries: Iterable[Identity],
        threshold: float = SCREENING_THRESHOLD,
        *,
        workers: int = 1,
        chunk_size: int = 500,
        on_progress: Callable[[int], object] | None = None,
    ) -> list[Hit]:
        """Screen queries; ``workers`` > 1 forks processes that share the index read-only."""
        hits: list[Hit] = []
        q = c = g = 0
        with _no_gc():
            for chunk_hits, done, candidates, gathered in self._run(
                queries, threshold, workers, chunk_size
            ):
                hits.extend(chunk_hits)
                q, c, g = q + done, c + candidates, g + gathered
                if on_progress is not None:
                    on_progress(done)
        self.last_stats = ScreenStats(q, c, len(hits), g)
        return hits

    def _run(
        self, queries: Iterable[Identity], threshold: float, workers: int, chunk_size: int
    ) -> Iterator[tuple[list[Hit], int, int, int]]:
        chunks = _chunks(enumerate(queries), chunk_size)
        if workers <= 1 or not _can_fork():
            for chunk in chunks:
                yield _screen_chunk(self, chunk, threshold)
            return
        global _FORKED
        _FORKED = self  # inherited by the forked workers, never pickled
        # The index's objects (analyses above all) are never freed while screening: keep
        # them out of the collector so the workers' GC never touches (copies) their pages.
        gc.freeze()
        try:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                jobs = ((chunk, threshold) for chunk in chunks)
                yield from pool.imap(_forked_chunk, jobs)
        finally:
            _FORKED = None
            gc.unfreeze()


_FORKED: Screener | None = None


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic collector: building or screening makes millions of objects (none
    in cycles), and each full collection would walk all of them; forked workers inherit
    the pause."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chunks(
    items: Iterable[tuple[int, Identity]], size: int
) -> Iterator[list[tuple[int, Identity]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _screen_chunk(
    screener: Screener, chunk: list[tuple[int, Identity]], threshold: float
) -> tuple[list[Hit], int, int, int]:
    hits: list[Hit] = []
    candidates = gathered = 0
    for i, q in chunk:
        found, n, g = screener._screen_one(q, threshold, i)
        hits.extend(found)
        candidates += n
        gathered += g
    return hits, len(chunk), candidates, gathered


def _forked_chunk(
    job: tuple[list[tuple[int, Identity]], float],
) -> tuple[list[Hit], int, int, int]:
    assert _FORKED is not None
    chunk, threshold = job
    return _screen_chunk(_FORKED, chunk, threshold)


def _best_pair(a: Sequence[AnalysedName], b: Sequence[AnalysedName]) -> tuple[float, int, int]:
    """Best name score and its pair (the first best, as ``compare.best_names`` picks it)."""
    best, bi, bj = -1.0, 0, 0
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            score = score_names(x, y)[0]
            if score > best:
                best, bi, bj = score, i, j
    return (best, bi, bj) if best >= 0.0 else (0.0, 0, 0)


def best_name_score(a: Sequence[AnalysedName], b: Sequence[AnalysedName]) -> float:
    """Best name score over both identities' names (fast path, no evidence)."""
    return max((score_names(x, y)[0] for x in a for y in b), default=0.0)


def may_reach(a: Sequence[AnalysedName], b: Sequence[AnalysedName], threshold: float) -> bool:
    """False only when no date, sex or nationality could lift the names to ``threshold``."""
    return best_name_score(a, b) + _MAX_BONUS >= threshold

"""Blocking index: which watchlist entries are worth scoring against a query.

Scoring every pair is impossible at screening scale. Each name yields blocking keys: the
coarse skeleton of each part (s/z/sh, k/kh folded) together with its one-letter deletions,
so that a typo or a dropped consonant still shares a key (Benrodi / Benodi), each pair of
parts and the whole-name key.

Postings are sorted by key and then by the entry's date of birth, packed into one int64
(45 bits of key hash, 18 bits of date: year, month, day). A query with a year of birth reads
only the years that could still reach the threshold (a year more than one apart costs
0.25, more than any name can make up) plus the entries without a date, with one
vectorised binary search for all its keys; each posting read also carries its entry's
date, which says what the date can add before the entry is looked at.

The bulk lives in flat numpy arrays (compact, shared by forked workers without copying);
entries added later go to small per-key lists, removed entries are masked out, so neither
add nor remove rebuilds anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import numpy.typing as npt

from liaison.matching.analyse import AnalysedName, Token
from liaison.matching.skeleton import coarse

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Date code: 9 bits of year (1800..2310, 0 = no single date), 4 of month, 5 of day.
DAY_BITS = 5
MONTH_BITS = 4
YEAR_SHIFT = DAY_BITS + MONTH_BITS
DATE_BITS = YEAR_SHIFT + 9
DATE_MASK = (1 << DATE_BITS) - 1
KEY_MASK = (1 << (63 - DATE_BITS)) - 1  # non-negative packed values
YEAR_BASE = 1800
NO_DATE = 0
# Several different dates recorded: no single year to read by, and any of them may match.
SEVERAL_DATES = 15 << DAY_BITS
# Deletion neighbourhoods only for skeletons long enough that a deletion still says
# something (a two-letter skeleton minus a letter is one letter).
MIN_DELETE_LEN = 3
# Tag bits: one per distinct part of the query (seven at most, later parts share the
# last), so that a key shared by two parts is told from two keys of one part; the high bit
# marks a skeleton, pair or whole-name key as against a deletion or short-skeleton one.
PART_BITS = 7
EXACT_TAG = 1 << PART_BITS


def year_code(year: int | None) -> int:
    """The year slot of a posting (0 when unknown); years outside the range are clamped."""
    return 0 if year is None else max(1, min(511, year - YEAR_BASE + 1))


def date_code(year: int | None, month: int | None = None, day: int | None = None) -> int:
    """Year, month and day packed as the index sorts them (month and day 0 when unknown)."""
    return (year_code(year) << YEAR_SHIFT) | ((month or 0) << DAY_BITS) | (day or 0)


def split_dates(codes: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Year codes, months and days of packed date codes."""
    return (
        codes >> YEAR_SHIFT,
        (codes >> DAY_BITS) & ((1 << MONTH_BITS) - 1),
        codes & ((1 << DAY_BITS) - 1),
    )


def _deletions(key: str) -> Iterable[str]:
    yield key
    if len(key) >= MIN_DELETE_LEN:
        for i in range(len(key)):
            yield key[:i] + key[i + 1 :]


def _hash(*parts: str) -> int:
    return hash(parts) & KEY_MASK


@lru_cache(maxsize=500_000)
def _part_keys(nears: tuple[str, ...]) -> tuple[frozenset[int], frozenset[int]]:
    # Parts repeat across a watchlist (given names above all): hash their keys once.
    exact = frozenset(_hash("u", k) for k in nears)
    tolerant = frozenset(_hash("u", d) for k in nears for d in _deletions(k))
    return exact, tolerant - exact


@lru_cache(maxsize=500_000)
def _short_keys(readings: tuple[str, ...], query: bool) -> frozenset[int]:
    """Keys that tie a skeleton of one or two letters to the longer ones it nearly matches.

    Deletion keys need three letters, yet Kaya (k) and Keita (kt), or Hihili (hl) and حه
    (h), score 0.67. A skeleton of length 1 or 2 is similar enough (Indel 0.67 or more) only
    to a skeleton of at most 2 or 4 letters with one or two of its letters in order, so
    entries are indexed under those letters and letter pairs and queries look them up;
    the namespaces keep a query from matching lengths that cannot be that similar."""
    found: set[tuple[str, str]] = set()
    for r in readings:
        if len(r) == 1:
            found.add(("1", r))
            if query:
                found.add(("2:1", r))
        elif len(r) == 2:
            if query:
                found |= {("1", r[0]), ("1", r[1]), ("2", r), ("4", r)}
            else:
                found |= {("2:1", r[0]), ("2:1", r[1]), ("2", r)}
        elif len(r) <= 4:
            pairs = {r[i] + r[j] for i in range(len(r)) for j in range(i + 1, len(r))}
            found |= {("2" if query else "4", p) for p in pairs}
    return frozenset(_hash("s", *k) for k in found)


@lru_cache(maxsize=100_000)
def _solo_keys(nears: tuple[str, ...]) -> frozenset[int]:
    return frozenset(_hash("1", k) for k in nears)


def _short_readings(t: Token) -> tuple[str, ...]:
    # Not the loose readings: discounted, a short one cannot reach 0.67 this way.
    return (*t.keys, t.near) if t.near not in t.keys else t.keys


@dataclass(frozen=True, slots=True)
class QueryKeys:
    """A query's keys, which parts each stands for (bits), and which are one-deletion keys."""

    keys: IntArray
    tags: npt.NDArray[np.uint8]
    tolerant: BoolArray
    parts: int  # distinct parts of the query (by skeleton)


def query_keys(names: Iterable[AnalysedName]) -> QueryKeys:
    """A query's keys, each tagged with the bit of every part it stands for.

    Parts are told apart by skeleton, so the same name in two scripts (Mohamed, محمد) is
    one part. A pair key or the whole-name key stands for two or more parts at once."""
    bit_of: dict[str, int] = {}
    tags: defaultdict[int, int] = defaultdict(int)
    exact: set[int] = set()
    for name in names:
        parts = [t for t in name.names if t.kind == "name"]
        bits = []
        for t in parts:
            bit = 1 << bit_of.setdefault(t.near, min(len(bit_of), PART_BITS - 1))
            bits.append(bit)
            e, d = _part_keys(t.nears)
            exact |= e
            for k in e | d | _short_keys(_short_readings(t), True):
                tags[k] |= bit
            # An entry of one part scores well with one shared part (the query's others are
            # only missing, at a fifth or two fifths of a part): such entries are indexed
            # apart, and this key alone is enough.
            for k in _solo_keys(t.nears):
                exact.add(k)
                tags[k] |= (EXACT_TAG - 1) | bit
        by_near = dict(zip((t.near for t in parts), bits, strict=True))
        for a, b in combinations(sorted(by_near), 2):
            k = _hash("p", a, b)
            exact.add(k)
            tags[k] |= by_near[a] | by_near[b]
        k = _hash("j", coarse(name.joined[0]))
        exact.add(k)
        tags[k] |= sum(set(bits)) or 1
    for k in exact:
        tags[k] |= EXACT_TAG
    # Ordered by tag: the postings read for them come in a few runs of one tag each.
    ordered = sorted(tags.items(), key=lambda kv: kv[1])
    return QueryKeys(
        np.fromiter((k for k, _ in ordered), dtype=np.int64, count=len(ordered)),
        np.fromiter((t for _, t in ordered), dtype=np.uint8, count=len(ordered)),
        np.fromiter((k not in exact for k, _ in ordered), dtype=np.bool_, count=len(ordered)),
        len(bit_of),
    )


def blocking_keys(names: Iterable[AnalysedName]) -> set[int]:
    """Hashed blocking keys of an identity's names (process-local hashes, never stored).

    The keys ``query_keys`` looks up, without the tags (this runs for every entry)."""
    keys: set[int] = set()
    for name in names:
        parts = [t for t in name.names if t.kind == "name"]
        for t in parts:
            e, d = _part_keys(t.nears)
            keys |= e
            keys |= d
            keys |= _short_keys(_short_readings(t), False)
        if len(parts) == 1:
            keys |= _solo_keys(parts[0].nears)
        primaries = sorted({t.near for t in parts})
        keys.update(_hash("p", a, b) for a, b in combinations(primaries, 2))
        keys.add(_hash("j", coarse(name.joined[0])))
    return keys


class DenseIds:
    """``np.unique(ids, return_inverse=True)`` for dense ids below a known size, without
    sorting the (long, repetitive) input: a scratch array indexed by id, kept per process,
    of which only the touched cells are written. Ids may be -1 (padding)."""

    def __init__(self) -> None:
        self._cells = np.zeros(0, dtype=np.int64)

    def unique(
        self, ids: npt.NDArray[np.integer], size: int, *, inverse: bool = True
    ) -> tuple[IntArray, IntArray]:
        """Sorted distinct ids and, with ``inverse``, each id's index among them."""
        flat = ids.astype(np.int64) + 1  # -1 becomes 0
        if len(self._cells) < size + 1:
            self._cells = np.zeros(max(size + 1, 2 * len(self._cells)), dtype=np.int64)
        cells = self._cells
        order = np.arange(len(flat))
        cells[flat] = order
        uniq = np.sort(flat[cells[flat] == order])
        if not inverse:
            return uniq - 1, np.empty(0, dtype=np.int64)
        cells[uniq] = np.arange(len(uniq))
        return uniq - 1, cells[flat]


@dataclass(frozen=True, slots=True)
class Spans:
    """Where each query key's postings lie in the packed array, within a date window."""

    starts: IntArray  # (keys, blocks)
    lengths: IntArray
    df: IntArray  # postings per key in the window, added entries included
    keys: IntArray
    window: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class Postings:
    """Postings read for some keys: entry slot, entry date code, index of the query key."""

    slots: IntArray
    dates: IntArray
    key_index: IntArray


class BlockingIndex:
    """Inverted index from blocking keys to entry slots, with incremental add and remove."""

    def __init__(
        self,
        keys: IntArray | None = None,
        counts: IntArray | None = None,
        dates: IntArray | None = None,
    ) -> None:
        n = 0 if counts is None else len(counts)
        self._alive = np.zeros(max(16, n), dtype=bool)
        self._size = n
        self._alive[:n] = True
        self._extra: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        self._distinct = DenseIds()
        self._bits = np.zeros(0, dtype=np.uint8)
        if keys is None or counts is None or dates is None or not len(keys):
            self._packed = np.empty(0, dtype=np.int64)
            self._postings = np.empty(0, dtype=np.int32)
            return
        slots = np.repeat(np.arange(n, dtype=np.int32), counts)
        packed = (keys << DATE_BITS) | np.repeat(dates, counts)
        order = np.argsort(packed, kind="stable")
        self._packed = packed[order]
        self._postings = slots[order]

    def add(self, keys: set[int], date: int = NO_DATE) -> int:
        """Index a new entry; returns its slot."""
        slot = self._size
        if slot >= len(self._alive):
            self._alive = np.concatenate([self._alive, np.zeros(len(self._alive), dtype=bool)])
        self._alive[slot] = True
        self._size += 1
        for k in keys:
            self._extra[k].append((slot, date))
        return slot

    def remove(self, slot: int) -> None:
        """Mask an entry out; its postings stay but are never returned again."""
        self._alive[slot] = False

    def _in_window(self, date: int, window: tuple[int, int] | None) -> bool:
        if window is None:
            return True
        year = date >> YEAR_SHIFT
        return year == 0 or window[0] <= year <= window[1]

    def spans(self, keys: IntArray, window: tuple[int, int] | None) -> Spans:
        """Each key's postings in the window of year codes (None: all dates).

        Entries without a single date of birth are in every window."""
        k = keys << DATE_BITS
        if window is None:
            lows, highs = k[:, None], (k | DATE_MASK)[:, None]
        else:
            lo, hi = window
            no_date_end = k | ((1 << YEAR_SHIFT) - 1)
            lows = np.stack([k, k | (lo << YEAR_SHIFT)], axis=1)
            highs = np.stack([no_date_end, k | (hi << YEAR_SHIFT) | ((1 << YEAR_SHIFT) - 1)], 1)
        starts = np.searchsorted(self._packed, lows, side="left")
        lengths = np.searchsorted(self._packed, highs, side="right") - starts
        df = lengths.sum(axis=1)
        if self._extra:
            for i, key in enumerate(keys.tolist()):
                extra = self._extra.get(key, ())
                df[i] += sum(self._in_window(d, window) for _, d in extra)
        return Spans(starts, lengths, df, keys, window)

    def read(self, spans: Spans, selected: BoolArray, *, slots_only: bool = False) -> Postings:
        """The live postings of the selected keys (a slot may come once per key); with
        ``slots_only``, dates and key indexes are left empty."""
        lengths = np.where(selected[:, None], spans.lengths, 0).ravel()
        total = int(lengths.sum())
        # Ranges to positions without a Python loop.
        shift = np.repeat(spans.starts.ravel() - np.cumsum(lengths) + lengths, lengths)
        positions = shift + np.arange(total)
        slots = self._postings[positions].astype(np.int64)
        if slots_only and not self._extra:
            nothing = np.empty(0, dtype=np.int64)
            return Postings(slots[self._alive[slots]], nothing, nothing)
        dates = self._packed[positions] & DATE_MASK
        blocks = spans.lengths.shape[1]
        key_index = np.repeat(np.arange(lengths.size) // blocks, lengths)
        if self._extra:
            extra = [
                (s, d, i)
                for i in np.flatnonzero(selected).tolist()
                for s, d in self._extra.get(int(spans.keys[i]), ())
                if self._in_window(d, spans.window)
            ]
            if extra:
                more = np.asarray(extra, dtype=np.int64)
                slots = np.concatenate([slots, more[:, 0]])
                dates = np.concatenate([dates, more[:, 1]])
                key_index = np.concatenate([key_index, more[:, 2]])
        alive = self._alive[slots]
        return Postings(slots[alive], dates[alive], key_index[alive])

    def part_bits(self, slots: IntArray, tags: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """For each posting, the tags of every posting of the same slot, or-ed together."""
        if len(self._bits) < len(self._alive):
            self._bits = np.zeros(len(self._alive), dtype=np.uint8)
        bits = self._bits
        if not len(slots):
            return np.zeros(0, dtype=np.uint8)
        # One vectorised or per run of equal tags (keys come ordered by tag): a slot
        # repeated within a run gets the same value, so plain assignment is safe.
        edges = np.flatnonzero(tags[1:] != tags[:-1]) + 1
        for lo, hi in zip([0, *edges.tolist()], [*edges.tolist(), len(tags)], strict=True):
            run = slots[lo:hi]
            bits[run] = bits[run] | tags[lo]
        out = bits[slots]
        self._bits[slots] = 0
        return out

    def unique(self, slots: IntArray) -> IntArray:
        """``np.unique`` of slots in linear time."""
        return self._distinct.unique(slots, len(self._alive), inverse=False)[0]

"""Blocking index: which watchlist entries are worth scoring against a query.

Scoring every pair is impossible at screening scale. Each name yields blocking keys: the
coarse skeleton of each part (s/z/sh, k/kh folded) together with its one-letter deletions,
so that a typo or a dropped consonant still shares a key (Benrodi / Benodi), each pair of
parts and the whole-name key. A query gathers the postings of its keys.

Postings are sorted by key and then by the entry's year of birth, packed into one int64
(48 bits of key hash, 16 bits of year code): a query with a year of birth reads only the
years that could still reach the threshold (a year more than one apart costs 0.25, more
than any name can make up) plus the entries whose year is unknown, with one vectorised
binary search for all its keys. That exact cut is what lets a common part (Mohamed, محمد)
be used at all.

The bulk lives in flat numpy arrays (compact, shared by forked workers without copying);
entries added later go to small per-key lists, removed entries are masked out, so neither
add nor remove rebuilds anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import combinations

import numpy as np
import numpy.typing as npt

from liaison.matching.analyse import AnalysedName
from liaison.matching.skeleton import coarse

IntArray = npt.NDArray[np.int64]

YEAR_BITS = 16
YEAR_MASK = (1 << YEAR_BITS) - 1
KEY_MASK = (1 << (63 - YEAR_BITS)) - 1  # non-negative packed values
ANY_YEAR = 0  # year unknown, or several years recorded: always gathered
# Deletion neighbourhoods only for skeletons long enough that a deletion still says
# something (a two-letter skeleton minus a letter is one letter).
MIN_DELETE_LEN = 3


def year_code(year: int | None) -> int:
    """The 16-bit year slot of a posting (0 when unknown)."""
    return ANY_YEAR if year is None else max(1, min(YEAR_MASK, year - 1800 + 1))


def _deletions(key: str) -> Iterable[str]:
    yield key
    if len(key) >= MIN_DELETE_LEN:
        for i in range(len(key)):
            yield key[:i] + key[i + 1 :]


@lru_cache(maxsize=500_000)
def _part_keys(nears: tuple[str, ...]) -> tuple[frozenset[int], frozenset[int]]:
    # Parts repeat across a watchlist (given names above all): hash their keys once.
    exact = frozenset(hash(("u", k)) & KEY_MASK for k in nears)
    tolerant = frozenset(hash(("u", d)) & KEY_MASK for k in nears for d in _deletions(k))
    return exact, tolerant


def query_keys(names: Iterable[AnalysedName]) -> tuple[set[int], set[int]]:
    """A name's keys in two sets: exact (parts, pairs, joined) and one-deletion ones."""
    exact: set[int] = set()
    tolerant: set[int] = set()
    for name in names:
        parts = [t for t in name.names if t.kind == "name"]
        for t in parts:
            e, d = _part_keys(t.nears)
            exact |= e
            tolerant |= d
        primaries = sorted({t.near for t in parts})
        exact.update(hash(("p", a, b)) & KEY_MASK for a, b in combinations(primaries, 2))
        exact.add(hash(("j", coarse(name.joined[0]))) & KEY_MASK)
    return exact, tolerant - exact


def blocking_keys(names: Iterable[AnalysedName]) -> set[int]:
    """Hashed blocking keys of an identity's names (process-local hashes, never stored)."""
    exact, tolerant = query_keys(names)
    return exact | tolerant


class BlockingIndex:
    """Inverted index from blocking keys to entry slots, with incremental add and remove."""

    def __init__(
        self,
        keys: IntArray | None = None,
        counts: IntArray | None = None,
        years: IntArray | None = None,
    ) -> None:
        n = 0 if counts is None else len(counts)
        self._alive = np.zeros(max(16, n), dtype=bool)
        self._size = self._live = n
        self._alive[:n] = True
        self._extra: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        self._removed_df: defaultdict[int, int] = defaultdict(int)
        self._scratch = np.zeros(0, dtype=np.int32)
        if keys is None or counts is None or years is None or not len(keys):
            self._packed = np.empty(0, dtype=np.int64)
            self._postings = np.empty(0, dtype=np.int32)
            return
        slots = np.repeat(np.arange(n, dtype=np.int32), counts)
        packed = (keys << YEAR_BITS) | np.repeat(years, counts)
        order = np.argsort(packed, kind="stable")
        self._packed = packed[order]
        self._postings = slots[order]

    @classmethod
    def from_sets(cls, entry_keys: Sequence[set[int]], years: Sequence[int] = ()) -> BlockingIndex:
        """Build from per-entry key sets (years default to unknown)."""
        counts = np.fromiter((len(k) for k in entry_keys), dtype=np.int64, count=len(entry_keys))
        keys = np.fromiter(
            (h for ks in entry_keys for h in ks), dtype=np.int64, count=int(counts.sum())
        )
        yrs = np.asarray(years or [ANY_YEAR] * len(entry_keys), dtype=np.int64)
        return cls(keys, counts, yrs)

    @property
    def live(self) -> int:
        return self._live

    def alive(self, slots: IntArray) -> npt.NDArray[np.bool_]:
        return self._alive[slots]

    def add(self, keys: set[int], year: int = ANY_YEAR) -> int:
        """Index a new entry; returns its slot."""
        slot = self._size
        if slot >= len(self._alive):
            self._alive = np.concatenate([self._alive, np.zeros(len(self._alive), dtype=bool)])
        self._alive[slot] = True
        self._size += 1
        self._live += 1
        for k in keys:
            self._extra[k].append((slot, year))
        return slot

    def remove(self, slot: int, keys: set[int]) -> None:
        """Mask an entry out; its postings stay but are never returned again."""
        if not self._alive[slot]:
            return
        self._alive[slot] = False
        self._live -= 1
        for k in keys:
            self._removed_df[k] += 1

    def df(self, keys: Sequence[int]) -> IntArray:
        """How many live entries carry each key, all years (removals counted)."""
        k = np.asarray(keys, dtype=np.int64) << YEAR_BITS
        lo = np.searchsorted(self._packed, k)
        hi = np.searchsorted(self._packed, k | YEAR_MASK, side="right")
        out = hi - lo
        if self._extra or self._removed_df:
            for i, key in enumerate(keys):
                out[i] += len(self._extra.get(key, ())) - self._removed_df.get(key, 0)
        return out

    def unique(self, slots: IntArray) -> IntArray:
        """``np.unique`` of slots in linear time (a per-process scratch array by slot)."""
        if len(self._scratch) < len(self._alive):
            self._scratch = np.zeros(len(self._alive), dtype=np.int32)
        idx = np.arange(len(slots), dtype=np.int32)
        self._scratch[slots] = idx
        return np.sort(slots[self._scratch[slots] == idx])

    def gather(
        self,
        keys: Sequence[int],
        years: tuple[int, int] | None,
        max_df: int,
        *,
        distinct: bool = True,
    ) -> IntArray:
        """Live slots carrying any of the keys, in the year range (and unknown years).

        ``years`` is an inclusive range of year codes, None for all years. Keys with more
        than ``max_df`` postings in the range are skipped (they would say nothing). With
        ``distinct=False`` a slot may come several times, in no order."""
        if not keys:
            return np.empty(0, dtype=np.int64)
        k = np.asarray(keys, dtype=np.int64) << YEAR_BITS
        if years is None:
            bounds = np.stack([k, k | YEAR_MASK])
        else:
            lo_y, hi_y = years
            bounds = np.stack([k, k | ANY_YEAR, k | lo_y, k | hi_y])
        found = np.searchsorted(self._packed, bounds[0::2], side="left")
        ends = np.searchsorted(self._packed, bounds[1::2], side="right")
        lengths = (ends - found).ravel()
        starts = found.ravel()
        if years is not None:
            per_key = lengths.reshape(2, -1).sum(axis=0)
            ok = np.tile(per_key <= max_df, 2)
        else:
            ok = lengths <= max_df
        lengths = np.where(ok, lengths, 0)
        total = int(lengths.sum())
        if total:
            # Ranges to indices without a Python loop.
            shift = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            slots = self._postings[shift + np.arange(total)].astype(np.int64)
        else:
            slots = np.empty(0, dtype=np.int64)
        if self._extra:
            extra = [
                s
                for key in keys
                for s, y in self._extra.get(key, ())
                if years is None or y == ANY_YEAR or years[0] <= y <= years[1]
            ]
            if extra:
                slots = np.concatenate([slots, np.asarray(extra, dtype=np.int64)])
        slots = slots[self._alive[slots]]
        return self.unique(slots) if distinct else slots

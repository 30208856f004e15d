"""Blocking index: which watchlist entries are worth scoring against a query.

Scoring every pair is impossible at screening scale, and a common part (Mohamed, محمد)
is shared by a tenth of a watchlist. Each name yields blocking keys: the coarse skeleton
of each part (s/z/sh, k/kh, d/t folded so spelling variants share a key), each pair of
parts (rare even when both parts are common) and the whole-name key (split/joined words).
A query gathers the postings of its rarest keys, weighs shared keys by inverse document
frequency and keeps the best few entries for exact scoring.

The bulk of the postings lives in flat numpy arrays (compact, shared by forked workers
without copying); entries added later go to small per-key lists, and removed entries are
masked out, so neither add nor remove rebuilds anything.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations, permutations

import numpy as np
import numpy.typing as npt

from liaison.matching.analyse import AnalysedName
from liaison.matching.skeleton import coarse

IntArray = npt.NDArray[np.int64]

# Keys shared by more than this share of entries (and at least MIN_DF) carry too little
# information to gather postings for, unless a query has nothing rarer; a query uses at
# most MAX_KEYS of its rarest keys.
MAX_DF_SHARE = 0.001
MIN_DF = 200
MAX_KEYS = 12
# A query whose parts are all common or misspelt still uses its MIN_KEYS rarest keys, up to
# COMMON_FACTOR times the usual frequency limit.
MIN_KEYS = 3
COMMON_FACTOR = 5


def blocking_keys(names: Iterable[AnalysedName]) -> set[int]:
    """Hashed blocking keys of an identity's names (process-local hashes, never stored)."""
    keys: set[int] = set()
    for name in names:
        parts = [t for t in name.names if t.kind == "name"]
        for t in parts:
            keys.update(hash(("u", k)) for k in t.nears)
        primaries = sorted({t.near for t in parts})
        keys.update(hash(("p", a, b)) for a, b in combinations(primaries, 2))
        # One part exact and the start of another (Manon Faure / Manon François): finds
        # near misses on a rare part when the exact part is common.
        keys.update(hash(("q", a, b[:2])) for a, b in permutations(primaries, 2) if len(b) > 1)
        keys.add(hash(("j", coarse(name.joined[0]))))
    return keys


class BlockingIndex:
    """Inverted index from blocking keys to entry slots, with incremental add and remove."""

    def __init__(self, entry_keys: Sequence[set[int]] = ()) -> None:
        self._alive = np.zeros(max(16, len(entry_keys)), dtype=bool)
        self._size = 0
        self._live = 0
        self._extra: defaultdict[int, list[int]] = defaultdict(list)
        self._removed_df: defaultdict[int, int] = defaultdict(int)
        self._acc = np.zeros(0, dtype=np.float32)
        self._bulk_load(entry_keys)

    def _bulk_load(self, entry_keys: Sequence[set[int]]) -> None:
        counts = np.fromiter((len(k) for k in entry_keys), dtype=np.int64, count=len(entry_keys))
        total = int(counts.sum())
        keys = np.fromiter((h for ks in entry_keys for h in ks), dtype=np.int64, count=total)
        slots = np.repeat(np.arange(len(entry_keys), dtype=np.int32), counts)
        order = np.argsort(keys, kind="stable")
        keys, self._postings = keys[order], slots[order]
        self._hashes, starts = np.unique(keys, return_index=True)
        self._offsets = np.append(starts, total).astype(np.int64)
        self._size = self._live = len(entry_keys)
        self._alive[: self._size] = True

    def _frozen_range(self, key: int) -> tuple[int, int]:
        i = int(np.searchsorted(self._hashes, key))
        if i < len(self._hashes) and self._hashes[i] == key:
            return int(self._offsets[i]), int(self._offsets[i + 1])
        return 0, 0

    def df(self, key: int) -> int:
        """How many live entries carry the key (removals counted once they happen)."""
        lo, hi = self._frozen_range(key)
        return hi - lo + len(self._extra.get(key, ())) - self._removed_df.get(key, 0)

    def add(self, keys: set[int]) -> int:
        """Index a new entry; returns its slot."""
        slot = self._size
        if slot >= len(self._alive):
            self._alive = np.concatenate([self._alive, np.zeros(len(self._alive), dtype=bool)])
        self._alive[slot] = True
        self._size += 1
        self._live += 1
        for k in keys:
            self._extra[k].append(slot)
        return slot

    def remove(self, slot: int, keys: set[int]) -> None:
        """Mask an entry out; its postings stay but are never returned again."""
        if not self._alive[slot]:
            return
        self._alive[slot] = False
        self._live -= 1
        for k in keys:
            self._removed_df[k] += 1

    def candidates(self, keys: set[int], top_k: int) -> IntArray:
        """Up to ``top_k`` live slots sharing the most informative keys with the query.

        Slots come back best first."""
        chosen = self._choose(keys)
        if not chosen:
            return np.empty(0, dtype=np.int64)
        if len(self._acc) < self._size:
            self._acc = np.zeros(len(self._alive), dtype=np.float32)
        acc = self._acc
        arrays: list[npt.NDArray[np.int64]] = []
        for df, key in chosen:
            postings = self._postings_of(key)  # one key lists a slot at most once
            acc[postings] += math.log(self._live / df + 1.0)
            arrays.append(postings)
        # Scores are read from and then cleared in a dense accumulator: linear time, where
        # sorting the gathered postings would not be.
        touched = np.concatenate(arrays)
        score = acc[touched]
        acc[touched] = 0.0
        live = self._alive[touched]
        touched, score = touched[live], score[live]
        if len(touched) > top_k:
            # A slot gathered by several keys appears once per key with the same score.
            keep = np.argpartition(-score, min(len(score), 4 * top_k) - 1)[: 4 * top_k]
            touched, score = touched[keep], score[keep]
        uniq, first = np.unique(touched, return_index=True)
        order = np.argsort(-score[first], kind="stable")[:top_k]
        return uniq[order]

    def _choose(self, keys: set[int]) -> list[tuple[int, int]]:
        with_df = sorted((d, k) for k in keys if (d := self.df(k)) > 0)
        max_df = max(MIN_DF, int(self._live * MAX_DF_SHARE))
        usable = [x for x in with_df if x[0] <= max_df][:MAX_KEYS]
        if len(usable) < MIN_KEYS:
            usable = [x for x in with_df if x[0] <= COMMON_FACTOR * max_df][:MIN_KEYS]
        # A name made only of very common parts still gets its single rarest key.
        return usable or with_df[:1]

    def _postings_of(self, key: int) -> npt.NDArray[np.int64]:
        lo, hi = self._frozen_range(key)
        frozen = self._postings[lo:hi].astype(np.int64)
        extra = self._extra.get(key)
        return np.concatenate([frozen, np.asarray(extra, dtype=np.int64)]) if extra else frozen


def build_keys(names_per_entry: Iterable[Sequence[AnalysedName]]) -> list[set[int]]:
    """Blocking keys for many entries at once (the bulk-load input)."""
    return [blocking_keys(n) for n in names_per_entry]

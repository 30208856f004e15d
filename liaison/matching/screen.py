"""Screening at scale: many queries against a large watchlist, candidates then exact scores."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from rapidfuzz import fuzz, process

from liaison.matching.analyse import AnalysedName, analyse
from liaison.matching.compare import NATIONALITY_SHARED, combine, compare, identity_factors
from liaison.matching.dates import FULL_MATCH
from liaison.matching.index import BlockingIndex, blocking_keys
from liaison.matching.names import score_names
from liaison.matching.types import Identity, Match

# Recommended thresholds (docs/matching.md): screening favours recall, a person reviews
# every candidate; search favours precision.
SCREENING_THRESHOLD = 0.80
SEARCH_THRESHOLD = 0.86
# Blocking gathers up to GATHER entries by shared rare keys; a C-speed fuzzy comparison of
# their folded parts keeps TOP_K of them for exact scoring.
GATHER = 500
TOP_K = 20
# The most a date, sex or nationality can add: a name below threshold minus this cannot
# become a hit, so its full comparison is skipped.
_MAX_BONUS = FULL_MATCH + NATIONALITY_SHARED


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


class Screener:
    """In-memory screening index over watchlist identities (each with a unique ``id``)."""

    def __init__(self, watchlist: Iterable[Identity] = (), *, top_k: int = TOP_K) -> None:
        self.top_k = top_k
        self.last_stats = ScreenStats()
        self._entries: list[Identity | None] = []
        self._names: list[tuple[AnalysedName, ...]] = []
        self._sketches: list[str] = []
        self._slot_of: dict[str, int] = {}
        keys: list[set[int]] = []
        for identity in watchlist:
            names = self._register(identity)
            keys.append(blocking_keys(names))
        self._index = BlockingIndex(keys)

    def _register(self, identity: Identity) -> tuple[AnalysedName, ...]:
        if identity.id is None:
            raise ValueError("watchlist identities need an id")
        if identity.id in self._slot_of:
            raise ValueError(f"duplicate watchlist id: {identity.id}")
        names = tuple(analyse(n) for n in identity.names)
        self._slot_of[identity.id] = len(self._entries)
        self._entries.append(identity)
        self._names.append(names)
        self._sketches.append(sketch(names))
        return names

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, id: object) -> bool:
        return id in self._slot_of

    def add(self, identity: Identity) -> None:
        """Add one watchlist identity; the index is updated in place."""
        names = self._register(identity)
        slot = self._index.add(blocking_keys(names))
        assert slot == self._slot_of[identity.id or ""]

    def remove(self, id: str) -> None:
        """Remove a watchlist identity by id; KeyError if it is not there."""
        slot = self._slot_of.pop(id)
        self._index.remove(slot, blocking_keys(self._names[slot]))
        self._entries[slot] = None
        self._names[slot] = ()
        self._sketches[slot] = ""

    def candidates(self, query: Identity) -> list[int]:
        """Slots worth exact scoring for the query (blocking only)."""
        return self._candidates([analyse(n) for n in query.names])

    def _candidates(self, names: Sequence[AnalysedName]) -> list[int]:
        gathered = self._index.candidates(blocking_keys(names), GATHER)
        if len(gathered) <= self.top_k:
            return [int(s) for s in gathered]
        choices = [self._sketches[int(s)] for s in gathered]
        ranked = process.extract(sketch(names), choices, scorer=fuzz.token_set_ratio, limit=None)
        # Past the top k, entries whose parts all match are kept too: namesakes are exactly
        # the people a screening must not drop.
        keep = [i for rank, (_, score, i) in enumerate(ranked) if rank < self.top_k or score >= 99]
        return [int(gathered[i]) for i in keep]

    def screen_one(self, query: Identity, threshold: float, index: int = 0) -> list[Hit]:
        """Hits for one query, best first."""
        return self._screen_one(query, threshold, index)[0]

    def _screen_one(self, query: Identity, threshold: float, index: int) -> tuple[list[Hit], int]:
        names = [analyse(n) for n in query.names]
        hits: list[Hit] = []
        slots = self._candidates(names)
        for slot in slots:
            entry = self._entries[slot]
            if entry is None:
                continue
            best = best_name_score(names, self._names[slot])
            if best + _MAX_BONUS < threshold:
                continue  # no date, sex or nationality could lift it to the threshold
            if combine(best, identity_factors(query, entry)) < threshold:
                continue
            match = compare(query, entry)  # evidence is built for hits only
            hits.append(Hit(index, query.id, entry.id or "", match.score, match))
        return sorted(hits, key=lambda h: -h.score), len(slots)

    def screen(
        self,
        queries: Iterable[Identity],
        threshold: float = SCREENING_THRESHOLD,
        *,
        workers: int = 1,
        chunk_size: int = 500,
        on_progress: Callable[[int], None] | None = None,
    ) -> list[Hit]:
        """Screen queries; ``workers`` > 1 forks processes that share the index read-only."""
        hits: list[Hit] = []
        stats = ScreenStats()
        for chunk_hits, done, candidates in self._run(queries, threshold, workers, chunk_size):
            hits.extend(chunk_hits)
            stats = ScreenStats(stats.queries + done, stats.candidates + candidates, len(hits))
            if on_progress is not None:
                on_progress(done)
        self.last_stats = stats
        return hits

    def _run(
        self, queries: Iterable[Identity], threshold: float, workers: int, chunk_size: int
    ) -> Iterator[tuple[list[Hit], int, int]]:
        chunks = _chunks(enumerate(queries), chunk_size)
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for chunk in chunks:
                yield _screen_chunk(self, chunk, threshold)
            return
        global _FORKED
        _FORKED = self  # inherited by the forked workers, never pickled
        try:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                jobs = ((chunk, threshold) for chunk in chunks)
                yield from pool.imap(_forked_chunk, jobs)
        finally:
            _FORKED = None


_FORKED: Screener | None = None


def _chunks(
    items: Iterable[tuple[int, Identity]], size: int
) -> Iterator[list[tuple[int, Identity]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _screen_chunk(
    screener: Screener, chunk: list[tuple[int, Identity]], threshold: float
) -> tuple[list[Hit], int, int]:
    hits: list[Hit] = []
    candidates = 0
    for i, q in chunk:
        found, n = screener._screen_one(q, threshold, i)
        hits.extend(found)
        candidates += n
    return hits, len(chunk), candidates


def _forked_chunk(job: tuple[list[tuple[int, Identity]], float]) -> tuple[list[Hit], int, int]:
    assert _FORKED is not None
    chunk, threshold = job
    return _screen_chunk(_FORKED, chunk, threshold)


def sketch(names: Sequence[AnalysedName]) -> str:
    """Folded parts of all names, sorted: what the cheap rerank compares."""
    return " ".join(sorted({t.near for n in names for t in n.names}))


def best_name_score(a: Sequence[AnalysedName], b: Sequence[AnalysedName]) -> float:
    """Best name score over both identities' names (fast path, no evidence)."""
    return max((score_names(x, y)[0] for x in a for y in b), default=0.0)


def may_reach(a: Sequence[AnalysedName], b: Sequence[AnalysedName], threshold: float) -> bool:
    """False only when no date, sex or nationality could lift the names to ``threshold``."""
    return best_name_score(a, b) + _MAX_BONUS >= threshold

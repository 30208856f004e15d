"""Running many queries: in chunks, in this process or in forked workers that share the
index copy-on-write, with the cyclic garbage collector paused."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Protocol

from liaison.matching.screen.results import Hit
from liaison.matching.types import Identity

# Per chunk: its hits, queries done, candidates scored exactly, entries gathered.
ChunkResult = tuple[list[Hit], int, int, int]


class ScreensOne(Protocol):
    def screen_counted(
        self, query: Identity, threshold: float, index: int
    ) -> tuple[list[Hit], int, int]: ...


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def no_gc() -> Iterator[None]:
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


def run(
    screener: ScreensOne,
    queries: Iterable[Identity],
    threshold: float,
    workers: int,
    chunk_size: int,
) -> Iterator[ChunkResult]:
    """Each chunk's results, in order; ``workers`` > 1 forks processes that share the
    index read-only."""
    chunks = _chunks(enumerate(queries), chunk_size)
    if workers <= 1 or not can_fork():
        for chunk in chunks:
            yield _screen_chunk(screener, chunk, threshold)
        return
    global _FORKED
    _FORKED = screener  # inherited by the forked workers, never pickled
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


_FORKED: ScreensOne | None = None


def _chunks(
    items: Iterable[tuple[int, Identity]], size: int
) -> Iterator[list[tuple[int, Identity]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _screen_chunk(
    screener: ScreensOne, chunk: list[tuple[int, Identity]], threshold: float
) -> ChunkResult:
    hits: list[Hit] = []
    candidates = gathered = 0
    for i, q in chunk:
        found, n, g = screener.screen_counted(q, threshold, i)
        hits.extend(found)
        candidates += n
        gathered += g
    return hits, len(chunk), candidates, gathered


def _forked_chunk(job: tuple[list[tuple[int, Identity]], float]) -> ChunkResult:
    assert _FORKED is not None
    chunk, threshold = job
    return _screen_chunk(_FORKED, chunk, threshold)

"""Building the index: the watchlist analysed in chunks, by forked workers when large,
each chunk returned as compact arrays."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from liaison.matching.analyse import AnalysedName
from liaison.matching.screen.columns import IntArray
from liaison.matching.screen.features import RowTable, features, row_table
from liaison.matching.screen.runner import can_fork
from liaison.matching.types import Identity

# Watchlists at least this large are analysed by forked workers when built.
PARALLEL_BUILD = 20_000


_BUILD: list[Identity] = []


@dataclass(frozen=True, slots=True)
class Chunk:
    """What a build worker returns for a run of entries, in compact form."""

    keys: IntArray  # every entry's blocking keys, one after the other
    counts: IntArray  # keys per entry
    attrs: npt.NDArray[np.int32]  # (entries, 4): year code, month, day, sex
    names: list[tuple[AnalysedName, ...]]
    table: RowTable


def _features_chunk(bounds: tuple[int, int]) -> Chunk:
    out = [features(i) for i in _BUILD[bounds[0] : bounds[1]]]
    counts = np.fromiter((len(f.keys) for f in out), dtype=np.int64, count=len(out))
    keys = np.fromiter((k for f in out for k in f.keys), dtype=np.int64, count=int(counts.sum()))
    attrs = np.array([(f.year, f.month, f.day, f.sex) for f in out], dtype=np.int32)
    # The analyses travel too (one pickle per chunk shares the word-level parts), so that
    # scoring never analyses a watchlist name again.
    return Chunk(keys, counts, attrs.reshape(-1, 4), [f.names for f in out], row_table(out))


def feature_chunks(watchlist: list[Identity], workers: int) -> Iterator[Chunk]:
    """The watchlist's features chunk by chunk, in order, from forked workers when large."""
    step = 10_000
    bounds = [(i, min(i + step, len(watchlist))) for i in range(0, len(watchlist), step)]
    global _BUILD
    _BUILD = watchlist
    try:
        if workers > 1 and len(watchlist) >= PARALLEL_BUILD and can_fork():
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                # The main process files each chunk while the workers make the next ones.
                yield from pool.imap(_features_chunk, bounds, chunksize=1)
        else:
            yield from map(_features_chunk, bounds)
    finally:
        _BUILD = []

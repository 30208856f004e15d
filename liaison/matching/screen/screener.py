"""The screening index: a watchlist's entries as blocking keys and numpy columns, kept in
step as entries are added and removed, and the candidates of a query (gathered by key,
bounded by dates and the name estimate, then scored exactly)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from liaison.matching import dates
from liaison.matching.analyse import AnalysedName, analyse
from liaison.matching.compare import NATIONALITY_SHARED, SEX_DIFFERS, combine, identity_factors
from liaison.matching.dates import PartialDate
from liaison.matching.index import (
    DAY_BITS,
    YEAR_SHIFT,
    BlockingIndex,
    DenseIds,
    query_keys,
    year_code,
)
from liaison.matching.names import match_analysed
from liaison.matching.registry import ALGORITHM
from liaison.matching.screen.bounds import date_agrees, date_bound, two_parts
from liaison.matching.screen.build import feature_chunks
from liaison.matching.screen.columns import Column, FloatArray, IntArray
from liaison.matching.screen.estimate import READING_KIND, Texts, estimate_name
from liaison.matching.screen.features import (
    MAX_PARTS,
    READINGS,
    SEX_CODES,
    RowTable,
    features,
    row_table,
    single_date,
)
from liaison.matching.screen.results import Hit, ScreenStats
from liaison.matching.screen.runner import no_gc, run
from liaison.matching.screen.scores import MAX_BONUS, best_pair
from liaison.matching.thresholds import SCREENING_THRESHOLD
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
# ``need`` is float32: compared with a float64 score it gets this much benefit of the doubt.
_NEED_SLACK = 1e-5


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
        self._year = Column([], np.int32)
        self._month = Column([], np.int8)
        self._day = Column([], np.int8)
        self._sex = Column([], np.int8)
        self._row_start = Column([], np.int64)
        self._row_count = Column([], np.int8)
        self._rows = Column([], np.int32, MAX_PARTS)
        self._nparts = Column([], np.int8)
        self._joined = Column([], np.int32, 2)
        self._long = Column([], np.bool_)  # per vocabulary text: three letters or more
        # Distinct parts (given names above all recur): their readings as text ids.
        self._part_id: dict[tuple[int, ...], int] = {}
        self._part_texts = Column([], np.int32, READINGS)
        self._exact = Column([], np.bool_)
        self._names: list[tuple[AnalysedName, ...] | None] = []
        keys: list[IntArray] = []
        counts: list[IntArray] = []
        columns: tuple[Column[Any], ...] = (self._year, self._month, self._day, self._sex)
        with no_gc():
            # No entry has been removed yet: all are identities.
            for chunk in feature_chunks(cast(list[Identity], self._entries), workers):
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

    def _add_rows(self, table: RowTable) -> None:
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
        self._add_rows(row_table([f]))
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
        date, several = single_date(query.dates_of_birth)
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
                agrees = date_agrees(post.dates, date, several)
                bits = self._index.part_bits(post.slots, qk.tags[post.key_index])
                found.append(post.slots[agrees | two_parts(bits)])
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
        bound = date_bound(year, month, day, date, several)
        code = SEX_CODES.get(sex or "", 0)
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
        table = Texts(
            vocab[tids].tolist(),
            self._long.view[tids],
            tinv,
            READING_KIND[column],
            np.cumsum(counts) - counts,
            vocab[jids[1:]].tolist(),
            jinv[1:].reshape(total, 2),
            pinv[1:].reshape(total, MAX_PARTS),
            self._nparts.view[rows].astype(np.int64),
        )
        row_est = np.zeros(total, dtype=np.float32)
        for name in names:
            row_est = np.maximum(row_est, estimate_name(name, table))
        row_est[self._exact.view[rows]] = 1.0
        # Each entry's rows are contiguous: the best row per entry is one reduceat.
        est = np.zeros(len(slots), dtype=np.float32)
        has = count > 0
        if total:
            est[has] = np.maximum.reduceat(row_est, (np.cumsum(count) - count)[has])
        return est

    def screen_one(self, query: Identity, threshold: float, index: int = 0) -> list[Hit]:
        """Hits for one query, best first."""
        return self.screen_counted(query, threshold, index)[0]

    def screen_counted(
        self, query: Identity, threshold: float, index: int
    ) -> tuple[list[Hit], int, int]:
        """Hits for one query, best first; candidates scored exactly; entries gathered."""
        names = [analyse(n) for n in query.names]
        hits: list[Hit] = []
        slots, gathered, needs = self._candidates(query, names, threshold)
        for slot, need in zip(slots.tolist(), needs.tolist(), strict=True):
            entry = self._entries[slot]
            entry_names = self._names[slot]
            if entry is None or entry_names is None:
                continue
            best, i, j = best_pair(names, entry_names)
            if best + MAX_BONUS < threshold or best < need - _NEED_SLACK:
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
        with no_gc():
            for chunk_hits, done, candidates, gathered in run(
                self, queries, threshold, workers, chunk_size
            ):
                hits.extend(chunk_hits)
                q, c, g = q + done, c + candidates, g + gathered
                if on_progress is not None:
                    on_progress(done)
        self.last_stats = ScreenStats(q, c, len(hits), g)
        return hits

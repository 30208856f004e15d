"""An upper bound of the name score of many entries at once: rapidfuzz ``cdist`` over the
distinct readings of their parts, the part rule of ``names.py``, and an optimistic
alignment in numpy. Entries whose bound cannot reach what they need are not scored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import Indel

from liaison.matching.analyse import AnalysedName, Token
from liaison.matching.names import (
    COARSE_FACTOR,
    INITIAL_SIMILARITY,
    INITIAL_WEIGHT,
    JOINED_FACTOR,
    LOOSE_FACTOR,
    MISSING_MIDDLE_WEIGHT,
)
from liaison.matching.screen.columns import FloatArray, IntArray
from liaison.matching.screen.features import KEY_READINGS, LOOSE_READINGS, MAX_PARTS
from liaison.matching.thresholds import KNOWN_AS_PART_MIN, KNOWN_AS_SCORE


@dataclass(frozen=True, slots=True)
class Texts:
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
READING_KIND = np.array([_KEY] * KEY_READINGS + [_LOOSE] * LOOSE_READINGS + [_FOLDED])


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


def estimate_name(name: AnalysedName, table: Texts) -> FloatArray:
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


def _part_similarities(tokens: Sequence[Token], table: Texts) -> FloatArray:
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

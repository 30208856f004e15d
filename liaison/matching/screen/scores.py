"""Exact name scores over two identities' names, and the cheap test the benches use to
skip pairs that cannot become hits."""

from __future__ import annotations

from collections.abc import Sequence

from liaison.matching.analyse import AnalysedName
from liaison.matching.compare import NATIONALITY_SHARED
from liaison.matching.dates import FULL_MATCH
from liaison.matching.names import score_names

# The most a date, sex or nationality can add: a name below threshold minus this cannot
# become a hit, so its full comparison is skipped.
MAX_BONUS = FULL_MATCH + NATIONALITY_SHARED


def best_pair(a: Sequence[AnalysedName], b: Sequence[AnalysedName]) -> tuple[float, int, int]:
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
    return best_name_score(a, b) + MAX_BONUS >= threshold

"""What screening returns."""

from __future__ import annotations

from dataclasses import dataclass

from liaison.matching.types import Match


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

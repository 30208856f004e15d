"""Screening at scale: many queries against a large watchlist, candidates then exact scores.

Per query: blocking keys gather the entries in the years of birth that can still reach the
threshold (``index.py``). A rare key's entries are all taken; a common key's (Mohamed, محمد)
only when the entry's date of birth agrees with the query's or a second part of the query
also shares a key with it. The most that dates of birth and sex can add or take gives, per
entry, the name score it would need; a vectorised upper bound of the name score (rapidfuzz
``cdist`` over the readings of the parts, the exact part-similarity rule and an optimistic
alignment in numpy) drops entries that cannot reach it; only the rest get the exact score.

The parts, each depending only on those listed before it:

- ``columns``: array types, and the column that grows as entries are added;
- ``results``: what screening returns (``Hit``, ``ScreenStats``);
- ``features``: what the index keeps of one entry (keys, date and sex codes, part readings);
- ``runner``: many queries in chunks, in forked workers that share the index;
- ``build``: the watchlist analysed in chunks, by forked workers when large;
- ``bounds``: what dates of birth can add to an entry, and whether they agree;
- ``estimate``: the upper bound of the name score of many entries at once;
- ``scores``: exact name scores, and the benches' cheap pre-test;
- ``screener``: the index itself and the candidates of a query.
"""

from liaison.matching.screen.results import Hit, ScreenStats
from liaison.matching.screen.scores import best_name_score, may_reach
from liaison.matching.screen.screener import Screener

__all__ = ["Hit", "ScreenStats", "Screener", "best_name_score", "may_reach"]

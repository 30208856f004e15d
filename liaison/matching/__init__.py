"""Cross-script identity matching: Arabic script and French/English transliterations.

Pure Python, no Django. Public API: ``compare_names``, ``compare``, ``Screener``.
"""

from liaison.matching.compare import compare
from liaison.matching.names import compare_names, match_names
from liaison.matching.registry import ALGORITHM, algorithms, get_algorithm, register
from liaison.matching.screen import Hit, Screener
from liaison.matching.types import Factor, Identity, Match, NameMatch, TokenPair

register(ALGORITHM, compare_names)

__all__ = [
    "ALGORITHM",
    "Factor",
    "Hit",
    "Identity",
    "Match",
    "NameMatch",
    "Screener",
    "TokenPair",
    "algorithms",
    "compare",
    "compare_names",
    "get_algorithm",
    "match_names",
    "register",
]

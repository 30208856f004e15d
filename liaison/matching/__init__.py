"""Cross-script identity matching: Arabic script and French/English transliterations.

Pure Python (no Django). Public API: ``compare_names``, ``compare``, ``Screener``.
"""

from liaison.matching.names import compare_names

ALGORITHM = "liaison-names/1"

__all__ = ["ALGORITHM", "compare_names"]

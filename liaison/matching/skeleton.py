"""Operations on skeleton keys shared by both scripts."""

from __future__ import annotations

import re

_REPEATS = re.compile(r"(.)\1+")
# Neighbouring sound classes that spelling traditions swap: s/z/sh (Hamza/Hamse, Chaabane/
# Sabaan) and k/kh (Khaled/Kaled).
_COARSE = str.maketrans("zSx", "ssk")


def collapse(key: str) -> str:
    """Drop repeated classes: shadda and Latin double letters (Mohammed, Abderrahmane)."""
    return _REPEATS.sub(r"\1", key)


def coarse(key: str) -> str:
    """Fold neighbouring sound classes, for near-miss spellings and for blocking."""
    return collapse(key.translate(_COARSE))

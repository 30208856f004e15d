"""Name-scoring algorithms by name and version, so a change can be run beside its predecessor.

A new algorithm that changes scores gets a new version ("liaison-names/2") and is registered
next to the old one; stored hits keep the name of the algorithm that produced them.
"""

from __future__ import annotations

from collections.abc import Callable

NameScorer = Callable[[str, str], float]

ALGORITHM = "liaison-names/2"
_ALGORITHMS: dict[str, NameScorer] = {}


def register(name: str, scorer: NameScorer) -> None:
    """Make a name scorer available under ``name`` (e.g. "liaison-names/1")."""
    if name in _ALGORITHMS and _ALGORITHMS[name] is not scorer:
        raise ValueError(f"algorithm already registered: {name}")
    _ALGORITHMS[name] = scorer


def get_algorithm(name: str) -> NameScorer:
    """The scorer registered under ``name``; KeyError names the known ones."""
    try:
        return _ALGORITHMS[name]
    except KeyError:
        raise KeyError(f"unknown algorithm {name!r}; known: {sorted(_ALGORITHMS)}") from None


def algorithms() -> list[str]:
    """Registered algorithm names, sorted."""
    return sorted(_ALGORITHMS)

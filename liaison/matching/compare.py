"""Identity comparison: the best name pair, then dates, nationality and sex as evidence."""

from __future__ import annotations

from itertools import product

from liaison.matching.analyse import analyse
from liaison.matching.dates import best_date_factor
from liaison.matching.names import match_names, score_names
from liaison.matching.registry import ALGORITHM
from liaison.matching.types import Factor, Identity, Match, NameMatch

# Sex recorded differently is strong evidence of different people, same sex is weak
# evidence (half the population shares it). Nationalities are often incomplete (dual
# nationals, a partner records only one), so they weigh little either way.
SEX_DIFFERS = -0.2
NATIONALITY_SHARED = 0.02
NATIONALITY_DISJOINT = -0.05


def best_names(a: Identity, b: Identity) -> NameMatch:
    """The highest-scoring pair over both identities' names (aliases included)."""
    if not a.names or not b.names:
        return NameMatch(name_a="", name_b="", score=0.0, rule="no-name")
    scored = ((score_names(analyse(x), analyse(y))[0], x, y) for x, y in product(a.names, b.names))
    _, x, y = max(scored, key=lambda t: t[0])
    return match_names(x, y)


def _sex_factor(a: Identity, b: Identity) -> Factor | None:
    if a.sex is None or b.sex is None:
        return None
    if a.sex == b.sex:
        return Factor("sex", "support", f"both {a.sex}", 0.0)
    return Factor("sex", "contradict", f"{a.sex} vs {b.sex}", SEX_DIFFERS)


def _nationality_factor(a: Identity, b: Identity) -> Factor | None:
    na = {n.upper() for n in a.nationalities}
    nb = {n.upper() for n in b.nationalities}
    if not na or not nb:
        return None
    if shared := na & nb:
        detail = f"shared {','.join(sorted(shared))}"
        return Factor("nationality", "support", detail, NATIONALITY_SHARED)
    detail = f"{','.join(sorted(na))} vs {','.join(sorted(nb))}"
    return Factor("nationality", "contradict", detail, NATIONALITY_DISJOINT)


def identity_factors(a: Identity, b: Identity) -> tuple[Factor, ...]:
    """The non-name evidence: dates of birth, sex, nationality (absent ones left out)."""
    found = (
        best_date_factor(a.dates_of_birth, b.dates_of_birth),
        _sex_factor(a, b),
        _nationality_factor(a, b),
    )
    return tuple(f for f in found if f is not None)


def combine(name_score: float, factors: tuple[Factor, ...]) -> float:
    """The identity score: the name score moved by each factor, kept in [0, 1]."""
    return min(1.0, max(0.0, name_score + sum(f.adjustment for f in factors)))


def compare(a: Identity, b: Identity) -> Match:
    """Score two identities in [0, 1]; the name score moved by dates, sex and nationality."""
    names = best_names(a, b)
    factors = identity_factors(a, b)
    return Match(combine(names.score, factors), names.score, ALGORITHM, names, factors)

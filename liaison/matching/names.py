"""Name-to-name similarity: align parts greedily, fall back to whole-name keys."""

from __future__ import annotations

from rapidfuzz.distance import Indel

from liaison.matching.analyse import AnalysedName, Token, analyse
from liaison.matching.types import NameMatch, TokenPair

# A part present in one name only costs this share of a fully mismatched part: records
# drop parts more often than they change them, and drop middle parts most of all.
MISSING_EDGE_WEIGHT = 0.4
MISSING_MIDDLE_WEIGHT = 0.2
INITIAL_WEIGHT = 0.5
INITIAL_SIMILARITY = 0.9
# A reading that needed a guess (glued article, ta marbuta as t) or a merge of neighbouring
# sound classes (s/z/sh, k/kh, d/t) is discounted so that exact readings win ties.
LOOSE_FACTOR = 0.92
COARSE_FACTOR = 0.9
JOINED_FACTOR = 0.96
_sim = Indel.normalized_similarity


def _best(xs: tuple[str, ...], ys: tuple[str, ...]) -> float:
    best = 0.0
    for x in xs:
        for y in ys:
            s = _sim(x, y)
            if s > best:
                best = s
    return best


def _token_similarity(a: Token, b: Token) -> float:
    if a.kind == "initial" or b.kind == "initial":
        return INITIAL_SIMILARITY if a.lead == b.lead else 0.0
    ka, kb = a.keys, b.keys
    exact = _sim(ka[0], kb[0])
    if exact == 1.0:
        return 1.0
    if len(ka) > 1 or len(kb) > 1:
        exact = max(exact, _best(ka, kb))
    if a.loose or b.loose:
        exact = max(exact, LOOSE_FACTOR * _best(ka + a.loose, kb + b.loose))
    if len(a.near) < 3 or len(b.near) < 3:
        return exact  # two-letter skeletons folded together say little (Said/Zaid)
    return max(exact, COARSE_FACTOR * _sim(a.near, b.near))


# Screening compares the same pairs of common parts (Mohamed/Muhammad) over and over. A
# part's keys follow from its text alone, so the texts are a safe cache key.
_PAIR_CACHE: dict[tuple[str, str], float] = {}
_PAIR_CACHE_MAX = 2_000_000


def token_similarity(a: Token, b: Token) -> float:
    """Similarity of two parts in [0, 1]: best over their readings, loose ones discounted."""
    key = (a.text, b.text)
    cached = _PAIR_CACHE.get(key)
    if cached is None:
        cached = _token_similarity(a, b)
        if len(_PAIR_CACHE) >= _PAIR_CACHE_MAX:
            _PAIR_CACHE.clear()
        _PAIR_CACHE[key] = cached
    return cached


def _weight(t: Token) -> float:
    return INITIAL_WEIGHT if t.kind == "initial" else 1.0


Alignment = tuple[float, list[tuple[int, int, float]], list[int], list[int]]


def _missing_cost(tokens: tuple[Token, ...], rest: list[int], matched: list[int]) -> float:
    if not rest:
        return 0.0
    lo, hi = (min(matched), max(matched)) if matched else (0, -1)
    cost = 0.0
    for i in rest:
        share = MISSING_MIDDLE_WEIGHT if lo < i < hi else MISSING_EDGE_WEIGHT
        cost += share * _weight(tokens[i])
    return cost


def _align(a: tuple[Token, ...], b: tuple[Token, ...]) -> Alignment:
    # Greedy assignment, best pair first: names have few parts, and the most similar pair
    # of parts is almost always a true correspondence.
    cells = [(token_similarity(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)]
    cells.sort(reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    limit = min(len(a), len(b))
    for s, i, j in cells:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j, s))
            if len(pairs) == limit:
                break
    rest_a = [i for i in range(len(a)) if i not in used_a]
    rest_b = [j for j in range(len(b)) if j not in used_b]
    num = den = 0.0
    for i, j, s in pairs:
        w = _weight(a[i]) + _weight(b[j])
        num += w * s
        den += w
    den += _missing_cost(a, rest_a, [p[0] for p in pairs])
    den += _missing_cost(b, rest_b, [p[1] for p in pairs])
    return (num / den if den else 0.0), pairs, rest_a, rest_b


def _joined_score(a: AnalysedName, b: AnalysedName) -> float:
    return JOINED_FACTOR * max(_sim(x, y) for x in a.joined for y in b.joined)


def score_names(a: AnalysedName, b: AnalysedName) -> tuple[float, str]:
    """Fast path: the score and the winning rule, without building evidence."""
    aligned = _align(a.names, b.names)[0] if a.names and b.names else 0.0
    joined = _joined_score(a, b)
    return (aligned, "aligned-parts") if aligned >= joined else (joined, "joined-keys")


def match_names(a: str, b: str) -> NameMatch:
    """Compare two names and keep the evidence: aligned parts, leftovers, rule."""
    return match_analysed(a, b, analyse(a), analyse(b))


def match_analysed(a: str, b: str, na: AnalysedName, nb: AnalysedName) -> NameMatch:
    """``match_names`` from analyses already made (the screener keeps its own)."""
    aligned = 0.0
    pairs: list[tuple[int, int, float]] = []
    rest_a: list[int] = []
    rest_b: list[int] = []
    if na.names and nb.names:
        aligned, pairs, rest_a, rest_b = _align(na.names, nb.names)
    joined = _joined_score(na, nb)
    # The same choice as score_names, from the one alignment.
    score, rule = (aligned, "aligned-parts") if aligned >= joined else (joined, "joined-keys")
    return NameMatch(
        name_a=a,
        name_b=b,
        score=score,
        rule=rule,
        pairs=tuple(
            TokenPair(
                na.names[i].text, nb.names[j].text, na.names[i].keys[0], nb.names[j].keys[0], s
            )
            for i, j, s in sorted(pairs)
        ),
        unmatched_a=tuple(na.names[i].text for i in rest_a),
        unmatched_b=tuple(nb.names[j].text for j in rest_b),
    )


def compare_names(a: str, b: str) -> float:
    """Name-only similarity in [0, 1], symmetric, any mix of Arabic and Latin script."""
    return score_names(analyse(a), analyse(b))[0]

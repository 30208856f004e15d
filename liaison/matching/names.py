"""Name-to-name similarity: align parts greedily, fall back to whole-name keys."""

from __future__ import annotations

import itertools

from rapidfuzz.distance import Indel

from liaison.matching.analyse import AnalysedName, Token, analyse
from liaison.matching.thresholds import (
    KNOWN_AS_PART_MIN,
    KNOWN_AS_SCORE,
    RELATIVE_CHAIN_MIN,
    RELATIVE_FIRST_MAX,
    RELATIVE_SCORE,
)
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
# Two words with one skeleton whose written vowels disagree (Mohamed/Mahmoud, Hussein/
# Hassan, محمد/محمود) are different names: their similarity is at most this.
DISTINCT_VOWELS_SIMILARITY = 0.5
_sim = Indel.normalized_similarity
_FOLD_LEAD = str.maketrans("xSzT", "ksst")


def _best(xs: tuple[str, ...], ys: tuple[str, ...]) -> float:
    best = 0.0
    for x in xs:
        for y in ys:
            s = _sim(x, y)
            if s > best:
                best = s
    return best


def _initial_agrees(a: Token, b: Token) -> bool:
    # K. stands for Khalfan and S. for Sharif: the first letter as written, or the first
    # sound with kh/k and sh/s folded.
    if a.lead == b.lead or a.lead.translate(_FOLD_LEAD) == b.lead.translate(_FOLD_LEAD):
        return True
    return a.text[:1] == b.text[:1] and a.text[:1].isascii()


def latin_conflict(x: str, y: str) -> bool:
    # Two Latin gaps that write different sounds: o/u against a/e (Mohamed/Mahmoud), an
    # i-sound against a (Hussein/Hassan). e/i (Serene/Sireen) and a dropped vowel (Madghari/
    # Medeghri) are spelling habits.
    round_x, round_y = ("o" in x or "u" in x), ("o" in y or "u" in y)
    if round_x != round_y and "-" not in (x, y) and "i" not in x + y:
        return True
    return ("i" in x and y == "a") or ("i" in y and x == "a")


# Latin vowels that contradict an Arabic long vowel: e or i for waw (Mohamed for محمود), o
# or u for yeh, i alone for alef (Amina for إيمان). Latin a for waw or yeh is common in
# loose transliterations (Mrizak for مرزوق).
_LATIN_AGAINST_LONG = {"u": frozenset("ei"), "i": frozenset("ou"), "a": frozenset("i")}


def _vowels_differ(a: Token, b: Token) -> bool:
    """Same skeleton, different written vowels: Mohamed (o-a-e) / Mahmoud (a-none-ou).

    Latin against Latin needs two gaps that disagree (one is a spelling habit: Nasser/Nasir,
    Youssef/Youssouf); Arabic writes only long vowels, so one waw or yeh that the other
    Arabic name lacks is enough, and so is a Latin vowel that contradicts it.
    """
    va, vb = a.vowels, b.vowels
    if len(va) != len(vb) or len(va) < 2:
        return False
    if va[0] == vb[0] == "lat":
        pairs = zip(va[1:], vb[1:], strict=True)
        return sum(latin_conflict(x, y) for x, y in pairs) >= 2
    if va[0] == vb[0] == "ar":
        return any(
            ("u" in x) != ("u" in y) or ("i" in x) != ("i" in y)
            for x, y in zip(va[1:], vb[1:], strict=True)
        )
    ar, lat = (va, vb) if va[0] == "ar" else (vb, va)
    for x, y in zip(ar[1:], lat[1:], strict=True):
        for long, against in _LATIN_AGAINST_LONG.items():
            if long in x and y != "-" and set(y) <= against:
                return True
    return False


def _token_similarity(a: Token, b: Token) -> float:
    if a.kind == "initial" or b.kind == "initial":
        return INITIAL_SIMILARITY if _initial_agrees(a, b) else 0.0
    ka, kb = a.keys, b.keys
    exact = _sim(ka[0], kb[0])
    if exact == 1.0:
        if ka[0] == kb[0] and _vowels_differ(a, b):
            return DISTINCT_VOWELS_SIMILARITY
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


def _is_kunya(name: AnalysedName) -> bool:
    # "Abu X": a kinship particle b (Abu/Abou/Bou) followed by a name part.
    parts = name.parts
    return any(
        p.kind == "particle" and p.keys[0] == "b" and q.kind == "name"
        for p, q in itertools.pairwise(parts)
    )


def _known_as(a: AnalysedName, b: AnalysedName, alignment: Alignment) -> float:
    """A short form against the full name: every part of the shorter found in the longer,
    which has two parts more or more. Two parts at least, or a kunya also in the full name."""
    _, pairs, rest_a, rest_b = alignment
    short, rest_short, rest_long = (a, rest_a, rest_b) if rest_b else (b, rest_b, rest_a)
    longer = b if short is a else a
    if rest_short or len(rest_long) < 2 or any(t.kind == "initial" for t in short.names):
        return 0.0
    if len(short.names) < 2 and not (_is_kunya(short) and _is_kunya(longer)):
        return 0.0
    sims = [s for _, _, s in pairs]
    if min(sims) < KNOWN_AS_PART_MIN:
        return 0.0
    return KNOWN_AS_SCORE * sum(sims) / len(sims)


def _relatives(a: AnalysedName, b: AnalysedName, alignment: Alignment) -> bool:
    """A different first given name before the same chain (two parts or more) of the
    father's, grandfather's and family names: brothers or cousins, not one person."""
    _, pairs, rest_a, rest_b = alignment
    if len(a.names) < 3 or len(b.names) < 3 or rest_a or rest_b:
        return False
    if a.names[0].kind == "initial" or b.names[0].kind == "initial":
        return False
    first = [s for i, j, s in pairs if i == 0 and j == 0]
    chain = [s for i, j, s in pairs if i and j]
    return (
        len(first) == 1
        and first[0] < RELATIVE_FIRST_MAX
        and len(chain) == len(pairs) - 1
        and min(chain) >= RELATIVE_CHAIN_MIN
    )


def _decide(
    a: AnalysedName, b: AnalysedName, alignment: Alignment | None, joined: float
) -> tuple[float, str]:
    if alignment is None:
        return joined, "joined-keys"
    aligned, pairs = alignment[0], alignment[1]
    if joined > aligned and any(
        s == DISTINCT_VOWELS_SIMILARITY and a.names[i].keys[0] == b.names[j].keys[0]
        for i, j, s in pairs
    ):
        joined = 0.0  # whole-name skeletons would hide the vowels that tell the names apart
    score, rule = (aligned, "aligned-parts") if aligned >= joined else (joined, "joined-keys")
    if alignment[2] or alignment[3]:
        known_as = _known_as(a, b, alignment)
        if known_as:
            return max(score, known_as), "known-as"
    elif score > RELATIVE_SCORE and _relatives(a, b, alignment):
        return RELATIVE_SCORE, "relatives"
    return score, rule


def score_names(a: AnalysedName, b: AnalysedName) -> tuple[float, str]:
    """Fast path: the score and the winning rule, without building evidence."""
    alignment = _align(a.names, b.names) if a.names and b.names else None
    return _decide(a, b, alignment, _joined_score(a, b))


def match_names(a: str, b: str) -> NameMatch:
    """Compare two names and keep the evidence: aligned parts, leftovers, rule."""
    return match_analysed(a, b, analyse(a), analyse(b))


def match_analysed(a: str, b: str, na: AnalysedName, nb: AnalysedName) -> NameMatch:
    """``match_names`` from analyses already made (the screener keeps its own)."""
    alignment = _align(na.names, nb.names) if na.names and nb.names else None
    _, pairs, rest_a, rest_b = alignment or (0.0, [], [], [])
    # The same choice as score_names, from the one alignment.
    score, rule = _decide(na, nb, alignment, _joined_score(na, nb))
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
        titles_a=na.titles,
        titles_b=nb.titles,
    )


def compare_names(a: str, b: str) -> float:
    """Name-only similarity in [0, 1], symmetric, any mix of Arabic and Latin script."""
    return score_names(analyse(a), analyse(b))[0]

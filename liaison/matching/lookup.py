"""Scoring a search query against a record: what the query covers, not only how alike.

``compare`` answers "are these the same person?" for two full identities. A person lookup
is often partial: a family name alone, a given name with a date of birth, the first
letters of a name. ``lookup`` scores a query against a record so that the partial nature
shows: each query part is aligned with a part of the record's name (with the matcher's part
similarity), the record's parts that the query does not name lower the score, and the
evidence says which parts matched, in which role (given or family name) and how (same
spelling, another spelling, across scripts, by their first letters).

Score = level of what was covered (``LEVELS``) x how well it matched, then moved by the
date of birth and nationality factors of ``compare`` (clipped to [0, 1]): a full name
matched exactly scores 0.90 and 0.98 with the same date of birth; a family name alone
0.76; a name given by its first letters 0.9 of that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from liaison.matching import dates
from liaison.matching.analyse import Token, analyse
from liaison.matching.compare import _nationality_factor, compare
from liaison.matching.dates import best_date_factor
from liaison.matching.names import token_similarity
from liaison.matching.normalise import strip_diacritics, tokens
from liaison.matching.thresholds import LOOKUP_FULL_THRESHOLD as FULL_THRESHOLD
from liaison.matching.thresholds import LOOKUP_PART_THRESHOLD as PART_THRESHOLD
from liaison.matching.types import Factor, Identity

LOOKUP_ALGORITHM = "liaison-lookup/1"
# A name given by its first letters says less than the whole name.
PREFIX_FACTOR = 0.9
# Shortest query part read as the first letters of a name (letters; skeleton letters).
PREFIX_MIN_LETTERS = 3
PREFIX_MIN_KEY = 2

Kind = Literal["full", "family", "given", "no-name"]
Role = Literal["given", "family"]
How = Literal["same", "spelling", "script", "prefix"]
DateReason = Literal[
    "same-date",
    "same-month",
    "same-year",
    "swapped",
    "year-near",
    "days-differ",
    "months-differ",
    "years-differ",
]
# Each rule of dates.compare_dates has its own adjustment: the reason, as a code.
_DATE_REASONS: dict[float, DateReason] = {
    dates.FULL_MATCH: "same-date",
    dates.MONTH_MATCH: "same-month",
    dates.YEAR_MATCH: "same-year",
    dates.SWAPPED: "swapped",
    dates.YEAR_NEAR: "year-near",
    dates.DAY_DIFFERS: "days-differ",
    dates.MONTH_DIFFERS: "months-differ",
    dates.YEAR_DIFFERS: "years-differ",
}


def date_reason(factor: Factor | None) -> DateReason | None:
    """Which rule of the date comparison gave `factor` (None without dates to compare)."""
    return None if factor is None else _DATE_REASONS.get(factor.adjustment)


# What the query covered, as a share of certainty before dates and nationality.
LEVELS: dict[Kind, float] = {"full": 0.90, "family": 0.76, "given": 0.60, "no-name": 0.50}
# Each further part matched beside the family name or given name adds this much.
EXTRA_PART = 0.04


@dataclass(frozen=True, slots=True)
class PartMatch:
    """A query part and the part of the record's name it was found as."""

    query: str
    record: str
    role: Role
    how: How
    similarity: float


@dataclass(frozen=True, slots=True)
class Lookup:
    """How a query bears on one record: accepted or not, score, and the evidence."""

    accepted: bool
    score: float
    kind: Kind
    name: str = ""
    parts: tuple[PartMatch, ...] = ()
    missing: tuple[str, ...] = ()
    date: Factor | None = None
    nationality: Factor | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view: the API's `evidence`, from which the words are made."""
        return {
            "algorithm": LOOKUP_ALGORITHM,
            "kind": self.kind,
            "score": round(self.score, 4),
            "name": self.name,
            "parts": [
                {
                    "query": p.query,
                    "record": p.record,
                    "role": p.role,
                    "how": p.how,
                    "similarity": round(p.similarity, 4),
                }
                for p in self.parts
            ],
            "missing": list(self.missing),
            "date_of_birth": _factor_dict(self.date),
            "nationality": _factor_dict(self.nationality),
        }


def _factor_dict(factor: Factor | None) -> dict[str, object] | None:
    if factor is None:
        return None
    found = {"verdict": factor.verdict, "detail": factor.detail, "adjustment": factor.adjustment}
    if factor.name == "date_of_birth":
        found["reason"] = date_reason(factor)
    return found


def family_parts(full_name: str, family_name: str = "") -> frozenset[str]:
    """The texts of the name's parts that make its family name: the recorded split if
    there is one, else words written in capitals (BENALI Karim), else the last part."""
    names = analyse(full_name).names
    if family_name.strip():
        recorded = {t.text for t in analyse(family_name).names}
        return frozenset(t.text for t in names if t.text in recorded or _any_word(t, recorded))
    capitals = {_fold(w) for w in full_name.split() if len(w) > 1 and w.isupper()}
    if capitals and len(capitals) < len(full_name.split()):
        marked = frozenset(t.text for t in names if _any_word(t, capitals))
        if marked:
            return marked
    return frozenset({names[-1].text}) if names else frozenset()


def _fold(word: str) -> str:
    return "".join(tokens(strip_diacritics(word)))


def _any_word(token: Token, words: set[str]) -> bool:
    return any(w in words for w in token.text.split())


def _is_prefix(q: Token, r: Token) -> bool:
    """The query part is the first letters of the record's part: the same text begun, or
    (across scripts) a skeleton that begins the record part's."""
    if len(q.text) < PREFIX_MIN_LETTERS or q.kind != "name" or r.kind != "name":
        return False
    if r.text.startswith(q.text):
        return len(r.text) > len(q.text)
    if _script(q.text) == _script(r.text):
        return False
    keys = [k for k in q.keys if len(k) >= PREFIX_MIN_KEY]
    return any(rk.startswith(k) and len(rk) > len(k) for k in keys for rk in r.keys + r.loose)


def _script(text: str) -> str:
    return "lat" if text.isascii() else "ar"


def _how(q: Token, r: Token) -> How:
    return _how_text(q.text, r.text)


def _pairs(
    query: tuple[Token, ...], record: tuple[Token, ...], prefixes: frozenset[str]
) -> list[tuple[int, int, float, bool]]:
    """Greedy alignment, best first; a part that is a prefix counts PREFIX_FACTOR."""
    cells = []
    for i, q in enumerate(query):
        for j, r in enumerate(record):
            sim = token_similarity(q, r)
            prefix = (q.text in prefixes and sim >= PART_THRESHOLD) or _is_prefix(q, r)
            if prefix:
                sim = PREFIX_FACTOR
            if sim >= PART_THRESHOLD * PREFIX_FACTOR:
                cells.append((sim, i, j, prefix))
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_q: set[int] = set()
    used_r: set[int] = set()
    out = []
    for sim, i, j, prefix in cells:
        if i not in used_q and j not in used_r:
            used_q.add(i)
            used_r.add(j)
            out.append((i, j, sim, prefix))
    return out


def query_prefixes(query: str, record_names: tuple[str, ...]) -> frozenset[str]:
    """Query parts that are, in the record's own script, only the beginning of one of its
    parts and never a whole one: "Cherk" against a person also written Cherkaoui."""
    record_texts = {t.text for n in record_names for t in analyse(n).names}
    out = set()
    for q in analyse(query).names:
        if q.text in record_texts or len(q.text) < PREFIX_MIN_LETTERS:
            continue
        if any(t.startswith(q.text) for t in record_texts):
            out.add(q.text)
    return frozenset(out)


def _kind(roles: list[Role], missing: int) -> Kind:
    if missing == 0:
        return "full"
    return "family" if "family" in roles else "given"


def lookup_name(
    query: str, record: str, family: frozenset[str], prefixes: frozenset[str] = frozenset()
) -> tuple[Kind, float, tuple[PartMatch, ...], tuple[str, ...]] | None:
    """Align the query's parts with one of the record's names; None when a query part
    has no counterpart (the query then says something this name contradicts)."""
    q_names, r_names = analyse(query).names, analyse(record).names
    if not q_names or not r_names:
        return None
    pairs = _pairs(q_names, r_names, prefixes)
    if len(pairs) < sum(1 for q in q_names if q.kind != "initial") or not pairs:
        return None
    parts = tuple(
        PartMatch(
            q_names[i].text,
            r_names[j].text,
            "family" if r_names[j].text in family else "given",
            "prefix" if prefix else _how(q_names[i], r_names[j]),
            sim,
        )
        for i, j, sim, prefix in sorted(pairs, key=lambda p: p[1])
    )
    matched = {j for _i, j, _s, _p in pairs}
    missing = tuple(t.text for j, t in enumerate(r_names) if j not in matched)
    kind = _kind([p.role for p in parts], _edge_missing(len(r_names), matched))
    quality = sum(p.similarity for p in parts) / len(parts)
    level = LEVELS[kind] + (EXTRA_PART * (len(parts) - 1) if kind != "full" else 0.0)
    return kind, min(level, LEVELS["full"]) * quality, parts, missing


def _edge_missing(count: int, matched: set[int]) -> int:
    """Record parts left out that count: a middle part between matched ones is the
    middle name records often drop, as the matcher treats it; first or last ones count."""
    if not matched:
        return count
    lo, hi = min(matched), max(matched)
    return sum(1 for j in range(count) if j not in matched and not lo < j < hi)


def lookup(query: Identity, record: Identity, family: dict[str, str] | None = None) -> Lookup:
    """Score `query` (one name, an optional date of birth and nationality) against
    `record`; `family` maps a record name to its recorded family name (when split)."""
    date = best_date_factor(query.dates_of_birth, record.dates_of_birth)
    nationality = _nationality_factor(query, record)
    adjust = sum(f.adjustment for f in (date, nationality) if f is not None)
    if not query.names:
        score = _clip(LEVELS["no-name"] + adjust)
        return Lookup(True, score, "no-name", date=date, nationality=nationality)
    family = family or {}
    best = _best_name(query.names[0], record, family)
    if best is None:
        return _full_only(query, record, family, (date, nationality))
    kind, name_score, name, parts, missing = best
    accepted = _accepted(kind, date)
    if kind == "full":
        # The matcher's identity threshold decides whether a full name is the person, as
        # it always has; it cannot know a name given by its first letters.
        match = compare(query, record)
        name_score = min(name_score, LEVELS["full"] * match.name_score)
        prefix = any(p.how == "prefix" for p in parts)
        accepted = match.score >= FULL_THRESHOLD or (prefix and accepted)
    elif not accepted and len(parts) >= 2:
        # Given names only (the family name left out: "Mohammed Ben Abdallah" for Mohamed
        # Ben Abdallah El Idrissi): the matcher decides on the name as a whole, as it did
        # before lookup existed.
        whole = _full_only(query, record, family, (date, nationality))
        if whole.accepted:
            return whole
    return Lookup(
        accepted, _clip(name_score + adjust), kind, name, parts, missing, date, nationality
    )


def _accepted(kind: Kind, date: Factor | None) -> bool:
    if date is not None and date.verdict == "contradict":
        return kind == "full" and date.adjustment > -0.2  # a day or month, not the year
    if kind == "given":
        return date is not None and date.verdict == "support"
    return True


def _best_name(
    query: str, record: Identity, family: dict[str, str]
) -> tuple[Kind, float, str, tuple[PartMatch, ...], tuple[str, ...]] | None:
    prefixes = query_prefixes(query, record.names)
    found = []
    for name in record.names:
        got = lookup_name(query, name, family_parts(name, family.get(name, "")), prefixes)
        if got is not None:
            kind, score, parts, missing = got
            found.append((kind, score, name, parts, missing))
    # On a tie, the name written as the query is (same script, same spelling) explains best.
    return max(found, key=lambda f: (f[1], sum(p.how == "same" for p in f[3]))) if found else None


def _full_only(
    query: Identity,
    record: Identity,
    family: dict[str, str],
    factors: tuple[Factor | None, Factor | None],
) -> Lookup:
    """Not every query part has a counterpart: the matcher alone may still recognise the
    name as a whole (one spelling in one word and another in two: Bennaceur / Ben Naceur)."""
    match = compare(query, record)
    name = match.names.name_b
    roles = family_parts(name, family.get(name, "")) if name else frozenset()
    parts = tuple(
        PartMatch(
            p.a, p.b, "family" if p.b in roles else "given", _how_text(p.a, p.b), p.similarity
        )
        for p in match.names.pairs
    )
    adjust = sum(f.adjustment for f in factors if f is not None)
    score = _clip(LEVELS["full"] * match.name_score + adjust)
    accepted = match.score >= FULL_THRESHOLD
    return Lookup(accepted, score, "full", name, parts, match.names.unmatched_b, *factors)


def _how_text(a: str, b: str) -> How:
    if a == b:
        return "same"
    return "spelling" if _script(a) == _script(b) else "script"


def _clip(score: float) -> float:
    return min(1.0, max(0.0, score))

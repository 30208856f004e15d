"""Finding persons by name in any script, ranked by the matching engine.

Candidates come from the database, not from a per-process index, so every web process
and worker sees the same data at once: each name is stored with its blocking keys
(cross-script consonant skeletons from liaison.matching); a query looks up its rarer
keys, then the engine scores the candidates and explains each score.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Case, Count, FloatField, Prefetch, QuerySet, Sum, Value, When

from liaison.matching import Identity, compare
from liaison.matching.analyse import analyse
from liaison.matching.normalise import is_arabic
from liaison.matching.screen import SEARCH_THRESHOLD
from liaison.matching.types import Sex
from liaison.registry.choices import Script
from liaison.registry.models import BirthDate, NameKey, Nationality, Person, PersonName

# A key shared by more persons than this (Mohamed, محمد, Ben…) says too little on its own.
COMMON_KEY_POSTINGS = 5_000
# Scored exactly by the matching engine, after ranking by shared keys.
MAX_CANDIDATES = 100
# The engine compares known sexes only; unknown (U) is left out.
MATCHING_SEX: dict[str, Sex] = {"M": "M", "F": "F"}


class Criteria(TypedDict):
    """A search as asked: `search_persons` takes these by keyword, the audit names them."""

    name: str
    date_of_birth: str
    nationality: str


def script_of(name: str) -> str:
    if is_arabic(name):
        return Script.ARABIC
    if any(ch.isalpha() and ch.isascii() for ch in name) or any(
        "LATIN" in _char_name(ch) for ch in name
    ):
        return Script.LATIN
    return Script.OTHER


def _char_name(ch: str) -> str:
    import unicodedata

    return unicodedata.name(ch, "")


def blocking_keys(names: Iterable[str]) -> set[str]:
    """The skeleton keys of every name part: the same for محمد, Mohamed and Muhammad."""
    keys: set[str] = set()
    for name in names:
        analysed = analyse(name)
        for token in analysed.names:
            keys.update(token.keys)
            keys.update(token.loose)
        keys.update(analysed.joined)
    return {key[:64] for key in keys if key}


def index_person_names(person: Person, names: Sequence[str]) -> None:
    NameKey.objects.filter(person=person).delete()
    NameKey.objects.bulk_create(NameKey(person=person, key=k) for k in sorted(blocking_keys(names)))


def identity_of(person: Person) -> Identity:
    return Identity(
        names=tuple(n.full_name for n in person.names.all()),
        dates_of_birth=tuple(b.value for b in person.birth_dates.all()),
        nationalities=tuple(person.nationality_codes),
        sex=MATCHING_SEX.get(person.sex),
        id=str(person.pk),
    )


@dataclass(frozen=True)
class SearchResult:
    person: Person
    score: float
    explanation: dict[str, Any]


@dataclass(frozen=True)
class SearchOutcome:
    results: list[SearchResult]
    candidates: int
    broad: bool  # the name was too common to block on: results may be incomplete


def _candidate_ids(keys: set[str], scope: QuerySet[Person]) -> tuple[list[int], bool]:
    """The persons sharing the most discriminating keys with the query, at most
    MAX_CANDIDATES: only the query's rarer keys pick candidates (a common key such as
    Mohamed's would drag in a tenth of the registry), ranked by summed IDF so that a
    shared family-name skeleton outweighs a shared given name."""
    counts = dict(NameKey.objects.filter(key__in=keys).values_list("key").annotate(n=Count("id")))
    if not counts:
        return [], False
    rare = {k: n for k, n in counts.items() if n <= COMMON_KEY_POSTINGS}
    broad = not rare  # only common keys to go on: say so, and use the least common one
    chosen = rare or dict([min(counts.items(), key=lambda item: item[1])])
    total = _registry_size()
    weights = [
        When(key=k, then=Value(math.log((total + 1) / (n + 1)) + 0.01)) for k, n in chosen.items()
    ]
    ranked = (
        NameKey.objects.filter(key__in=chosen)
        .values("person_id")
        .annotate(weight=Sum(Case(*weights, output_field=FloatField())))
        .order_by("-weight", "-person_id")
    )
    # Rank first, then keep what the user may see: joining the permission scope into the
    # ranking query would make the database check every person, not just the best ones.
    best = [row["person_id"] for row in ranked[: MAX_CANDIDATES * 2]]
    visible = set(scope.filter(pk__in=best).values_list("pk", flat=True))
    return [pk for pk in best if pk in visible][:MAX_CANDIDATES], broad


_size_cache: dict[str, float] = {"at": -math.inf, "size": 0}


def _registry_size() -> int:
    """Number of persons, for IDF weights; re-counted once a minute (weights need only its
    order of magnitude, and counting 100,000 rows on every search would cost more)."""
    now = time.monotonic()
    if now - _size_cache["at"] > 60:
        _size_cache.update(at=now, size=Person.objects.count())
    return int(_size_cache["size"])


def search_persons(
    scope: QuerySet[Person],
    *,
    name: str = "",
    date_of_birth: str = "",
    nationality: str = "",
    threshold: float = SEARCH_THRESHOLD,
    limit: int = 50,
) -> SearchOutcome:
    """Persons in `scope` matching the query, best first, each with its explanation."""
    query = Identity(
        names=(name,) if name.strip() else (),
        dates_of_birth=(date_of_birth,) if date_of_birth else (),
        nationalities=(nationality.upper(),) if nationality else (),
    )
    broad = False
    if name.strip():
        ids, broad = _candidate_ids(blocking_keys([name]), scope)
    else:
        candidates = scope
        if date_of_birth:
            candidates = candidates.filter(birth_dates__value__startswith=date_of_birth[:4])
        if nationality:
            candidates = candidates.filter(nationalities__code=nationality.upper())
        ids = list(candidates.order_by("-pk").values_list("pk", flat=True)[:MAX_CANDIDATES])
    scored = _score(query, _identities(ids), threshold if name.strip() else 0.0)[:limit]
    persons = _with_parts(Person.objects.filter(pk__in=[pk for pk, _s, _e in scored]))
    results = [SearchResult(persons[pk], score, why) for pk, score, why in scored]
    return SearchOutcome(results, len(ids), broad)


def _identities(ids: list[int]) -> dict[int, Identity]:
    """Candidates as the matcher sees them, read as plain values: building model instances
    for every candidate costs more than scoring them."""
    names: dict[int, list[str]] = defaultdict(list)
    dates: dict[int, list[str]] = defaultdict(list)
    codes: dict[int, list[str]] = defaultdict(list)
    for pk, full_name in PersonName.objects.filter(person_id__in=ids).values_list(
        "person_id", "full_name"
    ):
        names[pk].append(full_name)
    for pk, value in BirthDate.objects.filter(person_id__in=ids).values_list("person_id", "value"):
        dates[pk].append(value)
    for pk, code in Nationality.objects.filter(person_id__in=ids).values_list("person_id", "code"):
        codes[pk].append(code)
    sexes = dict(Person.objects.filter(pk__in=ids).values_list("pk", "sex"))
    return {
        pk: Identity(
            names=tuple(names[pk]),
            dates_of_birth=tuple(dates[pk]),
            nationalities=tuple(sorted(codes[pk])),
            sex=MATCHING_SEX.get(sex),
            id=str(pk),
        )
        for pk, sex in sexes.items()
    }


def _with_parts(persons: QuerySet[Person]) -> dict[int, Person]:
    return {
        p.pk: p
        for p in persons.prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("id")),
            Prefetch("birth_dates", queryset=BirthDate.objects.order_by("value")),
            "nationalities",
        )
    }


def search_detail(query: Mapping[str, object], outcome: SearchOutcome) -> dict[str, Any]:
    """What the audit log keeps of a search: which criteria were used and which persons came
    back, not the typed values (a name is personal data; auditors see ids and labels only)."""
    return {
        "criteria": sorted(k for k, v in query.items() if v),
        "results": [str(r.person.uid) for r in outcome.results],
    }


def _score(
    query: Identity, identities: dict[int, Identity], threshold: float
) -> list[tuple[int, float, dict[str, Any]]]:
    """(person id, score, explanation) of the candidates at or above the threshold, best
    first; without a name to compare, every candidate (already filtered) scores 1."""
    scored: list[tuple[int, float, dict[str, Any]]] = []
    for pk, identity in identities.items():
        if not query.names:
            scored.append((pk, 1.0, {}))
            continue
        match = compare(query, identity)
        if match.score >= threshold:
            scored.append((pk, match.score, match.as_dict()))
    scored.sort(key=lambda row: (-row[1], -row[0]))
    return scored


def explain_hit(person: Person, encountered_name: str) -> tuple[float | None, dict[str, Any]]:
    """Score and evidence of a hit: the name as encountered against the person's names."""
    if not encountered_name.strip():
        return None, {}
    match = compare(Identity(names=(encountered_name,)), identity_of(person))
    return match.score, match.as_dict()

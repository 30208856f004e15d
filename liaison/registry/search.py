"""Finding persons by name in any script, ranked by the matching engine.

Candidates come from the database, not from a per-process index, so every web process
and worker sees the same data at once: each name is stored with its blocking keys
(cross-script consonant skeletons from liaison.matching); a query looks up its rarer
keys, then the engine scores the candidates and explains each score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from liaison.matching import Identity, compare
from liaison.matching.analyse import analyse
from liaison.matching.normalise import is_arabic
from liaison.matching.screen import SEARCH_THRESHOLD
from liaison.registry.choices import Script
from liaison.registry.models import BirthDate, NameKey, Person, PersonName

# A key shared by more persons than this (Mohamed, محمد, Ben…) says too little on its own.
COMMON_KEY_POSTINGS = 5_000
MAX_CANDIDATES = 5_000


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
    sex = person.sex if person.sex in ("M", "F") else None
    return Identity(
        names=tuple(n.full_name for n in person.names.all()),
        dates_of_birth=tuple(b.value for b in person.birth_dates.all()),
        nationalities=tuple(person.nationality_codes),
        sex=sex,  # type: ignore[arg-type]
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


def _candidate_ids(keys: set[str], scope: QuerySet[Person]) -> tuple[set[int], bool]:
    counts = dict(NameKey.objects.filter(key__in=keys).values_list("key").annotate(n=Count("id")))
    rare = [k for k, n in counts.items() if n <= COMMON_KEY_POSTINGS]
    chosen = rare or sorted(counts, key=counts.__getitem__)[:1]
    ids = list(
        NameKey.objects.filter(key__in=chosen, person__in=scope)
        .values_list("person_id", flat=True)
        .distinct()
        .order_by("-person_id")[: MAX_CANDIDATES + 1]
    )
    # Broad: only common keys to go on, or more candidates than are scored (newest kept).
    broad = (not rare and bool(counts)) or len(ids) > MAX_CANDIDATES
    return set(ids[:MAX_CANDIDATES]), broad


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
        candidates = scope.filter(pk__in=ids)
    else:
        candidates = scope
        if date_of_birth:
            candidates = candidates.filter(birth_dates__value__startswith=date_of_birth[:4])
        if nationality:
            candidates = candidates.filter(nationalities__code=nationality.upper())
        candidates = candidates.distinct()[:MAX_CANDIDATES]
    persons = list(
        candidates.prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("id")),
            Prefetch("birth_dates", queryset=BirthDate.objects.order_by("value")),
            "nationalities",
        )
    )
    results = _score(query, persons, threshold if name.strip() else 0.0)
    return SearchOutcome(results[:limit], len(persons), broad)


def search_detail(query: dict[str, str], outcome: SearchOutcome) -> dict[str, Any]:
    """What the audit log keeps of a search: which criteria were used and which persons came
    back, not the typed values (a name is personal data; auditors see ids and labels only)."""
    return {
        "criteria": sorted(k for k, v in query.items() if v),
        "results": [str(r.person.uid) for r in outcome.results],
    }


def _score(query: Identity, persons: list[Person], threshold: float) -> list[SearchResult]:
    results = []
    for person in persons:
        if not query.names:
            results.append(SearchResult(person, 1.0, {}))
            continue
        match = compare(query, identity_of(person))
        if match.score >= threshold:
            results.append(SearchResult(person, match.score, match.as_dict()))
    results.sort(key=lambda r: (-r.score, r.person.pk))
    return results


def explain_hit(person: Person, encountered_name: str) -> tuple[float | None, dict[str, Any]]:
    """Score and evidence of a hit: the name as encountered against the person's names."""
    if not encountered_name.strip():
        return None, {}
    match = compare(Identity(names=(encountered_name,)), identity_of(person))
    return match.score, match.as_dict()

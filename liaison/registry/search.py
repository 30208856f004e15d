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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Case, Count, FloatField, Max, Prefetch, Q, QuerySet, Sum, Value, When

from liaison.matching import Identity, compare
from liaison.matching.analyse import analyse
from liaison.matching.lookup import PREFIX_MIN_KEY, PREFIX_MIN_LETTERS, Lookup, lookup
from liaison.matching.mentions import (
    KeyedText,
    Mention,
    find_mentions,
    mention_lookup,
    name_keys,
)
from liaison.matching.normalise import is_arabic
from liaison.matching.types import Sex
from liaison.registry.choices import NameKind, Script
from liaison.registry.models import BirthDate, NameKey, Nationality, Person, PersonName

# A key shared by more persons than this (Mohamed, محمد, Ben…) says too little on its own.
COMMON_KEY_POSTINGS = 5_000
# Scored exactly by the engine, after ranking by shared keys: a full name needs few; a
# family name alone or the first letters of a name are shared by more persons.
MAX_CANDIDATES = 100
MAX_CANDIDATES_PARTIAL = 200
# A name's first letters stand for at most this many distinct keys (the commonest kept:
# the rarest are typos and whole-name keys), and
# are read so only when their own skeleton is borne by fewer persons than this.
MAX_PREFIX_KEYS = 60
PREFIX_WHEN_FEWER = 50
# A key that the query's last part only begins weighs this share of its own.
PREFIX_WEIGHT = 0.5
# Persons whose date of birth is in the query's window rank before the others, and those
# born on the very date (or in the month, the year given) before them.
DATE_WINDOW_BONUS = 1_000.0
# The engine compares known sexes only; unknown (U) is left out.
MATCHING_SEX: dict[str, Sex] = {"M": "M", "F": "F"}
# Result columns an officer may sort by: natural direction first, "-" reverses it.
SORTS = ("score", "name", "dob", "updated")


class Criteria(TypedDict):
    """A search as asked: `search_persons` takes these by keyword, the audit names them."""

    name: str
    date_of_birth: str
    nationality: str


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides the matcher: category, owner node, received or own."""

    category: str = ""
    owner: str = ""
    received: bool | None = None

    def conditions(self, prefix: str = "") -> dict[str, Any]:
        """Lookups for a queryset of persons (`prefix` "person__" from a related model)."""
        found: dict[str, Any] = {}
        if self.category:
            found[f"{prefix}category"] = self.category
        if self.owner:
            found[f"{prefix}owner_node"] = self.owner
        if self.received is not None:
            found[f"{prefix}received_at__isnull"] = not self.received
        return found

    def used(self) -> list[str]:
        """The filters given, by name (what the audit keeps)."""
        given = {"category": bool(self.category), "owner": bool(self.owner)}
        given["received"] = self.received is not None
        return sorted(k for k, v in given.items() if v)


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
    return set().union(*(name_keys(name) for name in names))


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
    found: Lookup | None = None

    @property
    def words(self) -> str:
        """The explanation in the user's language (liaison.registry.explain)."""
        from liaison.registry.explain import explain

        return explain(self.found) if self.found is not None else ""


@dataclass(frozen=True)
class SearchOutcome:
    results: list[SearchResult]  # the page asked for
    candidates: int
    broad: bool  # the name was too common to block on: results may be incomplete
    count: int = 0  # results on every page
    more: bool = False  # more persons shared the keys than were scored


@dataclass(frozen=True)
class _Row:
    pk: int
    found: Lookup
    name: str
    dob: str
    updated: float


def _prefix_keys(name: str, exact: dict[str, int]) -> set[str]:
    """Skeletons of the query's last part, to be read as the first letters of longer names
    when its own keys are rare (Benj), not when they are a name many bear (Mohamed, or
    Cherk, whose skeleton is Cherkaoui's)."""
    parts = analyse(name).names
    if not parts or len(parts[-1].text) < PREFIX_MIN_LETTERS or parts[-1].kind != "name":
        return set()
    keys = {k for k in parts[-1].keys if len(k) >= PREFIX_MIN_KEY}
    return keys if sum(exact.get(k, 0) for k in keys) < PREFIX_WHEN_FEWER else set()


def _key_counts(name: str) -> tuple[dict[str, int], dict[str, int]]:
    """Postings per key: the query's own keys, then the stored keys its last part begins."""
    keys = blocking_keys([name])
    rows = NameKey.objects.filter(key__in=keys).values_list("key").annotate(n=Count("id"))
    exact = dict(rows)
    prefixes = _prefix_keys(name, exact)
    if not prefixes:
        return exact, {}
    ranges = Q()
    for k in prefixes:
        ranges |= Q(key__gte=k, key__lt=k[:-1] + chr(ord(k[-1]) + 1))
    found = NameKey.objects.filter(ranges).values_list("key").annotate(n=Count("id"))
    # A database collation may not sort by code point (PostgreSQL's en_US): keep only the
    # keys that really begin with a prefix.
    begun = [(k, n) for k, n in found if k not in exact and any(map(k.startswith, prefixes))]
    begun.sort(key=_postings, reverse=True)
    return exact, dict(begun[:MAX_PREFIX_KEYS])


def _candidate_ids(
    name: str, date_of_birth: str, scope: QuerySet[Person], filters: Filters
) -> tuple[list[int], bool, bool]:
    """The persons sharing the most discriminating keys with the query: only the query's
    rarer keys pick candidates (a common key such as Mohamed's would drag in a tenth of
    the registry), ranked by summed IDF so that a shared family-name skeleton outweighs a
    shared given name. With a date of birth, common keys count too, for the persons born
    within a year of it, and those persons rank first."""
    partial = len(analyse(name).names) < 2
    cap = MAX_CANDIDATES_PARTIAL if partial else MAX_CANDIDATES
    exact, begun = _key_counts(name)
    counts = exact | begun
    if not counts:
        return [], False, False
    rare = {k: n for k, n in counts.items() if n <= COMMON_KEY_POSTINGS}
    common = {k: n for k, n in counts.items() if n > COMMON_KEY_POSTINGS}
    window = _date_window(date_of_birth)
    broad = not rare and window is None  # only common keys to go on: say so
    chosen = rare if rare or window is not None else dict([min(counts.items(), key=_postings)])
    total = _registry_size()
    weights = [
        When(key=k, then=Value(_idf(total, n) * (PREFIX_WEIGHT if k in begun else 1.0)))
        for k, n in chosen.items()
    ]
    weight: Any = Sum(Case(*weights, default=Value(0.01), output_field=FloatField()))
    selected = Q(key__in=chosen)
    if window is not None:
        selected |= Q(key__in=common, person_id__in=window)
        same = BirthDate.objects.filter(value__startswith=date_of_birth).values("person_id")
        dated = [
            When(person_id__in=same, then=Value(2 * DATE_WINDOW_BONUS)),
            When(person_id__in=window, then=Value(DATE_WINDOW_BONUS)),
        ]
        weight += Max(Case(*dated, default=Value(0.0), output_field=FloatField()))
    ranked = (
        NameKey.objects.filter(selected, **filters.conditions("person__"))
        .values("person_id")
        .annotate(weight=weight)
        .order_by("-weight", "-person_id")
    )
    # Rank first, then keep what the user may see: joining the permission scope into the
    # ranking query would make the database check every person, not just the best ones.
    best = [row["person_id"] for row in ranked[: cap * 2]]
    more = len(best) == cap * 2
    if partial and window is None:
        # A family name or first letters alone, and no date to rank by: the persons with the
        # query written as it stands in one of their names come first (Ben Othmane among
        # the Othmanes, Ould Youss among the Youssefs).
        best = list(dict.fromkeys(_literal_ids(name, filters, cap) + best))
    visible = set(scope.filter(pk__in=best).values_list("pk", flat=True))
    ids = [pk for pk in best if pk in visible]
    return ids[:cap], broad, len(ids) > cap or more


def _literal_ids(name: str, filters: Filters, cap: int) -> list[int]:
    """Persons whose recorded family name begins with the query, then those with the query
    anywhere in a name (a patronymic in the middle: Ahmed Ben Othmane Alaoui)."""
    names = PersonName.objects.filter(**filters.conditions("person__"))
    text = name.strip()
    family = names.filter(family_name__istartswith=text).values_list("person_id", flat=True)
    anywhere = names.filter(full_name__icontains=text).values_list("person_id", flat=True)
    return list(dict.fromkeys([*family[: cap * 2], *anywhere[: cap * 2]]))


def _idf(total: int, postings: int) -> float:
    return math.log((total + 1) / (postings + 1)) + 0.01


def _postings(item: tuple[str, int]) -> int:
    return item[1]


def _date_window(date_of_birth: str) -> QuerySet[BirthDate, Any] | None:
    """Persons born within a year of the query's date: the matcher refuses the others
    (years two apart cost more than a perfect name makes up)."""
    if not date_of_birth:
        return None
    year = int(date_of_birth[:4])
    dates = BirthDate.objects.filter(value__gte=str(year - 1), value__lt=str(year + 2))
    return dates.values("person_id")


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
    filters: Filters | None = None,
    sort: str = "score",
    offset: int = 0,
    limit: int | None = 50,
) -> SearchOutcome:
    """Persons in `scope` matching the query, sorted (best first by default), the page
    from `offset` of `limit` results (None: all), each with its explanation."""
    filters = filters or Filters()
    query = Identity(
        names=(name,) if name.strip() else (),
        dates_of_birth=(date_of_birth,) if date_of_birth else (),
        nationalities=(nationality.upper(),) if nationality else (),
    )
    broad = more = False
    if name.strip():
        ids, broad, more = _candidate_ids(name, date_of_birth, scope, filters)
    else:
        ids, more = _unnamed_ids(scope.filter(**filters.conditions()), date_of_birth, nationality)
    rows = _sorted(_score(query, ids), sort)
    page = rows[offset : None if limit is None else offset + limit]
    persons = _with_parts(Person.objects.filter(pk__in=[r.pk for r in page]))
    results = [SearchResult(persons[r.pk], r.found.score, r.found.as_dict(), r.found) for r in page]
    return SearchOutcome(results, len(ids), broad, len(rows), more)


def _unnamed_ids(
    candidates: QuerySet[Person], date_of_birth: str, nationality: str
) -> tuple[list[int], bool]:
    if date_of_birth:
        candidates = candidates.filter(birth_dates__value__startswith=date_of_birth[:4])
    if nationality:
        candidates = candidates.filter(nationalities__code=nationality.upper())
    ids = list(
        candidates.order_by("-pk").distinct().values_list("pk", flat=True)[: MAX_CANDIDATES + 1]
    )
    return ids[:MAX_CANDIDATES], len(ids) > MAX_CANDIDATES


def _sorted(rows: list[_Row], sort: str) -> list[_Row]:
    """Rows in the order asked: score (best first), name (A to Z), dob (oldest first),
    updated (latest first); a leading "-" reverses. Ties keep the best score first."""
    field = sort.lstrip("-")
    keys: dict[str, Callable[[_Row], Any]] = {
        "score": lambda r: (-r.found.score, -r.pk),
        "name": lambda r: (r.name.casefold(), -r.found.score, -r.pk),
        "dob": lambda r: (r.dob or "9999", -r.found.score, -r.pk),
        "updated": lambda r: (-r.updated, -r.found.score, -r.pk),
    }
    return sorted(rows, key=keys.get(field, keys["score"]), reverse=sort.startswith("-"))


def _score(query: Identity, ids: list[int]) -> list[_Row]:
    """The candidates the query finds (`lookup` accepts), with their evidence."""
    rows = []
    for pk, (identity, family, label, dob, updated) in _identities(ids).items():
        found = lookup(query, identity, family)
        if found.accepted:
            rows.append(_Row(pk, found, label, dob, updated))
    return rows


def _identities(
    ids: list[int],
) -> dict[int, tuple[Identity, dict[str, str], str, str, float]]:
    """Candidates as the matcher sees them, read as plain values: building model instances
    for every candidate costs more than scoring them. With each: the recorded family names
    by full name, the name and first date of birth to sort by, and the last change."""
    names: dict[int, list[str]] = defaultdict(list)
    family: dict[int, dict[str, str]] = defaultdict(dict)
    primary: dict[int, str] = {}
    rows = PersonName.objects.filter(person_id__in=ids).order_by("id")
    for pk, full_name, family_name, kind in rows.values_list(
        "person_id", "full_name", "family_name", "kind"
    ):
        names[pk].append(full_name)
        if family_name:
            family[pk][full_name] = family_name
        if kind == NameKind.PRIMARY:
            primary.setdefault(pk, full_name)
    dates: dict[int, list[str]] = defaultdict(list)
    for pk, value in BirthDate.objects.filter(person_id__in=ids).values_list("person_id", "value"):
        dates[pk].append(value)
    codes: dict[int, list[str]] = defaultdict(list)
    for pk, code in Nationality.objects.filter(person_id__in=ids).values_list("person_id", "code"):
        codes[pk].append(code)
    people = Person.objects.filter(pk__in=ids).values_list("pk", "sex", "updated_at")
    return {
        pk: (
            Identity(
                names=tuple(names[pk]),
                dates_of_birth=tuple(dates[pk]),
                nationalities=tuple(sorted(codes[pk])),
                sex=MATCHING_SEX.get(sex),
                id=str(pk),
            ),
            family[pk],
            primary.get(pk) or next(iter(names[pk]), ""),
            min(dates[pk], default=""),
            updated.timestamp(),
        )
        for pk, sex, updated in people
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


def search_detail(
    query: Mapping[str, object], outcome: SearchOutcome, filters: Filters | None = None
) -> dict[str, Any]:
    """What the audit log keeps of a search: which criteria were used and which persons came
    back, not the typed values (a name is personal data; auditors see ids and labels only)."""
    detail: dict[str, Any] = {
        "criteria": sorted(k for k, v in query.items() if v),
        "results": [str(r.person.uid) for r in outcome.results],
    }
    if filters is not None and filters.used():
        detail["filters"] = filters.used()
    return detail


# Of the names whose keys sit close together in a text, at most this many are scored
# (those sharing the rarest keys with it first); homonyms count once.
MAX_MENTION_CANDIDATES = 500
# Persons of one name checked against the words that name one of them, at most.
MAX_HOMONYMS = 1_000
# A key of a name in a text is read up to this many postings (screening's limit): two of
# them within a few words, not one, make a candidate.
MENTION_KEY_POSTINGS = 50_000
# Spans that nearly named a candidate, checked against the others of the same keys.
MAX_NEAR_SPANS = 3
# Groups whose first person is not named, of which this many (the best ranked) have
# their next persons of other names scored too, looking that far into each group.
MAX_SECOND_GROUPS = 200
MAX_SECOND_NAMES = 6
# Family names of the persons a name written with an initial may be, scored per letter.
MAX_INITIAL_GROUPS = 12


@dataclass(frozen=True)
class Mentioned:
    """A person the text names: where, how well, and the evidence (liaison.matching.lookup)."""

    person_id: int
    text: str
    start: int
    end: int
    found: Lookup

    @property
    def words(self) -> str:
        from liaison.registry.explain import explain

        return explain(self.found)


def mentioned_persons(text: str, scope: QuerySet[Person]) -> list[Mentioned]:
    """The persons of `scope` that `text` names in full, in any script or spelling, best
        first. Candidates share two of the text's rarer keys or more (as a search's do), on
        words close enough to be one name (`KeyedText.plausible`), ranked by the IDF of the keys
    they have together on the words of one span (`KeyedText.local_weight`); then
        each is scored on the spans of words that share its keys (find_mentions)."""
    keyed = KeyedText.of(text)
    if not keyed.where:
        return []
    counts = dict(
        NameKey.objects.filter(key__in=keyed.where).values_list("key").annotate(n=Count("id"))
    )
    # Unlike a search, common keys count too (Ahmed and Tazi are each borne by thousands
    # at 100,000 persons, Ahmed Tazi by a few): the text's words must still hold two
    # keys of a candidate within a few words, and rare keys weigh more.
    rare = {k: n for k, n in counts.items() if n <= MENTION_KEY_POSTINGS}
    if not rare:
        return []
    keys: dict[int, set[str]] = defaultdict(set)
    for pk, key in NameKey.objects.filter(key__in=rare).values_list("person_id", "key"):
        keys[pk].add(key)
    total = _registry_size()
    idf = {k: _idf(total, n) for k, n in rare.items()}
    # Persons with the same keys bear one name as far as the text can tell (homonyms,
    # common in a large registry): scored once, through one of them the user may see.
    groups: dict[frozenset[str], list[int]] = defaultdict(list)
    for pk, shared in keys.items():
        if len(shared) >= 2:
            groups[frozenset(shared)].append(pk)
    weight = {
        group: keyed.local_weight({k: idf[k] for k in group})
        for group in groups
        if keyed.plausible(group)
    }
    ranked = sorted(weight, key=lambda g: (-weight[g], sorted(g)))
    chosen = _initialled(keyed, keys) + [groups[g] for g in ranked[: MAX_MENTION_CANDIDATES * 2]]
    # The first persons of each group the user may see; the rest of a group only when
    # the text names one of it (a common name has a hundred homonyms at 100,000 persons).
    heads = [pk for members in chosen for pk in members[:MAX_SECOND_NAMES]]
    visible = set(scope.filter(pk__in=heads).values_list("pk", flat=True))
    seen, rest = [], {}
    for members in chosen:
        head = [pk for pk in members[:MAX_SECOND_NAMES] if pk in visible]
        if head:
            seen.append(head)
            rest[head[0]] = members[MAX_SECOND_NAMES:]
    seen = seen[:MAX_MENTION_CANDIDATES]
    homonyms = {members[0]: members for members in seen}
    candidates = [read[:2] for read in _identities(list(homonyms)).values()]
    near: dict[str, list[tuple[int, int]]] = {}
    found = find_mentions(keyed, candidates, near)
    second = _second_names(keyed, seen, {int(m.id) for m in found} | {int(r) for r in near})
    for m, members in second:
        rest[int(m.id)] = rest[members[0]]
        homonyms[int(m.id)] = [int(m.id), *(pk for pk in members if pk != int(m.id))]
        found.append(m)
    named = [int(m.id) for m in found] + [int(key) for key in near]
    more = set(
        scope.filter(pk__in=[pk for first in named for pk in rest[first]]).values_list(
            "pk", flat=True
        )
    )
    for first in named:
        homonyms[first] = [*homonyms[first], *(pk for pk in rest[first] if pk in more)]
        homonyms[first] = homonyms[first][:MAX_HOMONYMS]
    others = [pk for m in found for pk in homonyms[int(m.id)][1:]]
    others += [pk for rep in near for pk in homonyms[int(rep)][1:]]
    read = _identities(others)
    # Homonyms of one name get one answer: a name-only lookup reads nothing else.
    memo: dict[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], Lookup | None] = {}

    def names_it(span: str, identity: Identity, family: dict[str, str]) -> Lookup | None:
        key = (span, identity.names, tuple(sorted(family.items())))
        if key not in memo:
            memo[key] = mention_lookup(span, identity, family)
        return memo[key]

    mentioned = []
    for m in found:
        mentioned.append(Mentioned(int(m.id), m.text, m.start, m.end, m.found))
        # The others of the same keys, when the same words name them too.
        for pk in homonyms[int(m.id)][1:]:
            identity, family, *_ = read[pk]
            if got := names_it(m.text, identity, family):
                mentioned.append(Mentioned(pk, m.text, m.start, m.end, got))
    # Persons with the same keys in the text do not always bear one name (Abdallah Ould
    # Ahmed, Ahmed Ben Abdallah): when the words that nearly named one of them differ
    # from its name by a particle, they may name another of the same keys.
    for rep, spans in near.items():
        for pk in homonyms[int(rep)][1:]:
            identity, family, *_ = read[pk]
            best = max(
                (
                    (got, start, end)
                    for start, end in spans[:MAX_NEAR_SPANS]
                    if (got := names_it(text[start:end], identity, family))
                ),
                key=lambda f: f[0].score,
                default=None,
            )
            if best is not None:
                got, start, end = best
                mentioned.append(Mentioned(pk, text[start:end], start, end, got))
    once = {m.person_id: m for m in reversed(mentioned)}
    return [m for m in mentioned if once[m.person_id] is m]


def _initialled(keyed: KeyedText, keys: dict[int, set[str]]) -> list[list[int]]:
    """For each name written with an initial ("Y. ALAOUI"), the persons with its family
    name's key and a given name of that letter: one key in common, not the two others need."""
    groups = []
    by_letter: dict[str, set[str]] = defaultdict(set)
    for key, letter in keyed.initialled().items():
        by_letter[letter].add(key)
    for letter, wanted in by_letter.items():
        bearing = [pk for pk, shared in keys.items() if shared & wanted]
        given = Q(given_names__istartswith=letter) | Q(
            given_names="", full_name__istartswith=letter
        )
        fits = PersonName.objects.filter(given, person_id__in=bearing)
        # Split by family name: the first person of one group stands for the others, and
        # Y. ALAOUI is not read through a Yasmine Ben Ali Tazi who shares a key. Family
        # names written in full after the letter first (Ait Hamza, not Ben Hamza).
        by_family: dict[frozenset[str], set[int]] = defaultdict(set)
        for pk, family_name, full_name in fits.values_list("person_id", "family_name", "full_name"):
            family_keys = name_keys(family_name or full_name)
            if family_keys & wanted:
                by_family[family_keys].add(pk)
        ranked = sorted(
            by_family,
            key=lambda k: (not k <= wanted, -len(k & wanted), min(by_family[k])),
        )
        taken: set[int] = set()
        for family_keys in ranked[:MAX_INITIAL_GROUPS]:
            members = sorted(by_family[family_keys] - taken)
            taken.update(members)
            if members:
                groups.append(members)
    return groups


def _second_names(
    keyed: KeyedText, seen: list[list[int]], named: set[int]
) -> list[tuple[Mention, list[int]]]:
    """Persons with the same keys in the text do not always bear one name (Abdallah Ould
    Ahmed, Ahmed Ben Abdallah, Abdallah Ahmed Tazi): for the best-ranked groups whose first
    person the text does not name, the others of distinct names are scored too."""
    failed = [members for members in seen if members[0] not in named][:MAX_SECOND_GROUPS]
    read = _identities([pk for members in failed for pk in members[:MAX_SECOND_NAMES]])
    candidates = []
    group: dict[int, list[int]] = {}
    for members in failed:
        signatures = {_signature(read[members[0]][0])}
        for pk in members[1:MAX_SECOND_NAMES]:
            signature = _signature(read[pk][0])
            if signature not in signatures:
                signatures.add(signature)
                candidates.append(read[pk][:2])
                group[pk] = members
    return [(m, group[int(m.id)]) for m in find_mentions(keyed, candidates)]


def _signature(identity: Identity) -> frozenset[tuple[str, ...]]:
    """The names' parts in order, particles too: Abdelkader Ould Omar and Omar Ben
    Abdelkader have the same keys but are scored apart (one may be named, not the other)."""
    return frozenset(tuple(t.keys[0] for t in analyse(n).parts) for n in identity.names)


def explain_hit(person: Person, encountered_name: str) -> tuple[float | None, dict[str, Any]]:
    """Score and evidence of a hit: the name as encountered against the person's names."""
    if not encountered_name.strip():
        return None, {}
    match = compare(Identity(names=(encountered_name,)), identity_of(person))
    return match.score, match.as_dict()

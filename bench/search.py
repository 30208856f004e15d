"""Registry search latency over a large synthetic registry, on SQLite and PostgreSQL.

    .venv/bin/python bench/search.py                  # 100,000 persons, both databases
    .venv/bin/python bench/search.py --persons 20000 --databases sqlite

Each database gets a fresh throwaway node (a temp SQLite file, or a temp PostgreSQL
database on 127.0.0.1:5432), filled by `bulk_seed_for_bench`. The query mix, by kind:

- full: spellings of persons in the registry written differently (the other script, or
  another Latin convention), plus names of nobody;
- surname: a person's family name alone (Latin spelling; family names borne by at most 150
  persons: the synthetic registry has 376 family names for 100,000 persons, each borne by
  29 to 1,900 of them, and a search compares at most 200 candidates);
- given+dob: a person's given name and full date of birth;
- prefix: a person's family name with its last word cut to five letters ("Ben Othma",
  "Fonta"; the same rarer family names, whose last word has seven letters or more).

Printed for each database and kind, side by side in one run: liaison search
(`search_persons`, scoped by the policy as a real officer is) p50/p95 latency and recall
(the person is among the results: the top 10 for full names, any page for the other
kinds, which list every bearer), and the baseline a plain SQL search would be:
`full_name LIKE %query%` on the same rows (with the date of birth equal, for given+dob).
"""

from __future__ import annotations

import argparse
import random
import time

from harness import pct as _pct
from harness import run_in_child, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.persons, args.queries)
        return
    print(f"registry search: {args.persons:,} persons, {args.queries} queries per database")
    for database in args.databases.split(","):
        run_database(database.strip(), args.persons, args.queries)


def run_database(database: str, persons: int, queries: int) -> None:
    argv = ["--persons", str(persons), "--queries", str(queries)]
    run_in_child(__file__, database, argv, name="search")


def run_child(database: str, persons: int, queries: int) -> None:
    setup_django()
    started = time.perf_counter()
    user = _officer()
    from liaison.registry.demo_data import bulk_seed_for_bench

    bulk_seed_for_bench(persons, seed=7, bench=True)
    seeded = time.perf_counter() - started
    planted, strangers = _queries(queries)
    partial = _partial_queries(queries)
    print(f"\n{database}: seeded {persons:,} persons in {seeded:.0f} s")
    print(f"{'kind':<10}{'method':<34}{'p50 ms':>9}{'p95 ms':>9}{'recall':>9}{'n':>6}")
    kinds = [("full", [(n, "", pk) for n, pk in planted], [(s, "", -1) for s in strangers])]
    kinds += [(kind, rows, []) for kind, rows in partial.items()]
    for kind, rows, nobody in kinds:
        ours, found = _time_liaison(user, rows, nobody, top=10 if kind == "full" else None)
        like, like_found = _time_like(rows, nobody)
        for label, times, hits in (
            ("liaison search (cross-script)", ours, found),
            ("baseline: SQL LIKE %name%", like, like_found),
        ):
            recall = hits / len(rows) if rows else 0.0
            print(
                f"{kind:<10}{label:<34}{_pct(times, 50):>9.1f}{_pct(times, 95):>9.1f}"
                f"{recall:>9.3f}{len(rows) + len(nobody):>6}"
            )


def _officer() -> object:
    from django.conf import settings
    from django.contrib.auth.models import Group

    from liaison.accounts.models import Agency, User

    agency = Agency.objects.create(name="Bench", country="MA", node_id=settings.NODE_ID)
    user = User.objects.create(username="bench-officer", agency=agency)
    user.groups.set([Group.objects.get(name="officer")])
    return user


def _queries(count: int) -> tuple[list[tuple[str, int]], list[str]]:
    """Planted: one spelling of a registered person, removed from the registry first, so
    the search must find the person through the other spellings (other script or
    convention); strangers: names of nobody. Only persons whose names nobody else bears
    are planted: the synthetic registry repeats common names (as real ones do), and a
    namesake with the very same spellings cannot be told apart by a name search."""
    from django.db.models import Count

    from liaison.registry.models import Person, PersonName
    from liaison.registry.search import index_person_names

    rng = random.Random(11)
    unique_names = PersonName.objects.values("full_name").annotate(n=Count("id")).filter(n=1)
    ids = sorted(
        set(
            PersonName.objects.filter(
                full_name__in=unique_names.values("full_name"), kind="primary"
            ).values_list("person_id", flat=True)
        )
    )
    planted: list[tuple[str, int]] = []
    for pk in rng.sample(ids, min(len(ids), count * 3)):
        names = list(PersonName.objects.filter(person_id=pk).order_by("id"))
        if len(names) < 2 or len(planted) >= count * 4 // 5:
            continue
        query = rng.choice(names)
        query.delete()
        remaining = [n.full_name for n in names if n.pk != query.pk]
        index_person_names(Person.objects.get(pk=pk), remaining)
        planted.append((query.full_name, pk))
    strangers = [f"Zebulon Quartermaine {i}" for i in range(count - len(planted))]
    return planted, strangers


def _partial_queries(count: int) -> dict[str, list[tuple[str, str, int]]]:
    """Surname-only, given-name-plus-date and prefix queries, `count` // 3 of each, for
    persons chosen at random among those with a Latin name split into given and family."""
    from django.db.models import Count

    from liaison.registry.models import BirthDate, PersonName

    rng = random.Random(13)
    latin = PersonName.objects.filter(script="latn").exclude(family_name="")
    bearers = dict(
        latin.values("family_name")
        .annotate(n=Count("person", distinct=True))
        .values_list("family_name", "n")
    )
    rows = list(latin.values_list("person_id", "given_names", "family_name"))
    rng.shuffle(rows)
    full_dates = dict(
        BirthDate.objects.filter(value__regex=r"^\d{4}-\d{2}-\d{2}$").values_list(
            "person_id", "value"
        )
    )
    each = max(1, count // 3)
    out: dict[str, list[tuple[str, str, int]]] = {"surname": [], "given+dob": [], "prefix": []}
    for pk, given, family in rows:
        rare = bearers.get(family, 0) <= 150
        if rare and len(out["surname"]) < each:
            out["surname"].append((family, "", pk))
        elif rare and len(family.split()[-1]) > 6 and len(out["prefix"]) < each:
            # The last word cut to five letters: "Ben Othma", "Fonta".
            out["prefix"].append((family[: len(family) - len(family.split()[-1]) + 5], "", pk))
        elif pk in full_dates and given and len(out["given+dob"]) < each:
            out["given+dob"].append((given.split()[0], full_dates[pk], pk))
        if all(len(v) >= each for v in out.values()):
            break
    return out


def _time_liaison(
    user: object,
    rows: list[tuple[str, str, int]],
    nobody: list[tuple[str, str, int]],
    top: int | None,
) -> tuple[list[float], int]:
    from liaison.policy import Action
    from liaison.registry.queries import persons_visible_to
    from liaison.registry.search import search_persons

    times, found = [], 0
    for name, dob, expected in [*rows, *nobody]:
        started = time.perf_counter()
        outcome = search_persons(
            persons_visible_to(user, Action.SEARCH), name=name, date_of_birth=dob, limit=top
        )
        times.append((time.perf_counter() - started) * 1000)
        found += any(r.person.pk == expected for r in outcome.results)
    return times, found


def _time_like(
    rows: list[tuple[str, str, int]], nobody: list[tuple[str, str, int]]
) -> tuple[list[float], int]:
    """What a plain SQL search costs and finds: a substring match on the stored spellings."""
    from liaison.registry.models import PersonName

    times, found = [], 0
    for name, dob, expected in [*rows, *nobody]:
        started = time.perf_counter()
        matches = PersonName.objects.filter(full_name__icontains=name)
        if dob:
            matches = matches.filter(person__birth_dates__value=dob)
        ids = set(matches.values_list("person_id", flat=True)[:50])
        times.append((time.perf_counter() - started) * 1000)
        found += expected in ids
    return times, found


if __name__ == "__main__":
    main()

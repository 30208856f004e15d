"""Persons named in reports: recall and precision of the suggestions, with a baseline.

    .venv/bin/python bench/entities.py                      # 100,000 persons, SQLite
    .venv/bin/python bench/entities.py --persons 20000 --reports 10 --databases sqlite

A fresh throwaway node (bench/harness.py) is filled by `bulk_seed_for_bench`; then
synthetic reports of about 2,000 words, half in French and half in Arabic, each plant
`--planted` registry persons under the spellings an officer might write them
(`PersonPlan.hit_names`: another transliteration, family name first in capitals, the
Arabic writing), in the report's script where the person has one. Measured in the same
run, on the same reports:

- liaison: `registry.search.mentioned_persons` (the suggestions of a report's page);
- baseline: exact-string lookup, every run of one to six words of the text looked up
  among the registry's full names as written (case-insensitive).

Printed: recall of planted persons; precision of the persons found, where a found person
is right when planted in that report or a homonym of one (the same name: synthetic
registries, like real ones, hold several persons of one name, and no text tells them
apart; the analyst does); strict precision, homonyms counted as wrong; and seconds per
report (median and worst, CPU time of this process). Targets (issue 13): recall >= 0.90
at precision >= 0.80, <= 2 s per report on one core.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from harness import load, run_in_child, setup_django


def _vocabulary(text: str) -> list[str]:
    return text.split()


FRENCH = _vocabulary(
    "le la les un une des du de et ou mais donc selon la source a été vu au port avec "
    "des camions chargés de marchandises entre le et le mars avril à Tanger Marseille "
    "Casablanca Algésiras le service a observé que la société de transport utilise "
    "plusieurs véhicules immatriculés en Espagne les fonds transitent par des comptes "
    "ouverts dans trois agences la cellule prépare une nouvelle livraison avant la fin "
    "du mois les téléphones sont changés chaque semaine Selon Dans Le La Les Par Au"
)
ARABIC = _vocabulary(
    "في من إلى على عن مع بين قبل بعد حسب المصدر رصدت المصلحة ثلاث شاحنات عبرت الميناء "
    "بوثائق شحن خضر الشبكة تستعمل نفس الشركة للنقل الشحنة القادمة مرتقبة قبل نهاية "
    "الشهر تحويلات متكررة بمبالغ صغيرة من وكالات في الدار البيضاء طنجة مرسيليا الخلية "
    "تغير الهواتف كل أسبوع وقد لوحظ أن السائق التقى شخصا في المقهى قرب المحطة"
)
TARGET = {"recall": 0.90, "precision": 0.80, "seconds": 2.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--words", type=int, default=2_000)
    parser.add_argument("--planted", type=int, default=8)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--show", action="store_true", help="print the wrong suggestions")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    argv = ["--persons", str(args.persons), "--reports", str(args.reports)]
    argv += ["--words", str(args.words), "--planted", str(args.planted)]
    argv += ["--show"] if args.show else []
    if args.child:
        run_child(args)
        return
    print(
        f"entities: {args.persons:,} persons, {args.reports} reports of ~{args.words:,} words, "
        f"{args.planted} persons planted in each"
    )
    for database in args.databases.split(","):
        run_in_child(__file__, database.strip(), argv, name="entities")


def _is_arabic(text: str) -> bool:
    from liaison.matching.normalise import is_arabic

    return is_arabic(text)


def _spelling(rng: random.Random, plan: Any, arabic: bool) -> str | None:
    """How the report writes the person: a spelling an officer might type, in the
    report's script (never the registry's primary name as written, when there is another)."""
    names = [n.full_name for n in plan.person.names]
    typed = [s for s in plan.hit_names if _is_arabic(s) == arabic]
    same = [n for n in names if _is_arabic(n) == arabic]
    options = [s for s in typed if s not in names] or typed or same
    return rng.choice(options) if options else None


def _report(rng: random.Random, planted: list[tuple[int, str]], words: int, arabic: bool) -> str:
    filler = ARABIC if arabic else FRENCH
    text = [rng.choice(filler) for _ in range(words)]
    for _pk, name in planted:
        at = rng.randrange(len(text))
        text[at:at] = [".", name, ","] if not arabic else ["،", name, "،"]
    sentences = []
    for i in range(0, len(text), 15):
        sentences.append(" ".join(text[i : i + 15]))
    return ". ".join(sentences)


def _baseline(text: str, names: dict[str, set[int]]) -> set[int]:
    """Exact-string lookup: every run of one to six words among the names as written."""
    from liaison.matching.mentions import words

    found: set[int] = set()
    tokens = words(text)
    for i in range(len(tokens)):
        for n in range(1, 7):
            run = tokens[i : i + n]
            if len(run) < n:
                break
            key = text[run[0].start : run[-1].end].casefold()
            found |= names.get(key, set())
    return found


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _canonical(plan: Any) -> str:
    names = [n.full_name for n in plan.person.names]
    arabic = [n for n in names if _is_arabic(n)]
    return (arabic or names)[0].casefold()


def run_child(args: argparse.Namespace) -> None:
    setup_django()
    from liaison.registry.demo_data import bulk_seed_for_bench, plan_registry
    from liaison.registry.models import Person, PersonName
    from liaison.registry.search import mentioned_persons

    started = time.perf_counter()
    seed = 7
    bulk_seed_for_bench(args.persons, seed=seed, bench=True)
    pks = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    plans = list(plan_registry(args.persons, seed))
    names: dict[str, set[int]] = {}
    for pk, full in PersonName.objects.values_list("person_id", "full_name"):
        names.setdefault(full.casefold(), set()).add(pk)
    # Homonyms: persons whose names are one name (the same Arabic writing, else the same
    # primary name). Synthetic registries repeat names; no text tells homonyms apart.
    canonical = {pk: _canonical(plan) for pk, plan in zip(pks, plans, strict=True)}
    print(f"\nseeded {args.persons:,} persons in {time.perf_counter() - started:.0f} s")
    rng = random.Random(13)
    scores: dict[str, dict[str, list[float]]] = {"liaison": {}, "baseline": {}}
    for number in range(args.reports):
        arabic = number % 2 == 1
        planted: list[tuple[int, str]] = []
        while len(planted) < args.planted:
            index = rng.randrange(len(plans))
            spelling = _spelling(rng, plans[index], arabic)
            if spelling:
                planted.append((pks[index], spelling))
        text = _report(rng, planted, args.words, arabic)
        truth = {pk for pk, _ in planted}
        named = {canonical[pk] for pk in truth}
        if args.show:
            got = {m.person_id for m in mentioned_persons(text, Person.objects.all())}
            for pk, spelling in planted:
                if pk not in got:
                    print("   missed:", spelling, "=", canonical[pk])
            for m in mentioned_persons(text, Person.objects.all()):
                if canonical[m.person_id] not in named:
                    print(
                        "   wrong:", m.text, "->", canonical[m.person_id], round(m.found.score, 3)
                    )
        for label, find in (
            (
                "liaison",
                lambda t=text: {m.person_id for m in mentioned_persons(t, Person.objects.all())},
            ),
            ("baseline", lambda t=text: _baseline(t, names)),
        ):
            cpu = time.process_time()
            found = find()
            seconds = time.process_time() - cpu
            right = len(found & truth)
            homonyms = sum(1 for pk in found if canonical[pk] in named)
            row = scores[label]
            row.setdefault("recall", []).append(right / len(truth))
            row.setdefault("precision", []).append(homonyms / len(found) if found else 1.0)
            row.setdefault("strict", []).append(right / len(found) if found else 1.0)
            row.setdefault("seconds", []).append(seconds)
            row.setdefault("found", []).append(len(found))
    header = f"  {'method':<10}{'recall':>8}{'precision':>11}{'strict':>8}"
    print(header + f"{'s/report p50':>14}{'max':>7}")
    for label, row in scores.items():
        recall, precision, strict = (_mean(row[k]) for k in ("recall", "precision", "strict"))
        p50, worst = statistics.median(row["seconds"]), max(row["seconds"])
        print(
            f"  {label:<10}{recall:>8.3f}{precision:>11.3f}{strict:>8.3f}"
            f"{p50:>14.2f}{worst:>7.2f}  {load()}"
        )
    row = scores["liaison"]
    verdict = (
        sum(row["recall"]) / len(row["recall"]) >= TARGET["recall"]
        and sum(row["precision"]) / len(row["precision"]) >= TARGET["precision"]
        and max(row["seconds"]) <= TARGET["seconds"]
    )
    print(
        f"  target (recall >= 0.90 at precision >= 0.80, <= 2 s): {'met' if verdict else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

"""Persons named in reports: recall and precision of the suggestions, with a baseline.

    .venv/bin/python bench/entities.py                      # 100,000 persons, SQLite
    .venv/bin/python bench/entities.py --persons 20000 --reports 10 --databases sqlite

A fresh throwaway node (bench/harness.py) is filled by `bulk_seed_for_bench`; then
synthetic reports of about 2,000 words, half in French and half in Arabic, each plant
`--planted` registry persons and `--distractors` decoys inside their sentences (after
"le nommé", "M.", "المدعو" or no word at all). Each planted name is one of the kinds an
officer writes (`_spellings`), drawn evenly among those the person has: in French,
another transliteration (latin), FAMILY Given (capitals), FAMILY, Given (comma), a title
(Hadj, Sheikh, Dr), Ould/Ait/Ben/El glued (particle), an initial (Y. ALAOUI) and the
Arabic writing left in Arabic script; in Arabic, the Arabic writing, the same with plain
hamza and ta marbuta (arabic-plain), with الحاج/الشيخ, and a foreign name left in Latin
script. Decoys are persons not in the registry: a given name of the registry's lists with
a family name it does not hold, near one it does (Taji/Tazi, Ammari/Amrani), written in
the same kinds (never as an initial, which fits registry persons as well). Measured in
the same run, on the same reports:

- liaison: `registry.search.mentioned_persons` (the suggestions of a report's page);
- baseline: exact-string lookup, every run of one to six words of the text looked up
  among the registry's full names as written (case-insensitive).

Printed: recall of planted persons, and per kind; precision of the persons found, where
a found person is right when planted in that report or a homonym of one (a person who
bears one of its names, an alias too, written alike but for case, accents, hamza and
articles: synthetic registries, like real ones, hold several persons of one name, and no
text tells them apart; the analyst does) or, for an initial, a person it fits (same
family name, a given name with that letter); strict precision, homonyms counted as
wrong; and seconds per report (median and worst, CPU time of this process). Targets
(issue 13): recall >= 0.90 at precision >= 0.80, <= 2 s per report on one core.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import unicodedata
from types import SimpleNamespace
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
    parser.add_argument("--distractors", type=int, default=4)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--show", action="store_true", help="print the wrong suggestions")
    parser.add_argument(
        "--profile", action="store_true", help="profile the slowest report (cProfile, top 25)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    argv = ["--persons", str(args.persons), "--reports", str(args.reports)]
    argv += ["--words", str(args.words), "--planted", str(args.planted)]
    argv += ["--distractors", str(args.distractors)]
    argv += ["--show"] if args.show else []
    argv += ["--profile"] if args.profile else []
    if args.child:
        run_child(args)
        return
    print(
        f"entities: {args.persons:,} persons, {args.reports} reports of ~{args.words:,} words, "
        f"{args.planted} registry persons and {args.distractors} others planted in each"
    )
    for database in args.databases.split(","):
        run_in_child(__file__, database.strip(), argv, name="entities")


def _is_arabic(text: str) -> bool:
    from liaison.matching.normalise import is_arabic

    return is_arabic(text)


def _latin_names(plan: Any) -> list[Any]:
    return [n for n in plan.person.names if not _is_arabic(n.full_name)]


def _arabic_name(plan: Any) -> str | None:
    return next((n.full_name for n in plan.person.names if _is_arabic(n.full_name)), None)


def _split(plan: Any) -> tuple[str, str] | None:
    """(given names, family name) of the person's first Latin name with the split recorded."""
    for name in _latin_names(plan):
        if name.given_names and name.family_name:
            return name.given_names, name.family_name
    return None


ARTICLES = ("El ", "Ben ", "Ould ", "Ait ", "Aït ", "Bel ")
LATIN_TITLES = ("Hadj", "Haj", "Cheikh", "Sheikh", "Dr")
ARABIC_TITLES = ("الحاج", "الشيخ")
# Hamza and ta marbuta as a hurried typist writes them (أحمد → احمد, حمزة → حمزه).
_PLAIN_ARABIC = str.maketrans(
    {
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0629": "\u0647",
        "\u0649": "\u064a",
    }
)


def _spellings(plan: Any, arabic: bool) -> dict[str, str]:
    """Per kind, how an officer may write the person in a report of that script."""
    out: dict[str, str] = {}
    written = _arabic_name(plan)
    names = {n.full_name for n in plan.person.names}
    male = plan.person.sex == "M"
    if arabic:
        if written:
            out["arabic"] = written
            plain = written.translate(_PLAIN_ARABIC)
            if plain != written:
                out["arabic-plain"] = plain
            if male:
                out["arabic-title"] = f"{ARABIC_TITLES[len(written) % 2]} {written}"
        else:  # a foreign name, left in Latin script inside the Arabic text
            latin = _latin_names(plan)
            out["latin-in-arabic"] = latin[0].full_name
        return out
    if written and written not in names:
        written = None
    split = _split(plan)
    typed = [s for s in plan.hit_names if not _is_arabic(s) and s not in names]
    if typed and not typed[0].split()[0].isupper():
        out["latin"] = typed[0]
    if split:
        given, family = split
        out["capitals"] = f"{family.upper()} {given}"
        out["comma"] = f"{family.upper()}, {given}"
        if male:
            out["title"] = f"{LATIN_TITLES[len(family) % len(LATIN_TITLES)]} {given} {family}"
        glued = next((a for a in ARTICLES if family.startswith(a)), None)
        if glued:
            out["particle"] = (
                f"{given} {glued.strip()}{family[len(glued) :].replace(' ', '').lower()}"
            )
        out["initial"] = f"{given[0]}. {family.upper()}"
    if written:
        out["arabic-in-latin"] = written
    return out


def _consistent(spelling: str, kind: str, by_initial: dict[tuple[str, str], set[int]]) -> set[int]:
    """For an initial ("Y. ALAOUI"), the persons the words fit: no text tells them apart."""
    if kind != "initial":
        return set()
    initial, family = spelling.split(". ", 1)
    return by_initial.get((family.casefold(), initial.casefold()), set())


FRENCH_BEFORE = ("le nommé", "", "", "M.", "avec", "et")
ARABIC_BEFORE = ("المدعو", "", "", "المسمى", "مع")


def _report(rng: random.Random, planted: list[str], words: int, arabic: bool) -> str:
    """Filler sentences with the names planted inside them, after a word an officer would
    write there (le nommé, المدعو, M.) or none, never cut by a sentence end."""
    filler = ARABIC if arabic else FRENCH
    text = [rng.choice(filler) for _ in range(words)]
    for name in planted:
        before = rng.choice(ARABIC_BEFORE if arabic else FRENCH_BEFORE)
        at = rng.randrange(len(text))
        text[at:at] = [f"{before} {name}".strip()]
    sentences = [" ".join(text[i : i + 15]) for i in range(0, len(text), 15)]
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


def _norm(name: str) -> str:
    """A name as written, without case, accents, hamza forms, hyphens or articles."""
    bare = unicodedata.normalize("NFKD", name.casefold().translate(_PLAIN_ARABIC))
    bare = "".join(c for c in bare if not unicodedata.combining(c)).replace("-", " ")
    return " ".join(w for w in bare.split() if w not in ("el", "al"))


def _forms(plan: Any) -> set[str]:
    """A person's names as written, and each reduced to first given name + family name."""
    forms = set()
    for name in plan.person.names:
        forms.add(_norm(name.full_name))
        if name.given_names and name.family_name:
            forms.add(_norm(f"{name.given_names.split()[0]} {name.family_name}"))
    return forms


# Family names that the registry's lists do not hold, each near one they do (Taji/Tazi,
# Ammari/Amrani, Haddaoui/Haddad, Kadiri/Kacemi): the decoys' names.
DECOY_FAMILIES = [
    row.split(" | ")
    for row in (
        "\u0627\u0644\u0639\u0644\u0645\u064a | El Alami | al-Alami",
        "\u0627\u0644\u0632\u064a\u0627\u0646\u064a | Zayani | al-Zayani",
        "\u0627\u0644\u0628\u0642\u0627\u0644\u064a | Bakkali | al-Baqqali",
        "\u0627\u0644\u062a\u0627\u062c\u064a | Taji | al-Taji",
        "\u0627\u0644\u0634\u0631\u0627\u064a\u0628\u064a | Cheraibi | al-Sharaibi",
        "\u0627\u0644\u062d\u062f\u0627\u0648\u064a | Haddaoui | al-Haddawi",
        "\u0627\u0644\u0642\u0627\u062f\u0631\u064a | Kadiri | al-Qadiri",
        "\u0627\u0644\u0645\u0631\u0646\u064a\u0633\u064a | Mernissi | al-Marnisi",
        "\u0627\u0644\u0641\u064a\u0644\u0627\u0644\u064a | Filali | al-Filali",
        "\u0628\u0648\u0632\u064a\u0627\u0646 | Bouziane | Bu Ziyan",
        "\u0628\u0644\u062e\u064a\u0631 | Belkheir | Bel Khayr",
        "\u0627\u0644\u0639\u0645\u0627\u0631\u064a | Ammari | al-Ammari",
        "\u0627\u0644\u062e\u064a\u0627\u0637\u064a | Khayati | al-Khayyati",
        "\u0628\u0646 \u0633\u0644\u064a\u0645\u0627\u0646 | Ben Slimane | bin Sulayman",
        "\u0648\u0644\u062f \u0627\u0644\u0637\u0627\u0644\u0628 | Ould Taleb | wuld al-Talib",
    )
]
DECOY_FRENCH = ("Gautier", "Lamarque", "Dufresne", "Rolland", "Chauvin", "Marchal")


def _decoys(rng: random.Random, count: int) -> list[Any]:
    """Persons not in the registry: a given name of the registry's lists and a family name
    it does not hold, written as the registry's persons are (Arabic, French and English
    spellings), so each shares a given name with thousands of registry persons."""
    from liaison.registry import demo_data as d
    from liaison.registry.actions import NameData

    out = []
    for _ in range(count):
        sex = rng.choice("MF")
        if rng.random() < 0.25:
            given = rng.choice(d.FRENCH_MALE if sex == "M" else d.FRENCH_FEMALE)
            family = rng.choice(DECOY_FRENCH)
            names = [NameData(f"{given} {family}", "primary", given, family)]
            hits = [f"{family.upper()} {given}"]
        else:
            part = rng.choice(d.MALE_GIVEN if sex == "M" else d.FEMALE_GIVEN)
            ar, fr, en = rng.choice(DECOY_FAMILIES)
            gfr, gen = rng.choice(part.french), rng.choice(part.english)
            names = [
                NameData(f"{part.arabic} {ar}", "primary", part.arabic, ar),
                NameData(f"{gfr} {fr}", "transliteration", gfr, fr),
            ]
            hits = [f"{gen} {en}"]
        person = SimpleNamespace(names=names, sex=sex)
        out.append(SimpleNamespace(person=person, hit_names=hits))
    return out


def _distractors(plans: list[Any], extra: list[Any]) -> list[Any]:
    """The decoys whose names are no registry person's (nor one's with the middle names
    left out): an alias of a registry person may still use a decoy's family name."""
    taken = set().union(*(_forms(p) for p in plans))
    return [p for p in extra if not _forms(p) & taken]


def _plant(
    rng: random.Random, plans: list[Any], arabic: bool, *, decoy: bool = False
) -> tuple[str, str] | None:
    index = rng.randrange(len(plans))
    options = _spellings(plans[index], arabic)
    if decoy:  # "Y. ALAOUI" fits registry persons as well as the decoy: no decoy then
        options.pop("initial", None)
    if not options:
        return None
    kind = rng.choice(sorted(options))
    return kind, options[kind]


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
    pool = _distractors(plans, _decoys(random.Random(17), 2_000))
    names: dict[str, set[int]] = {}
    by_initial: dict[tuple[str, str], set[int]] = {}
    rows = PersonName.objects.values_list("person_id", "full_name", "given_names", "family_name")
    for pk, full, given, family in rows:
        names.setdefault(full.casefold(), set()).add(pk)
        if given and family:
            by_initial.setdefault((family.casefold(), given[0].casefold()), set()).add(pk)
    # Homonyms: persons who bear one of the planted person's names, in any of their
    # names (an alias too), written alike but for case, accents, hamza and articles.
    # Synthetic registries, like real ones, repeat names; no text tells homonyms apart.
    canonical = {pk: _canonical(plan) for pk, plan in zip(pks, plans, strict=True)}
    written = {
        pk: {_norm(n.full_name) for n in p.person.names} for pk, p in zip(pks, plans, strict=True)
    }
    print(
        f"\nseeded {args.persons:,} persons in {time.perf_counter() - started:.0f} s; "
        f"{len(pool):,} decoys (not in the registry, no registry person's name)"
    )
    rng = random.Random(13)
    scores: dict[str, dict[str, list[float]]] = {"liaison": {}, "baseline": {}}
    kinds: dict[str, dict[str, list[int]]] = {"liaison": {}, "baseline": {}}
    slowest = (0.0, "")
    for number in range(args.reports):
        arabic = number % 2 == 1
        planted: list[tuple[int, str, str]] = []
        while len(planted) < args.planted:
            index = rng.randrange(len(plans))
            got = _plant(rng, [plans[index]], arabic)
            if got:
                planted.append((pks[index], *got))
        decoys: list[str] = []
        while pool and len(decoys) < args.distractors:
            got = _plant(rng, pool, arabic, decoy=True)
            if got:
                decoys.append(got[1])
        spellings = [s for _, _, s in planted] + decoys
        rng.shuffle(spellings)
        text = _report(rng, spellings, args.words, arabic)
        truth = {pk for pk, _, _ in planted}
        named = set().union(*(written[pk] for pk in truth))
        fits = set().union(*(_consistent(s, k, by_initial) for _, k, s in planted))
        for label, find in (
            ("liaison", lambda t=text: mentioned_persons(t, Person.objects.all())),
            ("baseline", lambda t=text: _baseline(t, names)),
        ):
            cpu = time.process_time()
            result = find()
            seconds = time.process_time() - cpu
            if label == "liaison" and seconds > slowest[0]:
                slowest = (seconds, text)
            found = {m.person_id for m in result} if label == "liaison" else set(result)
            right = len(found & truth)
            fair = {pk for pk in found if written[pk] & named or pk in fits}
            row = scores[label]
            row.setdefault("recall", []).append(right / len(truth))
            row.setdefault("precision", []).append(len(fair) / len(found) if found else 1.0)
            row.setdefault("strict", []).append(right / len(found) if found else 1.0)
            row.setdefault("seconds", []).append(seconds)
            for pk, kind, _ in planted:
                kinds[label].setdefault(kind, []).append(int(pk in found))
            if args.show and label == "liaison":
                for pk, kind, spelling in planted:
                    if pk not in found:
                        print(f"   missed {kind}: {spelling} = {canonical[pk]}")
                for m in result:
                    if m.person_id not in fair:
                        print(
                            f"   wrong: {m.text} -> {canonical[m.person_id]}"
                            f" (as {m.found.name}) {m.found.score:.3f}"
                        )
    _print(scores, kinds)
    if args.profile:
        _profile(slowest[1], lambda t: mentioned_persons(t, Person.objects.all()))


def _profile(text: str, find: Any) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(find, text)
    print("  profile of the slowest report (cumulative, then own time):")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(20)


def _print(
    scores: dict[str, dict[str, list[float]]], kinds: dict[str, dict[str, list[int]]]
) -> None:
    header = f"  {'method':<10}{'recall':>8}{'precision':>11}{'strict':>8}"
    print(header + f"{'s/report p50':>14}{'max':>7}")
    for label, row in scores.items():
        recall, precision, strict = (_mean(row[k]) for k in ("recall", "precision", "strict"))
        p50, worst = statistics.median(row["seconds"]), max(row["seconds"])
        print(
            f"  {label:<10}{recall:>8.3f}{precision:>11.3f}{strict:>8.3f}"
            f"{p50:>14.2f}{worst:>7.2f}  {load()}"
        )
    print("  recall by spelling kind (planted: liaison, baseline)")
    for kind in sorted(kinds["liaison"]):
        ours, base = kinds["liaison"][kind], kinds["baseline"][kind]
        print(f"    {kind:<16}{len(ours):>5}{_mean(ours):>8.3f}{_mean(base):>8.3f}")
    row = scores["liaison"]
    verdict = (
        _mean(row["recall"]) >= TARGET["recall"]
        and _mean(row["precision"]) >= TARGET["precision"]
        and max(row["seconds"]) <= TARGET["seconds"]
    )
    print(
        f"  target (recall >= 0.90 at precision >= 0.80, <= 2 s): {'met' if verdict else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

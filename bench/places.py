# ruff: noqa: RUF001 -- Arabic letters are data here.
"""Places and organisations read from reports' text: recall, precision and time, with a
baseline measured in the same run, on the same reports.

    .venv/bin/python bench/places.py                 # 200 reports of 2,000 words
    .venv/bin/python bench/places.py --reports 50 --show

Synthetic reports, half French and half Arabic, of filler words that name nothing, with
`--planted` places (an alias of the gazetteer drawn at random, in the report's script or
in Latin, after a preposition: "à", "au port de", "ب" glued or "في") and organisations
(a company with a legal form, a "société", a "réseau", شركة with a quoted name), and
`--decoys` words that must not be read (the common words and person names the gazetteer
leaves out, lower-case city names, descriptions: "réseau de trafiquants", شبكة إجرامية).

- liaison: `liaison.intel.indicators.extract`, places and organisations;
- baseline (places only): every alias of the gazetteer looked for as a case-insensitive
  substring, as a plain keyword search would.

Printed per method: recall and precision of places and of organisations (a finding is
right when planted in that report), seconds per report (median, worst; CPU time). Pure
Python: no database.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liaison.intel import indicators
from liaison.intel.gazetteer import places

FRENCH = [
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "du",
    "de",
    "et",
    "ou",
    "mais",
    "donc",
    "selon",
    "la",
    "source",
    "a",
    "été",
    "vu",
    "avec",
    "des",
    "camions",
    "chargés",
    "de",
    "marchandises",
    "entre",
    "mars",
    "avril",
    "le",
    "service",
    "a",
    "observé",
    "que",
    "plusieurs",
    "véhicules",
    "immatriculés",
    "les",
    "fonds",
    "transitent",
    "par",
    "des",
    "comptes",
    "ouverts",
    "dans",
    "trois",
    "agences",
    "une",
    "nouvelle",
    "livraison",
    "avant",
    "la",
    "fin",
    "du",
    "mois",
    "les",
    "téléphones",
    "sont",
    "changés",
    "chaque",
    "semaine",
]
ARABIC = [
    "من",
    "إلى",
    "على",
    "عن",
    "مع",
    "بين",
    "قبل",
    "بعد",
    "حسب",
    "المصدر",
    "رصدت",
    "المصلحة",
    "ثلاث",
    "شاحنات",
    "عبرت",
    "بوثائق",
    "شحن",
    "خضر",
    "تستعمل",
    "نفس",
    "الشحنة",
    "القادمة",
    "مرتقبة",
    "نهاية",
    "الشهر",
    "تحويلات",
    "متكررة",
    "بمبالغ",
    "صغيرة",
    "وكالات",
    "تغير",
    "الهواتف",
    "كل",
    "أسبوع",
    "وقد",
    "لوحظ",
    "أن",
    "السائق",
    "التقى",
    "شخصا",
    "المقهى",
    "قرب",
    "المحطة",
]
DECOYS_FR = [
    "des paris sportifs",
    "un plat salé",
    "les Tours de garde",
    "une Orange",
    "Nancy Safi",
    "Karim Berkane",
    "un réseau de trafiquants",
    "une cellule de crise",
    "le réseau Internet",
    "le gang armé",
]
DECOYS_AR = [
    "العيون",
    "الجديدة",
    "الليل",
    "بركان",
    "السيد بنيس",
    "شبكة إجرامية",
    "الريف",
    "الداخلة",
]
ORGS_FR = [
    ("la société {} Transit SARL", "{} Transit SARL"),
    ("la société {} Trans", "Société {} Trans"),
    ("le réseau {}", "Réseau {}"),
    ("la SARL {} Export", "SARL {} Export"),
]
ORGS_AR = [("شركة «{} للنقل»", "شركة {} للنقل"), ("شركة {} Logistique SARL", "{} Logistique SARL")]
NAMES_LATIN = ["Atlas", "Nour", "Amal", "Zerktouni", "Sahara", "Oasis", "Rif Trans", "Medina"]
NAMES_AR = ["الأطلس", "النور", "الأمل", "الصحراء", "الواحة", "المدينة"]


def _aliases(arabic: bool) -> list[tuple[str, str]]:
    """(alias, place) pairs in the report's script or in Latin, Latin ones capitalised."""
    found = []
    for items in places().by_first.values():
        for alias in items:
            script_ok = (re.search("[\u0600-\u06ff]", alias.text) is not None) == arabic
            if script_ok or not arabic:
                found.append((alias.text, alias.entry.name))
    return found


def _report(rng: random.Random, args: argparse.Namespace, arabic: bool) -> tuple[str, set, set]:
    filler = ARABIC if arabic else FRENCH
    words = [rng.choice(filler) for _ in range(args.words)]
    planted_places, planted_orgs = set(), set()
    aliases = _aliases(arabic)
    for _ in range(args.planted):
        alias, name = rng.choice(aliases)
        before = rng.choice(["في", "ب"] if arabic else ["à", "au port de", "près de"])
        glued = arabic and before == "ب" and " " not in alias and alias[:1] != "ا"
        words.insert(
            rng.randrange(len(words)), f"{before}{alias}" if glued else f"{before} {alias}"
        )
        planted_places.add(name)
    for _ in range(args.planted // 2):
        pattern, value = rng.choice(ORGS_AR if arabic else ORGS_FR)
        name = rng.choice(NAMES_AR if arabic and "«" in pattern else NAMES_LATIN)
        words.insert(rng.randrange(len(words)), pattern.format(name))
        planted_orgs.add(value.format(name))
    for _ in range(args.decoys):
        words.insert(rng.randrange(len(words)), rng.choice(DECOYS_AR if arabic else DECOYS_FR))
    # Sentences of 15 words, a name never cut: each planted stretch is one list item.
    text = ". ".join(" ".join(words[i : i + 15]) for i in range(0, len(words), 15))
    return text, planted_places, planted_orgs


def liaison(text: str) -> tuple[set[str], set[str]]:
    found = indicators.extract(text, "MA")
    return (
        {i.normalised for i in found if i.kind == indicators.PLACE},
        {i.normalised for i in found if i.kind == indicators.ORGANISATION},
    )


def baseline(text: str) -> tuple[set[str], set[str]] | tuple[set[str], None]:
    low = text.casefold()
    return {
        name for alias, name in _aliases(False) + _aliases(True) if alias.casefold() in low
    }, None


def _score(found: set[str], planted: set[str]) -> tuple[int, int, int]:
    return len(found & planted), len(found), len(planted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--words", type=int, default=2_000)
    parser.add_argument("--planted", type=int, default=8)
    parser.add_argument("--decoys", type=int, default=8)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--show", action="store_true", help="print the misses and wrong finds")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    reports = [_report(rng, args, arabic=i % 2 == 1) for i in range(args.reports)]
    print(f"{args.reports} reports of ~{args.words} words, half French, half Arabic")
    print("method    place recall  precision   org recall  precision   s/report p50     max")
    for name, method in (("liaison", liaison), ("baseline", baseline)):
        totals = {"place": [0, 0, 0], "org": [0, 0, 0]}
        seconds = []
        for text, planted_places, planted_orgs in reports:
            start = time.process_time()
            found_places, found_orgs = method(text)
            seconds.append(time.process_time() - start)
            for key, found, planted in (
                ("place", found_places, planted_places),
                ("org", found_orgs, planted_orgs),
            ):
                if found is None:
                    continue
                totals[key] = [
                    a + b for a, b in zip(totals[key], _score(found, planted), strict=True)
                ]
                if args.show and name == "liaison" and found != planted:
                    print(f"  {key}: missed {planted - found}, wrong {found - planted}")
        row = [name]
        for key in ("place", "org"):
            right, found, planted = totals[key]
            if not planted:
                row += ["-", "-"]
                continue
            row += [f"{right / planted:.3f}", f"{right / max(found, 1):.3f}"]
        row += [f"{statistics.median(seconds):.4f}", f"{max(seconds):.4f}"]
        print("{:9} {:>12} {:>10} {:>12} {:>10} {:>12} {:>7}".format(*row))


if __name__ == "__main__":
    main()

"""Particles: the small closed set of words that join or qualify name parts.

Each entry is general Arabic/Maghrebi/Persian naming grammar, not a list of people:
articles (al-, el-, ad-, ...), kinship and origin markers (ben/bin/ibn, ould, ait, bint,
abu/bou, umm), and the two compound heads/tails (Abd + name, name + al-Din / Allah).
"""

from __future__ import annotations

import re

# The Arabic article in its Latin forms, including sun-letter assimilations (ad-Din, as-Sayed,
# ech-Chérif, ur-Rahman). Standing alone they add nothing a spelling keeps consistently.
LATIN_ARTICLES = frozenset(
    [
        "al",
        "el",
        "ul",
        "il",
        "l",
        "ad",
        "ed",
        "ud",
        "ar",
        "er",
        "ur",
        "as",
        "es",
        "us",
        "at",
        "et",
        "ut",
        "an",
        "en",
        "un",
        "az",
        "ez",
        "uz",
        "ash",
        "esh",
        "ach",
        "ech",
        "ath",
        "eth",
        "adh",
        "edh",
    ]
)

# Kinship/origin particles mapped to one key per meaning, so Ben/Bin/Ibn or Abu/Abou/Bou
# compare equal whichever convention wrote them.
LATIN_KIN = {
    **dict.fromkeys(["ben", "bin", "ibn", "ebn", "bn", "ibnu"], "bn"),
    **dict.fromkeys(["bint", "bent", "binti"], "bnt"),
    **dict.fromkeys(["ould", "ouled", "wuld", "uld", "wald", "walad", "ouald"], "wld"),
    **dict.fromkeys(["ait", "aith", "ath"], "yt"),
    **dict.fromkeys(["abu", "abou", "abo", "bou", "bu", "abi", "aba", "abul", "aboul"], "b"),
    **dict.fromkeys(["umm", "oum", "um", "om"], "m"),
}

ARABIC_ARTICLE = "ال"
ARABIC_KIN = {
    "بن": "bn",
    "ابن": "bn",
    "بنت": "bnt",
    "ولد": "wld",
    "ايت": "yt",
    "ابو": "b",
    "بو": "b",
    "ابي": "b",
    "ام": "m",
}

# "Abd" written alone or with its article glued on (Abdel, Abdul, Abdoul, Abder, Abdes...):
# it always heads a compound with the next name part.
LATIN_ABD_HEAD = re.compile(r"^abd(?:ou|[aeiou])?[lrsntdz]?$")
# "Abd" glued to the rest of the compound (Abdellatif, Abderrahmane, Abdulaziz): what follows
# the head and the article's l is the second element.
LATIN_ABD_GLUED = re.compile(r"^abd(?:ou|[aeiou])?l?")
ARABIC_ABD = "عبد"

# Tails that close a compound with the preceding part: X al-Din (Nasreddine, Najm ad-Din)
# and X Allah (Fadlallah, Abd Allah).
LATIN_DIN_TAIL = frozenset(
    [
        "din",
        "dine",
        "deen",
        "dinn",
        "eddine",
        "eddin",
        "edine",
        "eddyn",
        "uddin",
        "uddine",
        "addin",
        "aldin",
        "eldin",
        "ildin",
        "oddin",
        "oddine",
    ]
)
LATIN_ALLAH_TAIL = frozenset(["allah", "alla", "ullah", "ollah", "illah", "ellah", "allahi"])
ARABIC_TAILS = frozenset(["الدين", "دين", "الله"])

# Written abbreviations of Muhammad (South Asian Md/Mohd, Maghrebi Med).
LATIN_ABBREVIATIONS = dict.fromkeys(["md", "mohd", "muhd", "mhd", "med", "mohd"], "muhammad")

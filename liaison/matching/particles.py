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

# Titles and honorifics written before a name (religious, pilgrim, scholarly, military,
# civil). They say nothing about who the person is, so they are left out of the comparison
# and kept in the explanation. Cheikh is left out of this list: in West Africa
# and the Maghreb they are given names as often as titles (Hadj is left in: as a name it is
# rarer than the pilgrim's title).
LATIN_TITLES = frozenset(
    [
        "sheikh",
        "shaykh",
        "shaikh",
        "sheik",
        "haji",
        "hajji",
        "hajj",
        "hadj",
        "haj",
        "shiekh",
        "alhaji",
        "alhajji",
        "mullah",
        "mulla",
        "mollah",
        "maulavi",
        "maulvi",
        "mawlawi",
        "moulavi",
        "maulana",
        "qari",
        "mufti",
        "imam",
        "ayatollah",
        "dr",
        "doctor",
        "prof",
        "professor",
        "col",
        "colonel",
        "gen",
        "general",
        "brig",
        "brigadier",
        "maj",
        "major",
        "capt",
        "captain",
        "lt",
        "mr",
        "mrs",
        "mme",
        "mlle",
    ]
)
ARABIC_TITLES = frozenset(
    [
        "الشيخ",
        "شيخ",
        "الحاج",
        "حاج",
        "الملا",
        "ملا",
        "المولوي",
        "مولوي",
        "الدكتور",
        "القاري",
        "قاري",
        "مفتي",
        "حاجي",
    ]
)

# Written glued to a name, the kunya's Abu is still a particle: Abulabbas = Abou El Abbes,
# Aboubakar = Abu Bakr. The rest must be a name of three letters or more.
LATIN_ABU_GLUED = re.compile(r"^(?:aboul|abul|abou|abu)(?=[a-z]{3})")

# French particles (Du Pont, De La Tour, Le Gall) belong to the family name that follows:
# read apart they would be parts of one or two letters that match any initial.
FRENCH_PARTICLES = frozenset(["du", "de", "des", "le", "la", "les"])
FRENCH_OPENING = frozenset(["du", "de", "des"])

# ruff: noqa: RUF001 -- Arabic letters are data here, not look-alikes of Latin ones.
"""Synthetic people for the screening bench: Maghrebi/Arabic, French and other names.

Everything here is generated from general component lists written for this bench: common
given names with their usual spellings, particles, and family names built from Arabic
consonant-vowel syllables rendered in Arabic script and in French- and English-style
transliteration. Nothing comes from the evaluation data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from liaison.matching import Identity

Convention = str  # "ar" | "fr" | "en"

# (Arabic, French-style spellings, English-style spellings)
GIVEN_MALE = [
    ("محمد", ["Mohamed", "Mohammed", "Mohamad"], ["Muhammad", "Mohammed", "Mohammad"]),
    ("أحمد", ["Ahmed"], ["Ahmad", "Ahmed"]),
    ("يوسف", ["Youssef", "Youcef", "Yousef"], ["Yusuf", "Yousef"]),
    ("عبد اللطيف", ["Abdellatif", "Abdelatif"], ["Abd al-Latif", "Abdul Latif"]),
    ("عبد الرحمن", ["Abderrahmane", "Abderahmane"], ["Abd al-Rahman", "Abdulrahman"]),
    ("عبد القادر", ["Abdelkader", "Abdelkadir"], ["Abd al-Qadir", "Abdul Qadir"]),
    ("عبد الله", ["Abdallah", "Abdellah"], ["Abdullah", "Abd Allah"]),
    ("عبد العزيز", ["Abdelaziz"], ["Abd al-Aziz", "Abdulaziz"]),
    ("مصطفى", ["Mustapha", "Mostafa", "Moustafa"], ["Mustafa"]),
    ("خالد", ["Khaled", "Khalid"], ["Khalid"]),
    ("حسين", ["Hocine", "Houcine", "Hussein"], ["Husayn", "Hussein", "Hussain"]),
    ("حسن", ["Hassan", "Hacene", "Hassen"], ["Hasan", "Hassan"]),
    ("إبراهيم", ["Brahim", "Ibrahim"], ["Ibrahim"]),
    ("إسماعيل", ["Ismail", "Smail"], ["Ismail", "Isma'il"]),
    ("رشيد", ["Rachid", "Rachide"], ["Rashid", "Rasheed"]),
    ("سعيد", ["Said", "Saïd"], ["Saeed", "Said"]),
    ("عمر", ["Omar", "Amor"], ["Umar", "Omar"]),
    ("علي", ["Ali"], ["Ali"]),
    ("كريم", ["Karim", "Kerim"], ["Karim", "Kareem"]),
    ("جمال", ["Djamel", "Jamal"], ["Jamal", "Gamal"]),
    ("نور الدين", ["Noureddine", "Nour Eddine"], ["Nur al-Din", "Nooruddin"]),
    ("صلاح الدين", ["Salaheddine", "Salah Eddine"], ["Salah al-Din", "Salahuddin"]),
    ("هشام", ["Hicham", "Hichem"], ["Hisham"]),
    ("شريف", ["Chérif", "Cherif"], ["Sharif", "Shareef"]),
    ("طارق", ["Tarek", "Tarik"], ["Tariq"]),
    ("وليد", ["Walid", "Oualid"], ["Walid", "Waleed"]),
    ("ياسين", ["Yacine", "Yassine"], ["Yasin", "Yaseen"]),
    ("مراد", ["Mourad"], ["Murad"]),
    ("نبيل", ["Nabil"], ["Nabil", "Nabeel"]),
    ("عادل", ["Adel"], ["Adil", "Adel"]),
    ("فيصل", ["Fayçal", "Faycal"], ["Faisal", "Faysal"]),
    ("حمزة", ["Hamza"], ["Hamza", "Hamzah"]),
    ("بلال", ["Bilal", "Billel"], ["Bilal"]),
    ("زكرياء", ["Zakaria", "Zakariya"], ["Zakariya"]),
    ("سفيان", ["Soufiane", "Sofiane"], ["Sufyan"]),
    ("أيوب", ["Ayoub"], ["Ayyub", "Ayoub"]),
    ("إلياس", ["Ilyes", "Ilias", "Elias"], ["Ilyas"]),
    ("منصور", ["Mansour"], ["Mansur"]),
    ("جعفر", ["Djaafar", "Jaafar"], ["Ja'far", "Jafar"]),
    ("قاسم", ["Kacem", "Kassem"], ["Qasim", "Qassem"]),
]
GIVEN_FEMALE = [
    ("فاطمة", ["Fatima", "Fatma", "Fatiha"], ["Fatimah", "Fatima"]),
    ("عائشة", ["Aïcha", "Aicha"], ["Aisha", "A'isha"]),
    ("خديجة", ["Khadija", "Khadidja"], ["Khadijah", "Khadija"]),
    ("مريم", ["Meriem", "Myriam"], ["Maryam"]),
    ("أمينة", ["Amina"], ["Aminah", "Amina"]),
    ("سميرة", ["Samira"], ["Samirah", "Samira"]),
    ("نادية", ["Nadia"], ["Nadiya", "Nadia"]),
    ("زينب", ["Zineb", "Zeineb"], ["Zaynab", "Zainab"]),
    ("حياة", ["Hayat", "Hayet"], ["Hayat"]),
    ("سعاد", ["Souad"], ["Suad", "Souad"]),
    ("ليلى", ["Leila", "Leïla"], ["Layla", "Laila"]),
    ("نجاة", ["Najat", "Nadjet"], ["Najat"]),
    ("حفيظة", ["Hafida", "Hafsa"], ["Hafiza", "Hafeeza"]),
    ("وفاء", ["Wafa", "Ouafae"], ["Wafaa"]),
    ("يمينة", ["Yamina"], ["Yamina"]),
    ("سلمى", ["Salma"], ["Salma", "Salmaa"]),
    ("إيمان", ["Imane", "Iman"], ["Iman", "Eman"]),
    ("هدى", ["Houda"], ["Huda", "Hoda"]),
    ("رشيدة", ["Rachida"], ["Rashida"]),
    ("كريمة", ["Karima"], ["Karimah", "Karima"]),
]
# Non-Arab names that also appear on French and partner lists (Latin script only).
FRENCH_GIVEN = [
    "Jean",
    "Pierre",
    "Michel",
    "Philippe",
    "Nicolas",
    "Julien",
    "Thomas",
    "Antoine",
    "Laurent",
    "Sébastien",
    "Olivier",
    "Christophe",
    "Frédéric",
    "Stéphane",
    "François",
    "Mathieu",
    "Guillaume",
    "Romain",
    "Hugo",
    "Lucas",
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sophie",
    "Céline",
    "Sandrine",
    "Camille",
    "Julie",
    "Aurélie",
    "Claire",
    "Élodie",
    "Manon",
]
FRENCH_FAMILY = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
]
# French family names are built as stem + suffix (+ particle) for a realistic long tail.
FRENCH_STEMS = [
    "Bern",
    "Dur",
    "Gir",
    "Lef",
    "Mor",
    "Rich",
    "Roux",
    "Bon",
    "Garn",
    "Fourn",
    "Lamb",
    "Mich",
    "Perr",
    "Dub",
    "Chev",
    "Gaut",
    "Mart",
    "Blanc",
    "Fauch",
    "Lebr",
    "Bouch",
    "Carr",
    "Mass",
    "Rob",
    "Guill",
    "Bréd",
    "Laur",
    "Mén",
    "Poir",
    "Vid",
    "Tess",
    "Hub",
    "Bar",
    "Cour",
    "Chauv",
    "Maill",
    "Boiss",
    "Fleur",
    "Marc",
    "Pell",
    "Rey",
    "Renaud",
    "Dum",
    "Coll",
    "Brun",
    "Mull",
    "Ségu",
    "Pasc",
    "Leclerc",
    "Charp",
]
FRENCH_SUFFIXES = ["", "et", "ier", "and", "ard", "on", "eau", "ault", "in", "ot", "elle", "ez"]
FRENCH_PARTICLES = ["", "", "", "", "Le ", "Du ", "De ", "Des ", "La "]
OTHER_GIVEN = [
    "Mamadou",
    "Moussa",
    "Ousmane",
    "Ibrahima",
    "Aliou",
    "Cheikh",
    "Amadou",
    "Boubacar",
    "Emre",
    "Mehmet",
]
OTHER_FAMILY = [
    "Diallo",
    "Traoré",
    "Keita",
    "Diop",
    "Ndiaye",
    "Camara",
    "Sow",
    "Coulibaly",
    "Yılmaz",
    "Demir",
    "Kaya",
]

# Consonants for synthetic family names: Arabic letter, French and English renderings.
CONSONANTS = [
    ("ب", ["b"], ["b"]),
    ("ت", ["t"], ["t"]),
    ("ج", ["dj", "j"], ["j"]),
    ("ح", ["h"], ["h"]),
    ("خ", ["kh"], ["kh"]),
    ("د", ["d"], ["d"]),
    ("ر", ["r"], ["r"]),
    ("ز", ["z"], ["z"]),
    ("س", ["s", "ss"], ["s"]),
    ("ش", ["ch"], ["sh"]),
    ("ص", ["s"], ["s"]),
    ("ط", ["t"], ["t"]),
    ("ع", ["", "a"], ["'", ""]),
    ("غ", ["gh"], ["gh"]),
    ("ف", ["f"], ["f"]),
    ("ق", ["k", "g"], ["q"]),
    ("ك", ["k"], ["k"]),
    ("ل", ["l"], ["l"]),
    ("م", ["m"], ["m"]),
    ("ن", ["n"], ["n"]),
    ("ه", ["h"], ["h"]),
    ("و", ["w", "ou"], ["w"]),
    ("ي", ["y"], ["y"]),
    ("ذ", ["d", "dh"], ["dh"]),
    ("ض", ["d", "dh"], ["d"]),
]
SHORT_VOWELS = {"a": (["a", "e"], ["a"]), "i": (["i", "e"], ["i"]), "u": (["ou", "o"], ["u"])}
LONG_VOWELS = {
    "a": ("ا", ["a"], ["a"]),
    "i": ("ي", ["i"], ["i", "ee"]),
    "u": ("و", ["ou"], ["u", "oo"]),
}
FAMILY_PREFIXES = [
    ("", "", ""),
    ("", "", ""),
    ("", "", ""),
    ("ال", "El ", "al-"),
    ("ال", "El-", "Al "),
    ("بن ", "Ben", "Bin "),
    ("بو", "Bou", "Bu"),
    ("ايت ", "Aït ", "Ait "),
    ("ولد ", "Ould ", "Wuld "),
]


@dataclass(frozen=True, slots=True)
class Component:
    """One name part in Arabic script and its usual French and English spellings."""

    ar: str
    fr: tuple[str, ...]
    en: tuple[str, ...]

    def render(self, convention: Convention, rng: random.Random) -> str:
        if convention == "ar":
            return self.ar
        return rng.choice(self.fr if convention == "fr" else self.en)


@dataclass(frozen=True, slots=True)
class Person:
    """A synthetic person as components, so it can be re-rendered as a true variant."""

    given: tuple[Component, ...]
    father: Component | None
    family: Component
    sex: str
    dob: str
    nationality: str
    arab: bool


def _syllable_family(rng: random.Random) -> Component:
    ar, fr, en = "", [""], [""]
    for i in range(rng.choice([2, 3, 3, 4])):
        c_ar, c_fr, c_en = rng.choice(CONSONANTS)
        v = rng.choice("aiu")
        ar += c_ar
        fr = [x + rng.choice(c_fr) for x in fr]
        en = [x + rng.choice(c_en) for x in en]
        if i > 0 and rng.random() < 0.35:
            l_ar, l_fr, l_en = LONG_VOWELS[v]
            ar, fr, en = (
                ar + l_ar,
                [x + rng.choice(l_fr) for x in fr],
                [x + rng.choice(l_en) for x in en],
            )
        else:
            s_fr, s_en = SHORT_VOWELS[v]
            fr, en = [x + rng.choice(s_fr) for x in fr], [x + rng.choice(s_en) for x in en]
    if rng.random() < 0.4:  # nisba: -i, written ي
        ar, fr, en = (
            ar + "ي",
            [x.rstrip("aeiou") + "i" for x in fr],
            [x.rstrip("aeiou") + "i" for x in en],
        )
    p_ar, p_fr, p_en = rng.choice(FAMILY_PREFIXES)
    fr = fr + [x + "e" for x in fr if rng.random() < 0.3]  # French mute e: Benali/Benalie
    return Component(
        p_ar + ar,
        tuple(_prefixed(p_fr, x) for x in fr),
        tuple(_prefixed(p_en, x) for x in en),
    )


def _prefixed(prefix: str, root: str) -> str:
    root = root.lstrip("'")
    if not prefix:
        return root.capitalize()
    if prefix[-1] in " -":
        return prefix + root.capitalize()
    return prefix + root.lower()


def _latin_only(name: str) -> Component:
    return Component(name, (name,), (name,))


class Generator:
    """Deterministic synthetic people and query variants from a seed."""

    def __init__(self, seed: int = 20240601, families: int = 60_000) -> None:
        self.rng = random.Random(seed)
        self.male = [Component(a, tuple(f), tuple(e)) for a, f, e in GIVEN_MALE]
        self.female = [Component(a, tuple(f), tuple(e)) for a, f, e in GIVEN_FEMALE]
        self.families = [_syllable_family(self.rng) for _ in range(families)]
        self.fr_given = [_latin_only(n) for n in FRENCH_GIVEN]
        self.fr_family = [_latin_only(n) for n in FRENCH_FAMILY] + [
            _latin_only(p + stem + suffix)
            for p in FRENCH_PARTICLES[3:]
            for stem in FRENCH_STEMS
            for suffix in FRENCH_SUFFIXES
        ]
        self.other_given = [_latin_only(n) for n in OTHER_GIVEN]
        self.other_family = [_latin_only(n) for n in OTHER_FAMILY]

    def person(self) -> Person:
        rng = self.rng
        sex = rng.choice("MF")
        dob = f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        roll = rng.random()
        if roll < 0.8:
            pool = self.male if sex == "M" else self.female
            given = tuple(rng.sample(pool, 2 if rng.random() < 0.15 else 1))
            father = rng.choice(self.male) if rng.random() < 0.3 else None
            family = rng.choice(self.families)
            nat = rng.choice(["MA", "DZ", "TN", "LY", "EG", "MR", "SY", "IQ", "FR", "FR"])
            return Person(given, father, family, sex, dob, nat, True)
        if roll < 0.95:
            given = tuple(rng.sample(self.fr_given, 2 if rng.random() < 0.3 else 1))
            return Person(given, None, rng.choice(self.fr_family), sex, dob, "FR", False)
        given = (rng.choice(self.other_given),)
        return Person(given, None, rng.choice(self.other_family), sex, dob, "SN", False)

    def render(self, p: Person, convention: Convention, family_first: bool = False) -> str:
        rng = self.rng
        if not p.arab:
            convention = "fr"
        parts = [g.render(convention, rng) for g in p.given]
        if p.father is not None:
            particle = {"ar": "بن", "fr": "Ben", "en": "bin"}[convention]
            parts += [particle, p.father.render(convention, rng)]
        family = p.family.render(convention, rng)
        if family_first:  # French records: FAMILY NAME first, in capitals
            return " ".join([family.upper(), *parts])
        return " ".join([*parts, family])

    def convention(self) -> Convention:
        return self.rng.choices(["ar", "fr", "en"], weights=[3, 4, 3])[0]

    def identity(self, p: Person, id: str | None = None) -> Identity:
        name = self.render(p, self.convention() if p.arab else "fr")
        return Identity((name,), (p.dob,), (p.nationality,), p.sex, id)  # type: ignore[arg-type]

    def variant(self, p: Person) -> Identity:
        """The same person as another service would record it."""
        rng = self.rng
        if p.father is not None and rng.random() < 0.5:
            p = Person(p.given, None, p.family, p.sex, p.dob, p.nationality, p.arab)
        if len(p.given) > 1 and rng.random() < 0.3:
            p = Person(p.given[:1], p.father, p.family, p.sex, p.dob, p.nationality, p.arab)
        name = self.render(p, self.convention(), family_first=rng.random() < 0.3)
        if rng.random() < 0.15:
            name = _typo(name, rng)
        return Identity((name,), (self._dob_variant(p.dob),), (p.nationality,), p.sex)

    def _dob_variant(self, dob: str) -> str:
        roll = self.rng.random()
        if roll < 0.2:
            return dob[:4]
        if roll < 0.3:
            y, m, d = dob.split("-")
            return f"{y}-{d}-{m}" if int(d) <= 12 else dob
        return dob


def _typo(name: str, rng: random.Random) -> str:
    """One keyboard slip in a Latin name: a dropped or doubled letter."""
    if not name.isascii() or len(name) < 6:
        return name
    i = rng.randrange(1, len(name) - 1)
    if not name[i].isalpha():
        return name
    return name[:i] + name[i + 1 :] if rng.random() < 0.5 else name[:i] + name[i] + name[i:]

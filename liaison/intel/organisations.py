# ruff: noqa: RUF001 -- Arabic letters, typographic apostrophes and dashes are data here.
"""Organisations named in a report's text, French and Arabic. Plain Python (no Django).

Precision first: a name is taken only with what makes it an organisation's, each rule
named in `Org.rule` so that a finding can be explained:

- `known`: a name of the organisations gazetteer (data/organisations.tsv);
- `legal-form`: capitalised words with a legal form after or before them ("Atlas Transit
  SARL", "SARL Atlas Transit"; SA, SAS, SASU, SARL, SARLAU, SNC, EURL, SCI);
- `company`: "société X" with X capitalised ("la société Atlas Transit");
- `group`: "gang, réseau, clan, cellule X" with X capitalised ("le réseau
  Zerktouni", "le clan des Barbus"); "réseau de trafiquants" is not a name;
- `arabic`: شركة, مؤسسة (companies), عصابة, شبكة, خلية (groups) followed by a quoted name
  («الأطلس للنقل») or by a name in Latin capitals ("شركة Atlas Transit"); without quotes an
  Arabic text has no capitals to tell a name from a description ("شبكة إجرامية", a
  criminal network), so nothing is taken.

A name that is only a place of the gazetteer ("le réseau de Marseille") or a common
service ("réseau Internet", "cellule WhatsApp") is not taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from liaison.intel import gazetteer

COMPANY = "Company"
ORGANIZATION = "Organization"
LEGAL_FORMS = ("SARLAU", "SARL", "SASU", "SAS", "SA", "SNC", "EURL", "SCI")
_FORM = r"(?:S\.?A\.?R\.?L\.?(?:AU)?|S\.?A\.?S\.?U?|S\.?A\.?|S\.?N\.?C\.?|EURL|SCI)(?![\w.])"
# Before a name, a form is written whole: "SA. Il" ends a sentence, "S.A. Atlas" does not.
_FORM_FIRST = r"(?:SARLAU|SARL|SASU|SAS|SA|SNC|EURL|SCI|S\.A\.R\.L\.|S\.A\.S\.|S\.A\.|S\.N\.C\.)"
_UPPER = "A-ZÀ-ÖØ-ÞŒ"
# Possessive (*+): a word never gives back letters to try another split, and a match never
# starts inside a hyphenated or apostrophised word; with backtracking, "A-A-A-…" cost time
# in the square of its length (a report of 20,000 such characters took seconds).
_CAP = rf"[{_UPPER}][\w&’'-]*+"
# Capitalised words, "de/du/des/d'/&" allowed between two of them ("et" is not: it
# parts two names more often than it joins one).
_NAME = rf"{_CAP}(?:(?: (?:de |du |des |d['’]|& )?){_CAP}){{0,5}}"
_GROUP_WORDS = r"gang|réseau|reseau|clan|cellule"  # not "bande": la bande de Gaza
_LATIN = [
    ("legal-form", re.compile(rf"(?<![\w.&’'-])(?P<name>{_NAME}) (?P<form>{_FORM})")),
    ("legal-form", re.compile(rf"(?<![\w.])(?P<form>{_FORM_FIRST}) (?P<name>{_NAME})")),
    ("company", re.compile(rf"(?i:\b(?P<key>société|sté|ste))\.? (?P<name>{_NAME})")),
    (
        "group",
        re.compile(rf"(?i:\b(?P<key>{_GROUP_WORDS}))\s+(?:(?:de|du|des) |d['’])?(?P<name>{_NAME})"),
    ),
]
_QUOTED = r"«\s*(?P<q1>[^»\n]{2,80}?)\s*»|\"(?P<q2>[^\"\n]{2,80})\"|“(?P<q3>[^”\n]{2,80})”"
_ARABIC = re.compile(
    rf"(?<![\u0600-\u06ff])[وفبل]?(?P<key>شركة|مؤسسة|عصابة|شبكة|خلية)\s+"
    rf"(?:{_QUOTED}|(?P<latin>{_NAME}))"
)
ARABIC_COMPANY = ("شركة", "مؤسسة")
# Sentence openers and articles dropped from the front of a name ("Hier Atlas SARL").
_LEADING = frozenset(
    [
        "le",
        "la",
        "les",
        "l",
        "un",
        "une",
        "des",
        "du",
        "de",
        "d",
        "et",
        "ou",
        "hier",
        "selon",
        "par",
        "pour",
        "dans",
        "avec",
        "chez",
        "sur",
        "ce",
        "cette",
        "cet",
        "ces",
        "son",
        "sa",
        "ses",
        "leur",
        "leurs",
        "puis",
        "alors",
        "ensuite",
        "il",
        "elle",
        "ils",
        "elles",
        "on",
        "nous",
        "vous",
        "je",
    ]
)
# Capitalised words that follow "réseau" or "cellule" without naming an organisation.
NOT_NAMES = frozenset(
    [
        "internet",
        "wifi",
        "wi-fi",
        "whatsapp",
        "telegram",
        "signal",
        "facebook",
        "instagram",
        "tiktok",
        "snapchat",
        "twitter",
        "x",
        "viber",
        "messenger",
        "gsm",
        "sfr",
        "orange",
        "bouygues",
        "free",
        "inwi",
        "maroctelecom",
        "tor",
        "darknet",
    ]
)


@dataclass(frozen=True, slots=True)
class Org:
    text: str  # as written, with the word that makes it an organisation
    name: str  # the value stored
    schema: str  # FollowTheMoney: Company or Organization
    rule: str
    start: int
    end: int


def _form(raw: str) -> str:
    return raw.replace(".", "")


def _trim(name: str, start: int) -> tuple[str, int]:
    """Leading sentence openers and articles off a name (its start moved with it)."""
    parts = re.split(r"(?<=[ '’])", name)
    while parts and parts[0].strip(" '’").casefold() in _LEADING:
        start += len(parts[0])
        parts = parts[1:]
    return "".join(parts).strip(), start


def _is_place_or_service(name: str) -> bool:
    return (
        gazetteer.places().lookup(name) is not None
        or gazetteer.fold(name).replace(" ", "") in NOT_NAMES
        or name.casefold() in NOT_NAMES
    )


def _latin(text: str) -> list[Org]:
    found = []
    for rule, pattern in _LATIN:
        for m in pattern.finditer(text):
            name, start = _trim(m.group("name"), m.start("name"))
            if not name or _is_place_or_service(name):
                continue
            if rule == "legal-form":
                form, after = _form(m.group("form")), m.start("form") > m.start("name")
                if after and name.split()[0].replace(".", "") in LEGAL_FORMS:
                    continue  # "SARL Nour Export SARL": read by the form-first rule
                value = f"{name} {form}" if after else f"{form} {name}"
                start = start if after else m.start("form")
                found.append(Org(text[start : m.end()], value, COMPANY, rule, start, m.end()))
            elif rule == "company":
                found.append(Org(m.group(), f"Société {name}", COMPANY, rule, m.start(), m.end()))
            else:
                key = m.group("key").casefold().replace("reseau", "réseau")
                between = text[m.end("key") : m.start("name")]
                value = f"{key.capitalize()}{between}{name}"
                found.append(Org(m.group(), value, ORGANIZATION, rule, m.start(), m.end()))
    return found


def _arabic(text: str) -> list[Org]:
    found = []
    for m in _ARABIC.finditer(text):
        key = m.group("key")
        quoted = m.group("q1") or m.group("q2") or m.group("q3")
        name = " ".join((quoted or m.group("latin") or "").split())
        if not name or _is_place_or_service(name):
            continue
        schema = COMPANY if key in ARABIC_COMPANY else ORGANIZATION
        # A Latin name with its legal form is stored as the French text would store it.
        has_form = set(name.replace(".", "").split()) & set(LEGAL_FORMS)
        value = _form(name) if has_form else f"{key} {name}"
        found.append(Org(m.group(), value, schema, "arabic", m.start(), m.end()))
    return found


def _known(text: str) -> list[Org]:
    return [
        Org(text[f.start : f.end], f.entry.name, f.entry.kind, "known", f.start, f.end)
        for f in gazetteer.organisations().find(text)
    ]


def find(text: str) -> list[Org]:
    """The organisations named in `text`, in order; of two that overlap, the one found by
    the earlier rule (known names first), then the longer."""
    found: list[Org] = []
    for org in [*_known(text), *_arabic(text), *_latin(text)]:
        if not any(org.start < o.end and o.start < org.end for o in found):
            found.append(org)
    return sorted(found, key=lambda o: o.start)


def schema_of(name: str) -> str:
    """The FollowTheMoney schema of a stored organisation name: a company when its name
    carries a legal form or a company's word (Société, شركة, مؤسسة), or the gazetteer
    says so; an organisation otherwise."""
    known = gazetteer.organisations().lookup(name)
    if known is not None:
        return known.kind
    first, *_rest = name.split(" ", 1)
    words = set(name.split())
    if first in ("Société", *ARABIC_COMPANY) or words & set(LEGAL_FORMS):
        return COMPANY
    return ORGANIZATION

"""Typed indicators in a report's text: phone numbers, e-mail addresses, document numbers,
vehicle plates, places and organisations. Plain Python (no Django): text in, indicators
out, each with the value as written and a normalised value to compare and search by.

- phone: any number the phonenumbers library finds and judges valid, normalised to E.164;
  a number without a country code is read in `region` (the node's country), others need
  their "+" or "00".
- email: a mailbox, lower-cased.
- document: a passport or identity card number: 6 to 12 capital letters and digits with
  at least two of each (AB1234567, BE123456, 12AB34567).
- plate: a French plate (AB-123-CD, 1234 AB 75) or a Moroccan one (12345-أ-6, 12345|A|6).
- place: a name of the places gazetteer (liaison/intel/gazetteer.py), stored as its name
  there whatever the script or spelling ("طنجة", "Tangier" -> Tanger).
- organisation: a name of the organisations gazetteer, or a name the text gives with what
  makes it one (organisations.py: a legal form, "Société X", "réseau X", «...» after شركة).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from liaison.intel import gazetteer, organisations

PHONE = "phone"
EMAIL = "email"
DOCUMENT = "document"
PLATE = "plate"
PLACE = "place"
ORGANISATION = "organisation"
KINDS = (PHONE, EMAIL, DOCUMENT, PLATE, PLACE, ORGANISATION)
MAX_PER_REPORT = 200

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+", re.ASCII)
_PLATES = [
    re.compile(r"(?<![\w-])[A-Z]{2}-\d{3}-[A-Z]{2}(?![\w-])"),  # French SIV (2009)
    re.compile(r"(?<![\w-])\d{1,4} ?[A-Z]{2,3} ?(?:\d[\dAB]|97\d)(?![\w-])"),  # French FNI
    # Moroccan: number, letter (Arabic or its Latin reading), prefecture code.
    re.compile(r"(?<![\w-])\d{1,5} ?[-|] ?(?:[\u0621-\u064a]|[A-Z]{1,2}) ?[-|] ?\d{1,2}(?![\w-])"),
]
_DOCUMENT = re.compile(r"(?<![\w-])[A-Z0-9]{6,12}(?![\w-])")


@dataclass(frozen=True, slots=True)
class Indicator:
    kind: str
    value: str  # as written in the text
    normalised: str
    start: int
    end: int


def _phones(text: str, region: str | None) -> list[Indicator]:
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, region or "ZZ"):
        if not phonenumbers.is_valid_number(match.number):
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        found.append(Indicator(PHONE, match.raw_string, e164, match.start, match.end))
    return found


def _document(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    letters = len(candidate) - digits
    return digits >= 2 and letters >= 2


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def extract(text: str, region: str | None = None) -> list[Indicator]:
    """The indicators in `text`, in the order they appear, each value once per kind (its
    first occurrence). A stretch read as one kind is not read again as another."""
    found: list[Indicator] = []
    taken: list[tuple[int, int]] = []

    def keep(indicator: Indicator) -> None:
        span = (indicator.start, indicator.end)
        if not _overlaps(span, taken):
            taken.append(span)
            found.append(indicator)

    for m in _EMAIL.finditer(text):
        keep(Indicator(EMAIL, m.group(), m.group().lower(), m.start(), m.end()))
    for indicator in _phones(text, region):
        keep(indicator)
    # Organisations before places: "Grand Stade de Tanger" is a place, "Atlas Tanger SARL"
    # an organisation, not a place inside one.
    for org in organisations.find(text):
        keep(Indicator(ORGANISATION, org.text, org.name, org.start, org.end))
    for place in gazetteer.places().find(text):
        keep(
            Indicator(
                PLACE, text[place.start : place.end], place.entry.name, place.start, place.end
            )
        )
    for pattern in _PLATES:
        for m in pattern.finditer(text):
            plain = re.sub(r"[\s|-]+", "-", m.group())
            keep(Indicator(PLATE, m.group(), plain, m.start(), m.end()))
    for m in _DOCUMENT.finditer(text):
        if _document(m.group()):
            keep(Indicator(DOCUMENT, m.group(), m.group(), m.start(), m.end()))
    seen: set[tuple[str, str]] = set()
    unique = []
    for indicator in sorted(found, key=lambda i: i.start):
        if (indicator.kind, indicator.normalised) not in seen:
            seen.add((indicator.kind, indicator.normalised))
            unique.append(indicator)
    return unique[:MAX_PER_REPORT]

"""Field rules: what a country code, a date of birth, a name or a free text may hold.

One set of rules for every door. Each rule is a plain function that returns the value
or raises FieldRuleError with a message for the user; the adapters below give the same
rule to Django (model and form field validators: the registry's actions run full_clean,
so forms, the API, the notice import and demo data all meet them there) and to pydantic
(API schemas and the exchange's envelope bodies). docs/registry.md lists the rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field


class FieldRuleError(ValueError):
    """A value that a field refuses; the message says why, for the user."""


# C0 controls, DEL and C1 controls. A NUL byte is refused by PostgreSQL (an error 500
# where SQLite stores it); the others are invisible and break exports and display.
# Lone surrogates (U+D800-U+DFFF, which a JSON \ud800 escape can carry) cannot be encoded
# for either database: refused everywhere too.
_SURROGATES = frozenset(chr(c) for c in range(0xD800, 0xE000))
_CONTROLS = frozenset(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))) | _SURROGATES
# Multi-line text keeps tab, line feed and carriage return (browsers send CR LF).
_TEXT_CONTROLS = _CONTROLS - set("\t\n\r")
# Invisible characters that change how the text around them is displayed, or make two
# equal-looking names differ: bidi embeddings and overrides (U+202A-U+202E), isolates
# (U+2066-U+2069), the implicit marks LRM, RLM and ALM (U+200E, U+200F, U+061C), zero
# width space, word joiner and BOM. A name or an identifier never needs them: each is
# shown in its own direction already. ZWNJ and ZWJ (U+200C, U+200D) stay, as Persian
# and Urdu spellings need them.
_FORMATTING = frozenset(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
) | {"\u200b", "\u2060", "\ufeff"}
_NAME_REFUSED = _CONTROLS | _FORMATTING
_NUL = frozenset("\x00") | _SURROGATES

MIN_PURPOSE_LETTERS = 8
MIN_BIRTH_YEAR = 1900
_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
COUNTRIES_FILE = Path(__file__).with_name("data") / "countries.tsv"


def _refuse(value: str, refused: frozenset[str]) -> None:
    found = next((ch for ch in value if ch in refused), None)
    if found is not None:
        raise FieldRuleError(
            _("Remove the invisible character U+%(code)04X.") % {"code": ord(found)}
        )


def no_nul(value: str) -> str:
    """Any text at any door: PostgreSQL cannot store a NUL character (an error 500)."""
    _refuse(value, _NUL)
    return value


def _visible(value: str) -> None:
    if value and not value.strip():
        raise FieldRuleError(_("Write something other than spaces."))


def line(value: str) -> str:
    """One line of text: no control character, not only spaces."""
    _refuse(value, _CONTROLS)
    _visible(value)
    return value


def text(value: str) -> str:
    """Multi-line text: tabs and line breaks, no other control character."""
    _refuse(value, _TEXT_CONTROLS)
    _visible(value)
    return value


def name(value: str) -> str:
    """A name or an identifier: one line, without bidi controls or other invisible marks."""
    _refuse(value, _NAME_REFUSED)
    _visible(value)
    return value


identifier = name  # document numbers, references, external ids, usernames: the same rule


def purpose(value: str) -> str:
    """Why one consults records: a sentence, with at least MIN_PURPOSE_LETTERS letters."""
    line(value)
    if sum(ch.isalpha() for ch in value) < MIN_PURPOSE_LETTERS:
        raise FieldRuleError(
            _("State the purpose in words (at least %(n)d letters).") % {"n": MIN_PURPOSE_LETTERS}
        )
    return value


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (and XK), from the file shipped with the code."""
    lines = COUNTRIES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(row.split("\t", 1)[0] for row in lines if row and not row.startswith("#"))


def country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code in capitals, e.g. MA or FR."""
    if value not in country_codes():
        shown = value if value.isascii() and value.isalnum() and len(value) <= 8 else ""
        raise FieldRuleError(
            _("“%(code)s” is not an ISO 3166 alpha-2 country code (e.g. MA, FR).") % {"code": shown}
        )
    return value


def birth_date(value: str, *, today: date | None = None) -> str:
    """YYYY, YYYY-MM or YYYY-MM-DD: a real date, from MIN_BIRTH_YEAR on, not in the future."""
    match = _PARTIAL_DATE.fullmatch(value)
    if match is None:
        raise FieldRuleError(_("Use YYYY, YYYY-MM or YYYY-MM-DD."))
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        earliest = date(year, month, day)
    except ValueError:
        raise FieldRuleError(
            _("%(value)s is not a real date: use YYYY, YYYY-MM or YYYY-MM-DD.") % {"value": value}
        ) from None
    if year < MIN_BIRTH_YEAR:
        raise FieldRuleError(
            _("A date of birth before %(year)d is not plausible.") % {"year": MIN_BIRTH_YEAR}
        )
    if earliest > (today or timezone.localdate()):
        raise FieldRuleError(
            _("%(value)s is in the future: a date of birth cannot be.") % {"value": value}
        )
    return value


def review_date(value: date, *, today: date | None = None) -> date:
    """A review date still ahead: the daily review job erases records whose date passed."""
    if value <= (today or timezone.localdate()):
        raise FieldRuleError(
            _("%(value)s is not in the future: a review date must be after today.")
            % {"value": value.isoformat()}
        )
    return value


# A hit is recorded when it happens or afterwards; the clocks of a border post's terminal
# and of the node may differ by a few minutes, not more.
CLOCK_SKEW = timedelta(minutes=5)


def encountered_on(value: datetime, *, now: datetime | None = None) -> datetime:
    """When a person was met: not in the future (beyond CLOCK_SKEW)."""
    if value > (now or timezone.now()) + CLOCK_SKEW:
        shown = timezone.localtime(value) if timezone.is_aware(value) else value
        raise FieldRuleError(
            _("%(value)s is in the future: a hit is recorded once it has happened.")
            % {"value": shown.strftime("%Y-%m-%d %H:%M")}
        )
    return value


def outcome_on(value: date, *, encountered: date, today: date | None = None) -> date:
    """The date of what became of a person after a hit: not in the future, not before the
    person was met (`encountered`, the hit's day)."""
    if value > (today or timezone.localdate()):
        raise FieldRuleError(
            _("%(value)s is in the future: an outcome is recorded once it has happened.")
            % {"value": value.isoformat()}
        )
    if value < encountered:
        raise FieldRuleError(
            _("%(value)s is before the hit (%(hit)s).")
            % {"value": value.isoformat(), "hit": encountered.isoformat()}
        )
    return value


def score(value: float) -> float:
    """A match score, from 0 (no likeness) to 1 (the same)."""
    if not 0.0 <= value <= 1.0:
        raise FieldRuleError(
            _("%(value)s is not a score: a score lies between 0 and 1.") % {"value": value}
        )
    return value


# Django: model and form field validators (module-level, so migrations can name them).


def _django(rule: Callable[[str], str], value: str) -> None:
    try:
        rule(value)
    except FieldRuleError as error:
        raise ValidationError(str(error), code="invalid") from None


def validate_line(value: str) -> None:
    _django(line, value)


def validate_text(value: str) -> None:
    _django(text, value)


def validate_name(value: str) -> None:
    _django(name, value)


def validate_purpose(value: str) -> None:
    _django(purpose, value)


def validate_country(value: str) -> None:
    _django(country, value)


def validate_birth_date(value: str) -> None:
    _django(birth_date, value)


def _django_value[T](rule: Callable[[T], T], value: T) -> None:
    # Not code="invalid": a date field would put its own "Enter a valid date" instead.
    try:
        rule(value)
    except FieldRuleError as error:
        raise ValidationError(str(error), code="out_of_range") from None


def validate_review_date(value: date) -> None:
    _django_value(review_date, value)


def validate_encountered_on(value: datetime) -> None:
    _django_value(encountered_on, value)


def validate_score(value: float) -> None:
    _django_value(score, value)


# Pydantic: field types for API schemas and envelope bodies. The pattern documents the
# shape in the OpenAPI document; the rule decides.

Line = Annotated[str, AfterValidator(line)]
Text = Annotated[str, AfterValidator(text)]
Name = Annotated[str, AfterValidator(name)]
Identifier = Annotated[str, AfterValidator(identifier)]
Purpose = Annotated[str, AfterValidator(purpose)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$"), AfterValidator(country)]
DateOfBirth = Annotated[
    str, Field(pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"), AfterValidator(birth_date)
]


Score = Annotated[float, AfterValidator(score)]


def optional_country(value: str) -> str:
    return country(value) if value else value


def optional_birth_date(value: str) -> str:
    return birth_date(value) if value else value


OptionalCountry = Annotated[str, Field(pattern=r"^([A-Z]{2})?$"), AfterValidator(optional_country)]
OptionalDateOfBirth = Annotated[
    str,
    Field(pattern=r"^([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)?$"),
    AfterValidator(optional_birth_date),
]

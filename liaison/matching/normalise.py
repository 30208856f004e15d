# ruff: noqa: RUF001 -- Arabic letters are data here, not look-alikes of Latin ones.
"""Script-level clean-up shared by every path: Unicode forms, Arabic letter variants, tokens."""

from __future__ import annotations

import re
import unicodedata

# Harakat, tanween, shadda, sukun, Quranic marks and superscript alef carry no letters that
# a Latin spelling would show consistently, so they are removed (a shadda's doubling is
# collapsed on the Latin side anyway).
_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"

# Letter variants that are the same letter for matching purposes. Persian/Urdu code points
# for yeh, kaf and heh are visually identical to the Arabic ones and often typed instead.
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ٲ": "ا",
        "ٳ": "ا",
        "ة": "ه",
        "ۀ": "ه",
        "ھ": "ه",
        "ە": "ه",
        "ى": "ي",
        "ی": "ي",
        "ې": "ي",
        "ے": "ي",
        "ۍ": "ي",
        "ک": "ك",
        "ڪ": "ك",
    }
)

_ARABIC_RANGE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
# Separators inside names: hyphens, dots of initials, commas of "FAMILY, Given", slashes.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_.,;:/()\[\]\"«»]+")
# Apostrophe-like marks transcribe ayn/hamza ("Ma'rouf", "Abd al-Ra'uf"): they are dropped
# so the word stays whole.
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc\u02bb\u02be\u02bf`\u00b4]")


def normalise_arabic(text: str) -> str:
    """Fold Arabic-script variants: hamza seats on alef, ta marbuta, alef maqsura, tashkeel."""
    text = unicodedata.normalize("NFKC", text)
    text = _TASHKEEL.sub("", text).replace(_TATWEEL, "")
    return text.translate(_ARABIC_FOLD)


def strip_diacritics(text: str) -> str:
    """Remove Latin accents (é, ï, ç) and fold a few letters NFKD does not decompose."""
    # ç is a soft c (s) whatever vowel follows: Fayçal, Françoise.
    decomposed = unicodedata.normalize("NFKD", text.replace("ç", "s").replace("Ç", "S"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.translate(_LATIN_FOLD)


_LATIN_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "œ": "oe", "ə": "a", "ı": "i", "đ": "d"}
)


def is_arabic(text: str) -> bool:
    """True when the text is written mostly in Arabic script."""
    arabic = len(_ARABIC_RANGE.findall(text))
    return arabic > 0 and arabic >= len(_LATIN_LETTER.findall(text))


def tokens(text: str) -> list[str]:
    """Split a name into lower-case word tokens; apostrophes join, separators split."""
    text = _APOSTROPHES.sub("", text)
    return [t for t in _SEPARATORS.split(text.lower()) if t]

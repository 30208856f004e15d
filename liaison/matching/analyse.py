# ruff: noqa: RUF001 -- Arabic letters are data here, not look-alikes of Latin ones.
"""Turn a name string (any script) into comparable parts, once per distinct string."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from liaison.matching import arabic, latin, particles
from liaison.matching.normalise import is_arabic, normalise_arabic, strip_diacritics, tokens
from liaison.matching.skeleton import coarse, collapse

TokenKind = Literal["name", "particle", "initial"]


@dataclass(frozen=True, slots=True)
class Token:
    """One name part: display text, skeleton keys and its role in the name.

    ``keys`` are equally good readings of the part; ``loose`` are readings that need a
    guess about the spelling (a glued article or particle, ta marbuta read as t), which
    count a little less when they are the ones that match.
    """

    text: str
    keys: tuple[str, ...]
    kind: TokenKind
    lead: str
    loose: tuple[str, ...] = ()
    near: str = ""
    nears: tuple[str, ...] = ()
    # Written vowels between the skeleton's consonants (``latin.vowels``/``arabic.vowels``),
    # for single words only: they tell apart names that share a skeleton.
    vowels: tuple[str, ...] = ()
    # How the word ends after its last consonant, which skeletons drop (``ending``):
    # "wi" (Alaoui, العلوي), "i" (Idrissi, الإدريسي, Rossi), "" (Idriss, Rousseau), or
    # "?" when the writing cannot tell (ليلى and ليلي are written alike once normalised).
    ending: str = "?"

    def __post_init__(self) -> None:
        # Folded keys are computed once here rather than on every comparison or lookup.
        object.__setattr__(self, "near", coarse(self.keys[0]))
        folded = (coarse(k) for k in self.keys + self.loose)
        object.__setattr__(self, "nears", tuple(dict.fromkeys(folded)))


@dataclass(frozen=True, slots=True)
class AnalysedName:
    """A name broken into parts, plus whole-name keys for split/joined spellings."""

    raw: str
    script: Literal["ar", "lat"]
    parts: tuple[Token, ...]
    names: tuple[Token, ...]
    joined: tuple[str, ...]
    # Titles and honorifics (Sheikh, Haji, Dr...) left out of the comparison, as written.
    titles: tuple[str, ...] = ()


def _fill(keys: tuple[str, ...]) -> tuple[str, ...]:
    # A word of vowels only (Aya, ايه) still needs a non-empty key to compare.
    return tuple(k or "a" for k in keys)


def _distinct(keys: tuple[str, ...], exclude: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in _fill(keys) if k not in exclude))


def _token(
    text: str, keys: tuple[str, ...], lead: str, loose: tuple[str, ...] = (), prefix: str = ""
) -> Token:
    if prefix:
        keys = tuple(collapse(prefix + k) for k in keys)
        loose = tuple(collapse(prefix + k) for k in loose)
    keys = tuple(dict.fromkeys(_fill(keys)))
    return Token(text, keys, "name", lead, _distinct(loose, keys))


def _suffixed(head: Token, tail_key: str, text: str, construct: bool = False) -> Token:
    # In "Hibat Allah" the ta marbuta of the head is pronounced (and written) as t.
    heads = head.keys + head.loose
    keys = tuple(collapse(k + tail_key) for k in head.keys)
    extra = tuple(collapse(k + "t" + tail_key) for k in heads) if construct else ()
    loose = tuple(collapse(k + tail_key) for k in head.loose) + extra
    return Token(f"{head.text} {text}", keys, "name", head.lead, _distinct(loose, keys))


# Latin words that begin with a glued article or particle (Elyousfi, Lmalki, Benhamouda,
# Bouhadja, Ouldali, Aitahmed): the bare rest is a loose reading. A glued "l" is not
# read before an e (Lmalki, Lamrani, Louafi are L'..., Lefèvre and Leroy are not).
_LATIN_GLUED = re.compile(
    r"^(?:[ae]l(?=...)|l(?=[^e]..)|ben(?=..)|bou(?=...)|ould(?=..)|ait(?=...))"
)


@lru_cache(maxsize=200_000)
def _latin_word(word: str) -> Token:
    if len(word) == 1:
        return Token(word, (latin.lead(word),), "initial", latin.lead(word))
    if word in particles.LATIN_ABBREVIATIONS:
        full = particles.LATIN_ABBREVIATIONS[word]
        return _token(word, latin.keys(full), latin.lead(full))
    glued_abd = particles.LATIN_ABD_GLUED.match(word)
    if glued_abd and len(word) > glued_abd.end() + 1:
        return _token(word, latin.keys(word[glued_abd.end() :]), "a", prefix="bd")
    glued = _LATIN_GLUED.match(word)
    loose = latin.keys(word[glued.end() :]) if glued else ()
    token = _token(word, latin.keys(word), latin.lead(word), loose)
    return replace(token, vowels=latin.vowels(word), ending=_latin_ending(word))


# Alaoui, Alawi, Mahdavi; Idrissi, Tazi, Fethy, Chergui (gu is a hard g), Dmitriy; a
# vowel before the last i (Rebai for الرباعي, Marie, Rafie) may write an ain or a hamza.
_LATIN_WI = re.compile(r"(?:ou|w|v)[iy]$")
_LATIN_I = re.compile(r"(?:[^aeiouy]|gu)(?:i|y|iy|ii)$")
_LATIN_UNSURE = re.compile(r"(?:[aeiouy][iy]|ie)$")


def _latin_ending(word: str) -> str:
    if len(word) > 3 and _LATIN_WI.search(word):
        return "wi"
    if _LATIN_I.search(word):
        return "i"
    return "?" if _LATIN_UNSURE.search(word) else ""


def _arabic_ending(word: str) -> str:
    """A final yeh is the nisba (الإدريسي, العلوي) on a word with the article; without
    it, the normalised yeh may be an alef maqsura (ليلى, موسى, Leila, Moussa)."""
    article = word.startswith(particles.ARABIC_ARTICLE) and len(word) > 3
    if word.endswith(_ARABIC_UNSURE):  # an ain, hamza or ta marbuta ends it: Latin varies
        return "?"
    if not word.endswith("ي"):
        return ""
    if word.endswith("وي") and (article or len(word) >= 5):
        return "wi"
    return "i" if article and word[-2] not in _ARABIC_BEFORE_UNSURE else "?"


# Final letters whose Latin writing varies (Moubdi for مبدع, Audi for عوده), and letters
# before a final yeh that Latin writes as a vowel (Rebai for الرباعي, Tai for الطائي).
_ARABIC_UNSURE = ("ع", "ء", "ه", "ة")
_ARABIC_BEFORE_UNSURE = "اويعئء"


_NOT_ASCII_LETTER = re.compile("[^a-z]")


@lru_cache(maxsize=200_000)
def _ascii_word(word: str) -> str:
    return _NOT_ASCII_LETTER.sub("", strip_diacritics(word))


def _is_capitals(word: str) -> bool:
    return word.isupper() and sum(map(str.isalpha, word)) >= 2


def given_first(text: str) -> str:
    """Put the given names first: "FAMILY, Given" and "FAMILY Given" with the family name
    in capitals are read as "Given FAMILY" (the order matters for relatives, below)."""
    if "," in text:
        family, _, given = text.partition(",")
        if family.strip() and given.strip():
            return f"{given.strip()} {family.strip()}"
    words = text.split()
    if not words or not _is_capitals(words[0]):
        return text
    caps = 0
    while caps < len(words) and _is_capitals(words[caps]):
        caps += 1
    if 0 < caps < len(words) and not any(_is_capitals(w) for w in words[caps:]):
        return " ".join(words[caps:] + words[:caps])
    return text


def _drop_titles(words: list[str], titles: frozenset[str]) -> tuple[list[str], list[str]]:
    # Only leading titles, and never the whole name (Imam alone is a name).
    if not words or words[0] not in titles:
        return [], words
    n = 0
    while n < len(words) - 1 and words[n] in titles:
        n += 1
    return words[:n], words[n:]


def _glue_french(words: list[str]) -> list[str]:
    # Du Pont -> dupont, De La Tour -> delatour, De Gaulle -> degaulle; an article starts a
    # name only as De/Du/Des (Le Van Thanh is Vietnamese), and a particle at the end stays.
    if particles.FRENCH_PARTICLES.isdisjoint(words):
        return words
    out: list[str] = []
    pending = ""
    for i, word in enumerate(words):
        opens = i > 0 or word in particles.FRENCH_OPENING
        if opens and i < len(words) - 1 and word in particles.FRENCH_PARTICLES:
            pending += word
        else:
            out.append(pending + word)
            pending = ""
    return out


def _latin_words(text: str) -> tuple[list[str], list[str]]:
    words = [w for w in (_ascii_word(w) for w in tokens(given_first(text))) if w]
    titles, words = _drop_titles(words, particles.LATIN_TITLES)
    return titles, _glue_french(words)


def _latin_parts(words: list[str]) -> list[Token]:
    out: list[Token] = []
    abd_pending: str | None = None
    for word in words:
        if word in particles.LATIN_ARTICLES:
            continue
        if abd_pending is not None and word not in particles.LATIN_KIN:
            out.append(_token(f"{abd_pending} {word}", latin.keys(word), "a", prefix="bd"))
            abd_pending = None
        elif particles.LATIN_ABD_HEAD.match(word):
            abd_pending = word
        elif word in particles.LATIN_KIN:
            out.append(Token(word, (particles.LATIN_KIN[word],), "particle", "?"))
        elif word.startswith("ab") and (abu := particles.LATIN_ABU_GLUED.match(word)):
            out.append(Token(abu.group(), ("b",), "particle", "?"))
            out.append(_latin_word(word[abu.end() :]))
        elif out and out[-1].kind == "name" and word in particles.LATIN_DIN_TAIL:
            out[-1] = _suffixed(out[-1], "dn", word)
        elif out and out[-1].kind == "name" and word in particles.LATIN_ALLAH_TAIL:
            out[-1] = _suffixed(out[-1], "l", word)
        else:
            out.append(_latin_word(word))
    if abd_pending is not None:
        out.append(_token(abd_pending, ("bd",), "a"))
    return out


def _strip_article(word: str) -> str:
    art = particles.ARABIC_ARTICLE
    return word[2:] if word.startswith(art) and len(word) > 3 else word


def _arabic_token(text: str, bare: str, prefix: str = "") -> Token:
    # The article may be part of the name itself (الياس Ilyas, الهام Ilham) or written
    # glued in Latin (Lmalki), and a final ta marbuta is often spelt -et (Hayet, Izzet).
    loose: tuple[str, ...] = ()
    if bare != text and not prefix:
        loose += arabic.keys(text)
    if bare.endswith("ه") and len(bare) > 2:
        loose += tuple(k + "t" for k in arabic.keys(bare[:-1]))
    lead = "a" if prefix else arabic.lead(bare)
    token = _token(text, arabic.keys(bare), lead, loose, prefix)
    if prefix:
        return token
    return replace(token, vowels=arabic.vowels(bare), ending=_arabic_ending(text))


@lru_cache(maxsize=200_000)
def _arabic_word(word: str) -> Token:
    abd = particles.ARABIC_ABD + particles.ARABIC_ARTICLE
    if word.startswith(abd) and len(word) > len(abd) + 1:
        return _arabic_token(word, word[len(abd) :], prefix="bd")
    return _arabic_token(word, _strip_article(word))


def _arabic_words(text: str) -> tuple[list[str], list[str]]:
    return _drop_titles(tokens(normalise_arabic(text)), particles.ARABIC_TITLES)


def _arabic_parts(words: list[str]) -> list[Token]:
    out: list[Token] = []
    abd_pending = False
    for word in words:
        if word == particles.ARABIC_ARTICLE:
            continue
        if abd_pending:
            out.append(_arabic_token(f"عبد {word}", _strip_article(word), prefix="bd"))
            abd_pending = False
        elif word == particles.ARABIC_ABD:
            abd_pending = True
        elif word in particles.ARABIC_KIN:
            out.append(Token(word, (particles.ARABIC_KIN[word],), "particle", "?"))
        elif out and out[-1].kind == "name" and word in particles.ARABIC_TAILS:
            tail = "dn" if "دين" in word else "l"
            construct = out[-1].text.endswith("ه")
            out[-1] = _suffixed(out[-1], tail, word, construct)
        else:
            out.append(_arabic_word(word))
    if abd_pending:
        out.append(_token(particles.ARABIC_ABD, ("bd",), "a"))
    return out


def _joined(parts: list[Token]) -> tuple[str, ...]:
    # Whole-name keys catch one spelling's single word against another's two (Bennaceur /
    # Ben Naceur, Hassanali / Hassan Ali). Alternate keys are joined together.
    primary = collapse("".join(t.keys[0] for t in parts if t.kind != "initial"))
    alternate = collapse("".join(t.keys[-1] for t in parts if t.kind != "initial"))
    return (primary,) if alternate == primary else (primary, alternate)


@lru_cache(maxsize=500_000)
def analyse(name: str) -> AnalysedName:
    """Analyse a name once; cached because screening compares each name many times."""
    script: Literal["ar", "lat"] = "ar" if is_arabic(name) else "lat"
    if script == "ar":
        titles, words = _arabic_words(name)
        parts = _arabic_parts(words)
    else:
        titles, words = _latin_words(name)
        parts = _latin_parts(words)
    if "\u0649" in name:  # alef maqsura, yeh once normalised: الهدى is Houda, not -i
        maqsura = {normalise_arabic(w) for w in name.split() if w.endswith("\u0649")}
        parts = [replace(t, ending="?") if t.text in maqsura else t for t in parts]
    names = tuple(t for t in parts if t.kind != "particle")
    return AnalysedName(name, script, tuple(parts), names, _joined(parts), tuple(titles))

"""Turn a name string (any script) into comparable parts, once per distinct string."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from liaison.matching import arabic, latin, particles
from liaison.matching.arabic import collapse
from liaison.matching.normalise import is_arabic, normalise_arabic, strip_diacritics, tokens

TokenKind = Literal["name", "particle", "initial"]


@dataclass(frozen=True, slots=True)
class Token:
    """One name part: its display text, its skeleton keys and its role in the name."""

    text: str
    keys: tuple[str, ...]
    kind: TokenKind
    lead: str


@dataclass(frozen=True, slots=True)
class AnalysedName:
    """A name broken into parts, plus whole-name keys for split/joined spellings."""

    raw: str
    script: Literal["ar", "lat"]
    parts: tuple[Token, ...]
    names: tuple[Token, ...]
    joined: tuple[str, ...]


def _name(text: str, keys: tuple[str, ...], lead: str) -> Token:
    # A word of vowels only (Aya, ايه) still needs a non-empty key to compare.
    return Token(text, tuple(k or "a" for k in keys), "name", lead)


def _prefixed(prefix: str, token: Token) -> Token:
    keys = tuple(collapse(prefix + k) for k in token.keys)
    return Token(token.text, keys, "name", token.lead)


def _suffixed(head: Token, tail_key: str, text: str) -> Token:
    keys = tuple(collapse(k + tail_key) for k in head.keys)
    return Token(f"{head.text} {text}", keys, "name", head.lead)


def _latin_word(word: str) -> Token:
    if len(word) == 1:
        return Token(word, (latin.lead(word),), "initial", latin.lead(word))
    glued = particles.LATIN_ABD_GLUED.match(word)
    if glued and len(word) > glued.end() + 1 and not particles.LATIN_ABD_HEAD.match(word):
        rest = word[glued.end() :]
        return _prefixed("bd", Token(word, latin.keys(rest), "name", "a"))
    return _name(word, latin.keys(word), latin.lead(word))


def _latin_parts(text: str) -> list[Token]:
    words = [strip_diacritics(w) for w in tokens(text)]
    words = ["".join(ch for ch in w if "a" <= ch <= "z") for w in words]
    out: list[Token] = []
    abd_pending: str | None = None
    for word in filter(None, words):
        if word in particles.LATIN_ARTICLES:
            continue
        if abd_pending is not None and word not in particles.LATIN_KIN:
            head = f"{abd_pending} {word}"
            out.append(_prefixed("bd", Token(head, latin.keys(word), "name", "a")))
            abd_pending = None
        elif particles.LATIN_ABD_HEAD.match(word):
            abd_pending = word
        elif word in particles.LATIN_KIN:
            out.append(Token(word, (particles.LATIN_KIN[word],), "particle", "?"))
        elif out and out[-1].kind == "name" and word in particles.LATIN_DIN_TAIL:
            out[-1] = _suffixed(out[-1], "dn", word)
        elif out and out[-1].kind == "name" and word in particles.LATIN_ALLAH_TAIL:
            out[-1] = _suffixed(out[-1], "l", word)
        else:
            out.append(_latin_word(word))
    if abd_pending is not None:
        out.append(_name(abd_pending, ("bd",), "a"))
    return out


def _strip_article(word: str) -> str:
    art = particles.ARABIC_ARTICLE
    return word[2:] if word.startswith(art) and len(word) > 3 else word


def _arabic_word(word: str) -> Token:
    abd = particles.ARABIC_ABD + particles.ARABIC_ARTICLE
    if word.startswith(abd) and len(word) > len(abd) + 1:
        rest = word[len(abd) :]
        return _prefixed("bd", Token(word, arabic.keys(rest), "name", "a"))
    bare = _strip_article(word)
    return _name(word, arabic.keys(bare), arabic.lead(bare))


def _arabic_parts(text: str) -> list[Token]:
    out: list[Token] = []
    abd_pending = False
    for word in tokens(normalise_arabic(text)):
        if word == particles.ARABIC_ARTICLE:
            continue
        bare = _strip_article(word)
        if abd_pending:
            out.append(_prefixed("bd", Token(f"عبد {word}", arabic.keys(bare), "name", "a")))
            abd_pending = False
        elif word == particles.ARABIC_ABD:
            abd_pending = True
        elif word in particles.ARABIC_KIN:
            out.append(Token(word, (particles.ARABIC_KIN[word],), "particle", "?"))
        elif out and out[-1].kind == "name" and word in particles.ARABIC_TAILS:
            out[-1] = _suffixed(out[-1], "dn" if "دين" in word else "l", word)
        else:
            out.append(_arabic_word(word))
    if abd_pending:
        out.append(_name(particles.ARABIC_ABD, ("bd",), "a"))
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
    parts = _arabic_parts(name) if script == "ar" else _latin_parts(name)
    names = tuple(t for t in parts if t.kind != "particle")
    return AnalysedName(name, script, tuple(parts), names, _joined(parts))

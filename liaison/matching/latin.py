"""Latin spellings (French, English, Persian-English conventions) to consonant skeleton keys.

Digraphs are read first (sh/ch/sch -> S, kh -> x, gh -> k, dj -> j, dh -> d, th -> t, ou -> U),
then vowels are dropped and doubled letters collapsed, so Mohamed/Muhammad/Mohammed all give
"mhmd" and Youssef/Yusuf/Youcef give "ysf". Some spellings stand for two sounds: a bare g
(Gamal for جمال, Gomri for القمري), dh (ذ ض ظ, written z in Persian and Egyptian usage: Kadhimi
and Kazimi) and th (ث, written s: Uthman and Usman). Words with one get a second key.
"""

from __future__ import annotations

import re

from liaison.matching.skeleton import collapse

_SYMBOLS = re.compile(
    r"sch|tch|sh|ch|zh|kh|gh|dj|dh|th|ph|ck|gu(?=[eiy])|ou|oo|ee|c(?=[eiy])|[a-z]",
)
_DIGRAPH = {
    "sch": "S",
    "tch": "S",
    "sh": "S",
    "ch": "S",
    "zh": "j",
    "kh": "x",
    "gh": "k",
    "dj": "j",
    "dh": "D",
    "th": "T",
    "ph": "f",
    "ck": "k",
    "gu": "k",
    "ou": "U",
    "oo": "U",
    "ee": "i",
    "c": "k",
    "q": "k",
    "p": "b",
    "x": "ks",
    "g": "G",
    "y": "Y",
    "w": "W",
    "v": "W",
}
_VOWEL = frozenset("aeiouUWY")
# Ambiguous symbols: first reading (the Arabic-convention one), second reading.
_READINGS = (str.maketrans("GDT", "kdt"), str.maketrans("GDT", "jzs"))


def _symbols(word: str) -> list[str]:
    out: list[str] = []
    for m in _SYMBOLS.finditer(word):
        tok = m.group()
        if tok == "c" and m.end() < len(word) and word[m.end()] in "eiy":
            out.append("s")  # French soft c: Hocine, Youcef
        else:
            out.append(_DIGRAPH.get(tok, tok))
    return out


def _consonants(symbols: list[str], final_h: bool = False) -> str:
    out: list[str] = []
    last = len(symbols) - 1
    for i, s in enumerate(symbols):
        next_is_vowel = i < last and symbols[i + 1][0] in "aeiouUY"
        if i == 0 and s in "UW" and next_is_vowel:
            out.append("w")  # Ouahbi/Wahbi, Ouardi/Wardi, Vahid
        elif i == 0 and s == "Y" and next_is_vowel:
            out.append("y")
        elif s == "h" and i == last and i > 0 and symbols[i - 1] in _VOWEL and not final_h:
            continue  # final h after a vowel: Fatimah/Fatima, Abdallah/Abdalla
        elif s in _VOWEL:
            continue
        else:
            out.append(s)
    return "".join(out)


def keys(word: str) -> tuple[str, ...]:
    """Skeleton keys of one lower-case ASCII word; the first is the Arabic-convention one."""
    symbols = _symbols(word)
    skeletons = [_consonants(symbols)]
    if len(symbols) > 2 and symbols[-1] == "h":
        skeletons.append(_consonants(symbols, final_h=True))  # Salah / Salahuddin
    keys = (collapse(s.translate(r)) for r in _READINGS for s in skeletons)
    return tuple(dict.fromkeys(keys))


def lead(word: str) -> str:
    """First-sound class, for matching initials against full words."""
    first = _symbols(word)[0]
    if first in "aeiouU":
        return "a"
    return {"G": "k", "Y": "y", "W": "w", "D": "d", "T": "t"}.get(first, first[0])


_VOWEL_LETTER = {"a": "a", "e": "e", "i": "i", "Y": "i", "o": "o", "u": "u", "U": "u", "W": "u"}


def _vowel_letters(gap: list[str]) -> str:
    # The vowels written between two consonants, as a set of letters (ee as i, ou/w as u);
    # "-" when there is none.
    return "".join(sorted({_VOWEL_LETTER[s] for s in gap if s in _VOWEL_LETTER})) or "-"


def vowels(word: str) -> tuple[str, ...]:
    """The vowels written between each two consonants of the skeleton, per gap.

    Consonant skeletons cannot tell Mohamed (o-a-e) from Mahmoud (a-none-ou), or Hussein
    (u-ei) from Hassan (a-a); the vowels written between the consonants can. Doubled
    consonants count once, as in the key.
    """
    symbols = _symbols(word)
    out: list[str] = []
    gap: list[str] = []
    last_consonant = ""
    seen = False
    for i, s in enumerate(symbols):
        is_vowel = s in _VOWEL and not (
            i == 0 and s in "UWY" and len(symbols) > 1 and symbols[1][0] in "aeiouUY"
        )
        if is_vowel or (s == "h" and i == len(symbols) - 1 and i > 0):
            gap.append(s)
            continue
        if seen and not (s == last_consonant and not gap):
            out.append(_vowel_letters(gap))
        seen, last_consonant, gap = True, s, []
    return ("lat", *out)

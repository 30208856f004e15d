# ruff: noqa: RUF001 -- Arabic letters are data here, not look-alikes of Latin ones.
"""Arabic script to consonant skeleton keys that Latin spellings of the same name also reach.

Short vowels are not written in Arabic, so the shared ground between scripts is the consonant
skeleton. Each letter maps to the class of Latin spellings it produces (ش -> S for sh/ch,
ق/ك/غ -> k for q/k/g/gh...). Letters that two reading traditions pronounce differently
(ث ذ ض ظ: Arabic th/dh/d/z, Persian/Turkish/Egyptian s/z) give a second key.
"""

from __future__ import annotations

from liaison.matching.skeleton import collapse

_COMMON = {
    "ب": "b",
    "پ": "b",
    "ت": "t",
    "ط": "t",
    "ٹ": "t",
    "ج": "j",
    "چ": "S",
    "ژ": "j",
    "ح": "h",
    "خ": "x",
    "د": "d",
    "ڈ": "d",
    "ر": "r",
    "ڑ": "r",
    "ز": "z",
    "س": "s",
    "ص": "s",
    "ش": "S",
    "غ": "k",
    "ف": "f",
    "ڤ": "f",
    "ق": "k",
    "ڨ": "k",
    "ك": "k",
    "گ": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ں": "n",
    "ه": "h",
}
# Letters read differently by Arabic and by Persian/Turkish/Egyptian convention.
_ARABIC_READING = {"ث": "t", "ذ": "d", "ض": "d", "ظ": "d"}
_OTHER_READING = {"ث": "s", "ذ": "z", "ض": "z", "ظ": "z"}
_AMBIGUOUS = frozenset(_ARABIC_READING)
# Weak letters (alef, waw, yeh as vowels), ayn and hamza have no stable Latin spelling.
_VOWELS = frozenset("اويءؤئع")


def _key(word: str, reading: dict[str, str], final_h: bool = False) -> str:
    out: list[str] = []
    last = len(word) - 1
    for i, ch in enumerate(word):
        if i == 0 and ch == "و":
            out.append("w")  # word-initial waw is a consonant: Walid, Ouahbi
        elif i == 0 and ch == "ي":
            out.append("y")  # likewise yeh: Youssef, Yahya
        elif i == last and ch in "هح" and not final_h:
            continue  # final ta marbuta/heh/hah: Fatima/Fatimah, Saleh/Sala both occur
        elif ch in _VOWELS:
            continue
        else:
            out.append(_COMMON.get(ch) or reading.get(ch, ""))
    return collapse("".join(out))


def keys(word: str) -> tuple[str, ...]:
    """Skeleton keys of one normalised Arabic word; the first is the Arabic reading."""
    keys = [_key(word, _ARABIC_READING)]
    if _AMBIGUOUS.intersection(word):
        keys.append(_key(word, _OTHER_READING))
    if len(word) > 2 and word[-1] in "هح":
        # Salahuddin keeps the h that Salah drops at the end of a word.
        keys.extend(_key(word, r, final_h=True) for r in (_ARABIC_READING, _OTHER_READING))
    return tuple(dict.fromkeys(keys))


def lead(word: str) -> str:
    """First-sound class, for matching initials against full words."""
    ch = word[0]
    if ch in "اعءؤئ":
        return "a"
    return _COMMON.get(ch) or _ARABIC_READING.get(ch) or {"و": "w", "ي": "y"}.get(ch, "?")


def vowels(word: str) -> tuple[str, ...]:
    """The long vowels written between each two consonants: "" none, else the letters'
    classes (a for alef, u for waw, i for yeh), as ``latin.vowels`` reads a Latin spelling.

    Arabic writes long vowels and leaves short ones out, so محمد (no letter) and محمود (waw
    before the last consonant) differ where their skeletons do not.
    """
    out: list[str] = []
    gap = ""
    last = len(word) - 1
    last_class = ""
    seen = False
    for i, ch in enumerate(word):
        consonant = (i == 0 and ch in "وي") or (
            ch not in _VOWELS and not (i == last and ch in "هح")
        )
        if not consonant:
            gap += {"ا": "a", "و": "u", "ي": "i"}.get(ch, "")
            continue
        cls = _COMMON.get(ch) or _ARABIC_READING.get(ch, "") or ch
        if seen and not (cls == last_class and not gap):
            out.append("".join(sorted(set(gap))))
        seen, last_class, gap = True, cls, ""
    return ("ar", *out)

# ruff: noqa: RUF001 -- Arabic letters, typographic apostrophes and dashes are data here.
"""Names known in advance, found in a report's text in Latin or Arabic script: places
(data/places.tsv: Moroccan and French cities and regions, ports, border posts, airports,
the stadiums of AFCON 2025 and the 2030 World Cup) and organisations known by name
(data/organisations.tsv). Plain Python (no Django), nothing fetched at run time.

How a name is found, so that every match can be explained by its alias:
- the text and the aliases are cut into words (spaces, hyphens and apostrophes part
  them); a match is a run of words equal to an alias's, the longest alias winning
  ("Grand Stade de Marrakech" over "Marrakech");
- Latin words are compared without accents and case ("Fes" is "Fès"), but a word the alias
  writes with a capital must be written with one ("Paris", never "paris");
- Arabic words are compared without short vowels, tatweel, and with the alef, yaa and
  taa marbuta forms folded; an alias's first word may carry a one-letter proclitic
  (و ف ب ل ك: "بطنجة" is "in Tangier", "للرباط" "to Rabat"), except in the words listed
  in NOT_PROCLITIC, which are other words ("بنيس" is the family name Bennis, not "in Nice").
- Precision first: aliases that are also common words or common person names are not in
  the data (its header lists them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
_WORD = re.compile(r"[^\W_]+")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_HARAKAT = re.compile(r"[\u064b-\u0652\u0670\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
PROCLITICS = ("وب", "ول", "فب", "فل", "وك", "و", "ف", "ب", "ل", "ك")
# Words that begin with a proclitic's letter followed by a place's name but are other words.
NOT_PROCLITIC = frozenset({"بنيس", "بليون", "لليون", "كسلا", "وسلا"})


@dataclass(frozen=True, slots=True)
class Entry:
    """A name of the gazetteer: `name` is what is stored; `kind` the place's kind or the
    organisation's FollowTheMoney schema; `country` a place's ISO code ("" otherwise)."""

    name: str
    kind: str
    country: str


@dataclass(frozen=True, slots=True)
class Found:
    entry: Entry
    alias: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Word:
    key: str
    capital: bool
    arabic: bool
    start: int
    end: int


def fold(word: str) -> str:
    """A word as compared: Latin without accents and case, Arabic without short vowels."""
    if _ARABIC.search(word):
        return _HARAKAT.sub("", word).translate(_ARABIC_FOLD)
    plain = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[_Word]:
    return [
        _Word(fold(m.group()), m.group()[0].isupper(), bool(_ARABIC.match(m.group())), *m.span())
        for m in _WORD.finditer(text)
    ]


@dataclass(frozen=True, slots=True)
class _Alias:
    keys: tuple[str, ...]
    capitals: tuple[bool, ...]
    text: str
    entry: Entry


class Gazetteer:
    """Aliases indexed by their first word; `find` reads a text."""

    def __init__(self, entries: list[tuple[Entry, list[str]]]) -> None:
        self.by_first: dict[str, list[_Alias]] = {}
        self.entries: dict[str, Entry] = {}
        self.by_alias: dict[tuple[str, ...], Entry] = {}
        for entry, aliases in entries:
            self.entries[entry.name] = entry
            for alias in aliases:
                cut = words(alias)
                item = _Alias(
                    tuple(w.key for w in cut), tuple(w.capital for w in cut), alias, entry
                )
                self.by_first.setdefault(item.keys[0], []).append(item)
                self.by_alias[item.keys] = entry
        for items in self.by_first.values():
            items.sort(key=lambda a: -len(a.keys))  # the longest alias first

    def lookup(self, name: str) -> Entry | None:
        """The entry one of whose aliases is `name` (case and accents aside)."""
        return self.by_alias.get(tuple(w.key for w in words(name)))

    def find(self, text: str) -> list[Found]:
        cut = words(text)
        found: list[Found] = []
        i = 0
        while i < len(cut):
            match = self._match_at(text, cut, i)
            if match is None:
                i += 1
                continue
            length, alias = match
            found.append(Found(alias.entry, alias.text, cut[i].start, cut[i + length - 1].end))
            i += length
        return found

    def _match_at(self, text: str, cut: list[_Word], i: int) -> tuple[int, _Alias] | None:
        for first in _first_keys(cut[i]):
            for alias in self.by_first.get(first, []):
                if _fits(text, cut, i, alias):
                    return len(alias.keys), alias
        return None


def _first_keys(word: _Word) -> list[str]:
    """The word as written, then without a proclitic (Arabic only)."""
    keys = [word.key]
    if word.arabic and word.key not in NOT_PROCLITIC:
        for p in PROCLITICS:
            rest = word.key[len(p) :]
            if word.key.startswith(p) and len(rest) >= 3:
                keys.append(rest)
                if rest.startswith("ل"):  # ل + ال is written لل: "للرباط"
                    keys.append("ا" + rest)
    return keys


def _fits(text: str, cut: list[_Word], i: int, alias: _Alias) -> bool:
    n = len(alias.keys)
    if i + n > len(cut):
        return False
    run = cut[i : i + n]
    for k, (word, key, capital) in enumerate(zip(run, alias.keys, alias.capitals, strict=True)):
        if k > 0 and word.key != key:
            return False
        if capital and not word.arabic and not word.capital:
            return False
        # Words of one name are parted by a space, a hyphen or an apostrophe only.
        if k > 0 and not re.fullmatch(r"[\s\-'’]{1,3}", text[run[k - 1].end : word.start]):
            return False
    return True


def _read(name: str) -> list[list[str]]:
    rows = (DATA / name).read_text(encoding="utf-8").splitlines()
    lines = [r for r in rows if r.strip() and not r.startswith("#")]
    return [r.split("\t") for r in lines[1:]]  # the first is the header


@cache
def places() -> Gazetteer:
    return Gazetteer(
        [
            (Entry(n, kind, country), aliases.split("|"))
            for n, kind, country, aliases in _read("places.tsv")
        ]
    )


@cache
def organisations() -> Gazetteer:
    return Gazetteer(
        [
            (Entry(n, schema, ""), aliases.split("|"))
            for n, schema, aliases in _read("organisations.tsv")
        ]
    )

"""Persons named in free text: which stretches of a report's words name a candidate.

Pure Python, like the rest of the engine. The text is cut into words (Arabic or Latin
script) and blocks (a sentence mark, a line break, a digit or a change of script ends a
name); each word and each run of two or three words gets the skeleton keys the registry
indexes names by (``name_keys``, the same keys as ``NameKey``), so "Abd el Latif" or
"Ben Naceur" are found as one part. For each candidate, the runs of words that share its
keys are read as spans of one to six words, and each span is scored against the
candidate by ``lookup`` (the registry search's rule): a span is a mention when lookup
accepts it as the candidate's *full* name (first and last parts present). A family name
alone, or a given name alone, is not a mention: too many persons share one.

In Latin script a name is capitalised; a lower-case word other than an article or a
kinship particle ("ben", "el", "ould") ends a span. Arabic script has no capitals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from liaison.matching.analyse import analyse
from liaison.matching.lookup import Lookup, PartMatch, lookup
from liaison.matching.normalise import is_arabic, normalise_arabic
from liaison.matching.types import Identity

MAX_SPAN = 6  # words in one mention: given names, particles, family names
MAX_RUN = 3  # words read together for their keys (Abd el Latif, Ould Sidi Mohamed)
KEY_LENGTH = 64  # NameKey.key's length
CONJUNCTION = "\u0648"  # و, written glued to the next word

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\u02bc\-][^\W\d_]+)*")
_BREAK = re.compile(r"[.!?;:,()\[\]{}«»\"\n\u061f\u060c\u061b\d|/]")
# Lower-case words inside a name in Latin script: the Arabic article and the kinship
# particles (not the French "et", "en", "un", which the article list also holds).
_CONNECTORS = frozenset(
    [
        "al",
        "el",
        "ul",
        "ad",
        "ed",
        "ech",
        "ould",
        "ouled",
        "ait",
        "abd",
        "abdel",
        "abdul",
        "ben",
        "bin",
        "ibn",
        "bint",
        "bent",
        "abu",
        "abou",
        "bou",
        "aboul",
        "oum",
        "umm",
    ]
)


# Arabic words of grammar that are never part of a name (Arabic has no capitals to tell
# them apart): prepositions, conjunctions, demonstratives, relatives, common verbs of
# reporting. Grammar, like particles.py, not a list of names.
_FUNCTION_WORDS = (
    "في من إلى الى على عن مع بين قبل بعد حسب حول عند منذ خلال ضد دون لدى نحو"
    " و أو ثم أن إن لكن بل حتى كي لا لم لن ما هل قد وقد كل بعض غير"
    " هذا هذه ذلك تلك هؤلاء هو هي هم هما نحن أنا الذي التي الذين كان كانت يكون"
    " قال قالت أفاد أكد تم وفق كما أيضا فقط حيث"
)
_ARABIC_FUNCTION = frozenset(normalise_arabic(w) for w in _FUNCTION_WORDS.split())
# A mention scores at least this (lookup's search threshold: precision first).
MENTION_THRESHOLD = 0.86


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: int
    end: int
    block: int
    arabic: bool


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of the text that names a candidate, with the lookup that says so."""

    id: str
    text: str
    start: int
    end: int
    found: Lookup


def name_keys(name: str) -> frozenset[str]:
    """The skeleton keys of every part of a name, as the registry indexes them (NameKey):
    the same for محمد, Mohamed and Muhammad."""
    return _name_keys(name)


@lru_cache(maxsize=200_000)
def _name_keys(name: str) -> frozenset[str]:
    analysed = analyse(name)
    keys: set[str] = set()
    for token in analysed.names:
        keys.update(token.keys)
        keys.update(token.loose)
    keys.update(analysed.joined)
    return frozenset(key[:KEY_LENGTH] for key in keys if key)


def words(text: str) -> list[Word]:
    """The text's words with their offsets, numbered by block (a name never crosses one)."""
    found: list[Word] = []
    block = 0
    last_end = 0
    for match in _WORD.finditer(text):
        arabic = is_arabic(match.group())
        gap = text[last_end : match.start()]
        if found and (_BREAK.search(gap) or found[-1].arabic != arabic):
            block += 1
        found.append(Word(match.group(), match.start(), match.end(), block, arabic))
        last_end = match.end()
    return found


def _may_name(word: Word) -> bool:
    if word.arabic:
        return normalise_arabic(word.text) not in _ARABIC_FUNCTION
    if word.text.lower() in _CONNECTORS:
        return True
    # A capitalised Latin word of three letters or more ("Il", "Le" start sentences).
    return word.text[:1].isupper() and len(word.text) > 2


def name_words(text: str) -> list[Word]:
    """The words that may be part of a name; a word that may not ends the block it is in,
    so the words on either side of it are never read as one name."""
    kept: list[Word] = []
    block = 0
    last = -1
    for word in words(text):
        if not _may_name(word):
            block += 1
            continue
        if word.block != last:
            block += 1
            last = word.block
        kept.append(Word(word.text, word.start, word.end, block, word.arabic))
    return kept


def _conjoined(word: Word) -> bool:
    """An Arabic word that may carry the conjunction و ("and") glued to a name: ويوسف."""
    return word.arabic and word.text.startswith(CONJUNCTION) and len(word.text) > 3


def word_keys(found: Sequence[Word]) -> list[frozenset[str]]:
    """Per word, the keys of the word and of the runs of up to MAX_RUN words it is in."""
    keys: list[set[str]] = [set() for _ in found]
    for i in range(len(found)):
        for n in range(1, MAX_RUN + 1):
            run = found[i : i + n]
            if len(run) < n or run[-1].block != run[0].block:
                break
            run_keys = _name_keys(" ".join(w.text for w in run))
            if _conjoined(run[0]):
                run_keys |= _name_keys(" ".join([run[0].text[1:], *(w.text for w in run[1:])]))
            for j in range(i, i + n):
                keys[j].update(run_keys)
    return [frozenset(k) for k in keys]


def text_keys(text: str) -> frozenset[str]:
    """Every key the text's words and runs of words have: what to look candidates up by."""
    return frozenset(KeyedText.of(text).where)


@dataclass(frozen=True, slots=True)
class KeyedText:
    """A text read once for every candidate: its name words, and where each key is."""

    text: str
    words: tuple[Word, ...]
    where: dict[str, tuple[int, ...]]

    @classmethod
    def of(cls, text: str) -> KeyedText:
        found = name_words(text)
        where: dict[str, list[int]] = {}
        for i, keys in enumerate(word_keys(found)):
            for key in keys:
                where.setdefault(key, []).append(i)
        return cls(text, tuple(found), {k: tuple(v) for k, v in where.items()})

    def hits(self, keys: Iterable[str]) -> list[int]:
        """The positions of the words that have one of `keys`, in order."""
        return sorted({i for k in keys for i in self.where.get(k, ())})

    def plausible(self, keys: Iterable[str]) -> bool:
        """Two words within one span that have the keys: a name of two parts or more
        may be there (a given name here and a family name three paragraphs on is not)."""
        hits = self.hits(keys)
        return any(
            b - a < MAX_SPAN and self.words[a].block == self.words[b].block
            for a, b in pairwise(hits)
        )

    def local_weight(self, weights: dict[str, float]) -> float:
        """The most weight (IDF) of distinct keys found together on the words of one span:
        a name written in full gathers its given and family names' keys in a few words;
        a person whose keys are scattered over the text does not."""
        hits = sorted((i, k) for k in weights for i in self.where.get(k, ()))
        best = 0.0
        inside: dict[str, int] = {}
        total = 0.0
        first = 0
        for i, key in hits:
            while hits[first][0] <= i - MAX_SPAN or (
                self.words[hits[first][0]].block != self.words[i].block
            ):
                gone = hits[first][1]
                inside[gone] -= 1
                if not inside[gone]:
                    del inside[gone]
                    total -= weights[gone]
                first += 1
            if key not in inside:
                total += weights[key]
            inside[key] = inside.get(key, 0) + 1
            best = max(best, total)
        return best


def _runs(found: Sequence[Word], hits: Sequence[int]) -> list[tuple[int, int]]:
    """Maximal stretches [i, j) of consecutive words sharing the candidate's keys, within
    one block (`hits`: the positions of those words, in order)."""
    runs: list[tuple[int, int]] = []
    for i in hits:
        if runs and runs[-1][1] == i and found[i].block == found[runs[-1][0]].block:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _best(
    text: str,
    found: Sequence[Word],
    run: tuple[int, int],
    identity: Identity,
    family: dict[str, str],
) -> Mention | None:
    best: Mention | None = None
    start, stop = run
    for i in range(start, stop):
        for j in range(i + 1, min(stop, i + MAX_SPAN) + 1):
            starts = [found[i].start]
            if _conjoined(found[i]):
                starts.append(found[i].start + 1)
            for first in starts:
                span = text[first : found[j - 1].end]
                got = lookup(Identity(names=(span,)), identity, family)
                if not got.accepted or got.kind != "full" or got.score < MENTION_THRESHOLD:
                    continue
                if best is None or got.score > best.found.score:
                    best = Mention(identity.id or "", span, first, found[j - 1].end, got)
    return best


def find_mentions(
    text: str | KeyedText, candidates: Iterable[tuple[Identity, dict[str, str]]]
) -> list[Mention]:
    """Each candidate (an identity with an id, and its recorded family names by full name)
    the text names, once, at its best-scoring span; best first."""
    keyed = text if isinstance(text, KeyedText) else KeyedText.of(text)
    found = keyed.words
    mentions: list[Mention] = []
    for identity, family in candidates:
        wanted = frozenset().union(*(_name_keys(n) for n in identity.names))
        best: Mention | None = None
        for run in _runs(found, keyed.hits(wanted)):
            got = _best(keyed.text, found, run, identity, family)
            if got is not None and (best is None or got.found.score > best.found.score):
                best = got
        if best is not None:
            mentions.append(best)
    return sorted(_longest(mentions), key=lambda m: (-m.found.score, m.start))


def _longest(mentions: list[Mention]) -> list[Mention]:
    """Leave out a mention whose words lie inside another's longer span that scores as
    well: "Salma Ait Nour-Eddine" names Salma, not a Nour-Eddine found in its last words."""
    return [
        m
        for m in mentions
        if not any(
            o.start <= m.start
            and m.end <= o.end
            and (o.end - o.start) > (m.end - m.start)
            and o.found.score >= m.found.score
            for o in mentions
        )
    ]


def lookup_of(evidence: dict[str, object]) -> Lookup:
    """A stored mention's evidence (``Lookup.as_dict`` of a name-only query) read back."""
    parts = evidence.get("parts")
    missing = evidence.get("missing")
    return Lookup(
        accepted=True,
        score=float(str(evidence.get("score", 0))),
        kind="full",
        name=str(evidence.get("name", "")),
        parts=tuple(
            PartMatch(
                str(p["query"]),
                str(p["record"]),
                p["role"],
                p["how"],
                float(p["similarity"]),
            )
            for p in (parts if isinstance(parts, list) else [])
            if isinstance(p, dict)
        ),
        missing=tuple(str(m) for m in (missing if isinstance(missing, list) else [])),
    )

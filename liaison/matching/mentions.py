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
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

from liaison.matching import particles
from liaison.matching.analyse import analyse
from liaison.matching.lookup import Lookup, PartMatch, lookup
from liaison.matching.names import latin_conflict
from liaison.matching.normalise import is_arabic, normalise_arabic
from liaison.matching.thresholds import MENTION_INITIAL_THRESHOLD as INITIAL_THRESHOLD
from liaison.matching.thresholds import MENTION_THRESHOLD
from liaison.matching.types import Identity

MAX_SPAN = 6  # words in one mention: given names, particles, family names
# ...not counting the words that only join others (بن, آيت, عبد, Ben, El): a long Arabic
# chain (إيمان بن عبد الرحيم آيت عبد الله) has seven words but three names.
MAX_WORDS = 10
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
_CONNECTORS |= frozenset(particles.LATIN_KIN)  # wuld, ibn, bint...
_ARABIC_FUNCTION = frozenset(normalise_arabic(w) for w in _FUNCTION_WORDS.split())
# A single word never names a person in full: it is a family name, or a common word read
# as a whole name's joined skeleton (السائق, "the driver", is not Ayşe Kaya).
MIN_WORDS = 2


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


_INITIAL_GAP = re.compile(r"\.[^\S\n]*")
_COMMA_GAP = re.compile(r",[^\S\n]*")


def _joins(before: Word, gap: str, after: str) -> bool:
    """Latin punctuation inside a name: the period of an initial ("Y. ALAOUI") and the
    comma of family-name-first order ("ALAOUI, Youssef"), before a capitalised word."""
    if before.arabic or not after[:1].isupper():
        return False
    if len(before.text) == 1 and before.text.isupper():
        return _INITIAL_GAP.fullmatch(gap) is not None
    return len(before.text) > 1 and before.text.isupper() and bool(_COMMA_GAP.fullmatch(gap))


def words(text: str) -> list[Word]:
    """The text's words with their offsets, numbered by block (a name never crosses one)."""
    found: list[Word] = []
    block = 0
    last_end = 0
    for match in _WORD.finditer(text):
        arabic = is_arabic(match.group())
        gap = text[last_end : match.start()]
        if found and (
            (_BREAK.search(gap) and not _joins(found[-1], gap, match.group()))
            or found[-1].arabic != arabic
        ):
            block += 1
        found.append(Word(match.group(), match.start(), match.end(), block, arabic))
        last_end = match.end()
    return found


def _may_name(word: Word, initial: bool = False) -> bool:
    if word.arabic:
        return normalise_arabic(word.text) not in _ARABIC_FUNCTION
    if word.text.lower() in _CONNECTORS:
        return True
    low = word.text.lower()
    if low in particles.FRENCH_PARTICLES and (word.text.isupper() or low in _FRENCH_OPENING):
        return True  # DE VRIES, De Gaulle, DU PONT (not "Le" or "La" opening a sentence)
    head, _, rest = word.text.partition("-")
    if head.lower() in _CONNECTORS and rest[:1].isupper():
        return True  # al-Mansuri, el-Idrissi, ibn-Rashid
    # A capitalised Latin word of three letters or more ("Il", "Le" start sentences), or
    # an initial: one capital letter with its period, before the rest of the name.
    return word.text[:1].isupper() and (len(word.text) > 2 or initial)


_FRENCH_OPENING = particles.FRENCH_OPENING

# "M." before a name is Monsieur in French, not an initial.
_NOT_INITIALS = frozenset({"M"})


def _initial(found: Sequence[Word], i: int) -> bool:
    return (
        len(found[i].text) == 1
        and found[i].text not in _NOT_INITIALS
        and i + 1 < len(found)
        and found[i + 1].block == found[i].block
        and not found[i + 1].arabic
    )


def name_words(text: str) -> list[Word]:
    """The words that may be part of a name; a word that may not ends the block it is in,
    so the words on either side of it are never read as one name."""
    kept: list[Word] = []
    block = 0
    last = -1
    every = words(text)
    for i, word in enumerate(every):
        if not _may_name(word, _initial(every, i)):
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
            run_keys = _run_keys(run, _name_keys)
            for j in range(i, i + n):
                keys[j].update(run_keys)
        _chain_keys(found, i, keys)
    return [frozenset(k) for k in keys]


def _run_keys(run: Sequence[Word], keys_of: Callable[[str], frozenset[str]]) -> frozenset[str]:
    """The keys of a run of words, read also without the conjunction و glued to its first
    word (ويوسف) and with Ait or Ould glued to a name read apart (Aithamza: Ait Hamza)."""
    texts = [w.text for w in run]
    found = keys_of(" ".join(texts))
    if _conjoined(run[0]):
        found |= keys_of(" ".join([texts[0][1:], *texts[1:]]))
    apart = [_unglued(t) for t in texts]
    if apart != texts:
        found |= keys_of(" ".join(apart))
    return found


# Ait and Ould glued to the name they belong to read apart: the registry keys Ait Hamza's
# whole name with the particle (Ben, Bel and El glued give the same keys either way).
_GLUED_LINEAGE = re.compile(r"^(ould|ouled|ait|aït)(?=[^\W\d_]{3})", re.IGNORECASE)


@lru_cache(maxsize=200_000)
def _unglued(text: str) -> str:
    glued = _GLUED_LINEAGE.match(text)
    return f"{glued.group()} {text[glued.end() :]}" if glued else text


def _chain_keys(found: Sequence[Word], i: int, keys: list[set[str]]) -> None:
    """The whole-name keys of the longer runs from word i that chain names with particles
    (عبد اللطيف ولد أحمد, Ahmed Ben Youssef Ait Omar): the rarest key such a name has, where
    its parts' keys alone are shared by every order of them (Ahmed Ben Abdellatif)."""
    if _kin(found[i]):
        return
    joined = _joiner(found[i].text)
    names = int(not joined)
    for j in range(i + 1, min(len(found), i + MAX_WORDS)):
        if found[j].block != found[i].block:
            return
        if _joiner(found[j].text):
            joined = True
        else:
            names += 1
        if names > MAX_SPAN:
            return
        if joined and j - i >= MAX_RUN:
            chain = _run_keys(found[i : j + 1], _joined_keys)
            for k in range(i, j + 1):
                keys[k].update(chain)


@lru_cache(maxsize=200_000)
def _joined_keys(name: str) -> frozenset[str]:
    return frozenset(key[:KEY_LENGTH] for key in analyse(name).joined if key)


def _solo_keys(word: Word) -> frozenset[str]:
    keys = _name_keys(word.text) | _name_keys(_unglued(word.text))
    return keys | _name_keys(word.text[1:]) if _conjoined(word) else keys


@lru_cache(maxsize=200_000)
def _joiner(text: str) -> bool:
    """A word that is no name part alone but joins the next or last words into one: a
    particle or article (Ben, El, ولد, De), Abd before its second word, a tail (Eddine,
    الدين, Allah), an initial."""
    if len(text) == 1 or text.lower() in particles.FRENCH_PARTICLES:
        return True
    analysed = analyse(text)
    if not analysed.names or all(t.keys == ("bd",) for t in analysed.names):
        return True
    if is_arabic(text):
        return normalise_arabic(text) in particles.ARABIC_TAILS
    plain = text.lower()
    return plain in particles.LATIN_DIN_TAIL or plain in particles.LATIN_ALLAH_TAIL


def text_keys(text: str) -> frozenset[str]:
    """Every key the text's words and runs of words have: what to look candidates up by."""
    return frozenset(KeyedText.of(text).where)


@dataclass(frozen=True, slots=True)
class KeyedText:
    """A text read once for every candidate: its name words, and where each key is."""

    text: str
    words: tuple[Word, ...]
    where: dict[str, tuple[int, ...]]
    # Per word: the keys of the word alone (a run's keys are every word's of the run),
    # and whether it only joins others into a name (`_joiner`).
    solo: tuple[frozenset[str], ...] = ()
    joins: tuple[bool, ...] = ()

    @classmethod
    def of(cls, text: str) -> KeyedText:
        found = name_words(text)
        where: dict[str, list[int]] = {}
        for i, keys in enumerate(word_keys(found)):
            for key in keys:
                where.setdefault(key, []).append(i)
        solo = tuple(_solo_keys(w) for w in found)
        joins = tuple(_joiner(w.text) for w in found)
        return cls(text, tuple(found), {k: tuple(v) for k, v in where.items()}, solo, joins)

    def is_joiner(self, i: int) -> bool:
        """Word i only joins others into a name (`_joiner`)."""
        return bool(self.joins) and self.joins[i]

    def may_bound(self, i: int, j: int, wanted: frozenset[str]) -> bool:
        """Words i and j - 1 may begin and end a name of the `wanted` keys: each has one
        of them alone, or joins the words next to it into a name part (Abd, Ben, El, an
        initial, ...Eddine), or comes before or after such a word (*Nour* Eddine, Abd el
        *Kader*). A span
        with a word of the text on either side of a name is not looked up: in Arabic,
        without capitals, most spans that share a candidate's keys are such."""
        if not self.solo:
            return True
        last = j - 1
        head = (
            self.joins[i]
            or (i + 1 < last and self.joins[i + 1])
            or not self.solo[i].isdisjoint(wanted)
        )
        return head and (
            self.joins[last]
            or (last - 1 >= i and self.joins[last - 1])
            or not self.solo[last].isdisjoint(wanted)
        )

    def initialled(self) -> dict[str, str]:
        """The keys of the words after an initial ("Y. ALAOUI", "A. EL MARRAKCHI"), with
        the initial: a name with one key a person has, and the letter of a given name."""
        found: dict[str, str] = {}
        for i, word in enumerate(self.words[:-1]):
            if len(word.text) != 1 or word.arabic or self.words[i + 1].block != word.block:
                continue
            rest = [w.text for w in self.words[i + 1 : i + 1 + MAX_RUN] if w.block == word.block]
            for n in range(1, len(rest) + 1):
                found.update(dict.fromkeys(_name_keys(" ".join(rest[:n])), word.text))
        return found

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
    keyed: KeyedText,
    run: tuple[int, int],
    identity: Identity,
    family: dict[str, str],
    near: list[tuple[int, int]],
    wanted: frozenset[str],
) -> Mention | None:
    best: Mention | None = None
    text, found = keyed.text, keyed.words
    start, stop = run
    for i in range(start, stop):
        if (_kin(found[i]) and not found[i].text.isupper()) or (
            i and found[i - 1].block == found[i].block and _kin(found[i - 1])
        ):
            continue  # "bin Rashid al-Susi" is the father's name; "Ben Salem" one name
        names = 0
        for j in range(i + 1, min(stop, i + MAX_WORDS) + 1):
            names += not keyed.is_joiner(j - 1)
            if names > MAX_SPAN:
                break
            if j - i < MIN_WORDS or not keyed.may_bound(i, j, wanted):
                continue
            starts = [found[i].start]
            if _conjoined(found[i]):
                starts.append(found[i].start + 1)
            for first in starts:
                span = text[first : found[j - 1].end]
                got, nearly = _read(span, identity, family)
                if nearly:
                    near.append((first, found[j - 1].end))
                elif got is not None and (best is None or got.score > best.found.score):
                    best = Mention(identity.id or "", span, first, found[j - 1].end, got)
    return best


def _read(span: str, identity: Identity, family: dict[str, str]) -> tuple[Lookup | None, bool]:
    """The best lookup of the span that names the candidate as a report would (`fits`),
    reading Ait or Ould glued to a name apart too (Aitabdelkader: Ait Abdelkader); else
    None, and whether some reading was accepted but did not fit (a near span)."""
    best, nearly = None, False
    for reading in dict.fromkeys((span, _WORD.sub(lambda w: _unglued(w.group()), span))):
        got = _accepted(reading, identity, family)
        if got is None:
            continue
        if not fits(reading, got):
            nearly = True
        elif best is None or got.score > best.score:
            best = got
    return best, nearly and best is None


def _kin(word: Word) -> bool:
    """A kinship particle: a name goes on after it, it does not start one."""
    return _kin_text(word.text, word.arabic)


@lru_cache(maxsize=200_000)
def _kin_text(text: str, arabic: bool) -> bool:  # every span of every candidate asks
    return (normalise_arabic(text) if arabic else text.lower()) in _KIN


# Son or daughter of, tribe of (not Abu or Umm: Abou Bakr, Oum Keltoum start names).
_LINEAGE = frozenset({"bn", "bnt", "wld", "yt"})
_KIN = frozenset(w for w, k in particles.LATIN_KIN.items() if k in _LINEAGE) | frozenset(
    normalise_arabic(w) for w, k in particles.ARABIC_KIN.items() if k in _LINEAGE
)


# Ould, Ait and Ben glued to the name they belong to (Ouldkarim, Aitahmed, Bendriss):
# read as particles.
_GLUED_PARTICLE = {"ould": "wld", "ait": "yt", "ben": "bn"}


@lru_cache(maxsize=200_000)
def _particles(name: str) -> dict[str, frozenset[str]]:
    """Each part of the name that follows a kinship particle, with the particle's meaning
    (ben/bin/بن: bn; ould/ولد: wld; ait/آيت: yt), glued to it or not. A name written twice
    has each occurrence's, "" for one after no particle (Hicham Ben Hicham, Rachid Ben
    Brahim Ait Brahim)."""
    parts = analyse(name).parts
    found: dict[str, set[str]] = defaultdict(set)
    before = None
    for part in parts:
        if part.kind == "particle":
            before = part
            continue
        glued = next((g for g in _GLUED_PARTICLE if part.text.startswith(g)), None)
        if before is not None:
            found[part.text].add(before.keys[0])
        elif glued and part.kind == "name" and part.loose:
            # Or no particle: the name itself may begin so (Benjelloun, بنجلون).
            found[part.text].update((_GLUED_PARTICLE[glued], ""))
        else:
            found[part.text].add("")
        before = None
    return {text: frozenset(kin) for text, kin in found.items() if kin != {""}}


def _accepted(span: str, identity: Identity, family: dict[str, str]) -> Lookup | None:
    got = lookup(Identity(names=(span,)), identity, family)
    initial = any(len(p.query) == 1 and p.role == "given" for p in got.parts)
    threshold = INITIAL_THRESHOLD if initial else MENTION_THRESHOLD
    if not got.accepted or got.kind != "full" or got.score < threshold:
        return _by_initial(span, family)
    return got


_INITIALLED = re.compile(r"([A-Z])\.[^\S\n]*(\S.*)", re.DOTALL)


def _by_initial(span: str, family: dict[str, str]) -> Lookup | None:
    """ "L. BEN YOUSSOUF" read as a report means it: the recorded family name in full, after
    the first letter of the given names before it. The lookup reads the words against the
    whole name and may take them for the father's or a middle name (Leïla Ben Youssouf,
    Rachid Ben Brahim Aït Brahim, Lucía Fernández Ruiz), so it is asked about the family
    name alone."""
    initialled = _INITIALLED.fullmatch(span)
    if initialled is None:
        return None
    letter, rest = initialled.groups()
    best: Lookup | None = None
    for full, surname in family.items():
        given = full[: -len(surname)].strip() if full.endswith(surname) else ""
        if not given or is_arabic(full) or _first_letter(given) != letter:
            continue
        got = lookup(Identity(names=(rest,)), Identity(names=(surname,)), {surname: surname})
        if not got.accepted or got.kind != "full" or got.score < MENTION_THRESHOLD:
            continue
        parts = (
            PartMatch(letter.lower(), analyse(given).names[0].text, "given", "spelling", 0.9),
            *(replace(p, role="family") for p in got.parts),
        )
        found = Lookup(True, round(got.score * 0.95, 4), "full", full, parts)
        if found.score >= INITIAL_THRESHOLD and (best is None or found.score > best.score):
            best = found
    return best


def _first_letter(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.strip()[:1])
    return folded[:1].upper()


def fits(span: str, found: Lookup) -> bool:
    """The span names the record as a report writes a name (`written_in_full`, `endings_agree`),
    with the same kinship particles (`particles_agree`)."""
    return written_in_full(found) and endings_agree(span, found) and particles_agree(span, found)


def endings_agree(span: str, found: Lookup) -> bool:
    """A report writes whole words, so each part ends as the record's does after its last
    consonant, which skeletons drop (``Token.ending``): Bendriss is not Idrissi, Ben Ali
    not Alaoui, Haddaoui not Haddad, Rossi not Rousseau. (The matcher itself lets them
    be near, as aliases of one person are: Hussein and Husseini.)"""
    ours = {t.text: t for t in analyse(span).names}
    theirs = {t.text: t for t in analyse(found.name).names}
    for part in found.parts:
        a, b = ours.get(part.query), theirs.get(part.record)
        if a is None or b is None:
            continue
        if "?" not in (a.ending, b.ending) and a.ending != b.ending:
            return False
        if _one_vowel_apart(a.vowels, b.vowels):
            return False
    return True


def _one_vowel_apart(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two Latin words of one gap between two consonants whose vowels differ as names do
    (Amina and Imane, Anas and Anis): the matcher needs two such gaps to part them, as a
    spelling habit may change one, but a report writes the word the officer heard."""
    return len(a) == len(b) == 2 and a[0] == b[0] == "lat" and latin_conflict(a[1], b[1])


def mention_lookup(span: str, identity: Identity, family: dict[str, str]) -> Lookup | None:
    """The lookup of `span` against the candidate when the span names them in full, as a
    report would write them; else None."""
    return _read(span, identity, family)[0]


def written_in_full(found: Lookup) -> bool:
    """A report writes whole words, so no part of the span is only the first letters of
    the record's (Iman is not Amina, though a search for "Amin" finds her); an initial
    stands for a given name of that first letter, never the family name (in "M. PERRIN,
    Jean", M. is Monsieur); an Arabic word with the article is no given name (الميناء,
    "the port", is not Amina), unless the recorded one has the article too (الياس, Elias)."""
    for part in found.parts:
        if part.how == "prefix":
            return False
        if part.role == "given" and len(part.query) == 1 and part.query.isascii():
            # The letter a Latin given name begins with, not one its skeleton's may
            # (S. TAZI is not Zineb Tazi).
            if not is_arabic(part.record) and _first_letter(part.record) != part.query.upper():
                return False
            continue
        if part.role != "given" and len(part.query) == 1:
            return False
        if part.role == "given" and _with_article(part.query) and not _with_article(part.record):
            return False
    return True


def _with_article(text: str) -> bool:
    return text.startswith(("\u0627\u0644", "el", "al", "il"))


def particles_agree(span: str, found: Lookup) -> bool:
    """When both the span and the record's name write kinship particles, each part they
    share follows the same particle on both sides, or none on either: Said Ben Ahmed (son
    of Ahmed) is not Said Ait Ahmed (of the Ait Ahmed) nor Said Ould Ahmed, and Rachid Ben
    Mohamed (son of Mohamed) is not Mohamed Ben Rachid (his father, or his son). A name
    written without any particle is a spelling habit, not a contradiction, but the name
    after a particle is never the record's first given name."""
    ours, theirs = _particles(span), _particles(found.name)
    names = analyse(found.name).names
    # The name after "Ben" is a father's or a family name, never the first given name
    # (Leïla Ben Otmane is not Othmane Alaoui).
    first = names[0].text if names else None
    if any(p.record == first and "" not in ours.get(p.query, _NONE) for p in found.parts):
        return False
    if not ours or not theirs:
        return True
    return all(ours.get(part.query, _NONE) & theirs.get(part.record, _NONE) for part in found.parts)


_NONE = frozenset({""})  # a part after no particle


def find_mentions(
    text: str | KeyedText,
    candidates: Iterable[tuple[Identity, dict[str, str]]],
    near: dict[str, list[tuple[int, int]]] | None = None,
) -> list[Mention]:
    """Each candidate (an identity with an id, and its recorded family names by full name)
    the text names, once, at its best-scoring span; best first. `near`, when given,
    receives per candidate not named the spans (start, end) that would name it but for
    their particles or a part written short: persons of similar names may fit them."""
    keyed = text if isinstance(text, KeyedText) else KeyedText.of(text)
    found = keyed.words
    mentions: list[Mention] = []
    for identity, family in candidates:
        wanted = frozenset().union(*(_name_keys(n) for n in identity.names))
        best: Mention | None = None
        spans: list[tuple[int, int]] = []
        for run in _runs(found, keyed.hits(wanted)):
            got = _best(keyed, run, identity, family, spans, wanted)
            if got is not None and (best is None or got.found.score > best.found.score):
                best = got
        if best is not None:
            mentions.append(best)
        elif spans and near is not None:
            near[identity.id or ""] = list(dict.fromkeys(spans))
    return sorted(_longest(mentions), key=lambda m: (-m.found.score, m.start))


def _longest(mentions: list[Mention]) -> list[Mention]:
    """Leave out a mention whose words lie inside another's longer span that scores as
    well: "Salma Ait Nour-Eddine" names Salma, not a Nour-Eddine found in its last words;
    and one that begins with a title and ends inside another's name: in "Cheikh Youssouf
    Tazi", Cheikh is Youssouf Tazi's title, not Youssouf Ould Cheikh's family name."""
    return [
        m
        for m in mentions
        if not any(
            (
                o.start <= m.start
                and m.end <= o.end
                and (o.end - o.start) > (m.end - m.start)
                and o.found.score >= m.found.score
            )
            or (m.start < o.start < m.end < o.end and _title_led(m.text))
            for o in mentions
        )
    ]


# The matcher's titles, and Sheikh as French writes it (also a family name: Ould Cheikh).
_TITLES = (
    particles.LATIN_TITLES
    | frozenset({"cheikh", "cheik"})
    | frozenset(normalise_arabic(t) for t in particles.ARABIC_TITLES)
)


def _title_led(span: str) -> bool:
    first = _WORD.match(span)
    if first is None:
        return False
    word = first.group()
    return (normalise_arabic(word) if is_arabic(word) else word.lower()) in _TITLES


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

"""Importing notices in the INTERPOL public notices JSON format (docs/registry-import.md).

A file is read twice, streaming both times so that memory stays bounded whatever its size:
the first pass only checks that the whole file is well-formed JSON of a known shape, so a
truncated or corrupt file is refused before anything is written; the second pass yields
one notice at a time, and each is imported in its own transaction through the registry's
actions (permission-checked and audited there). A bad notice is reported and skipped.

Both passes read through `DepthLimitedReader`, which refuses JSON nested deeper than the
format needs before the parser sees it: ijson keeps a prefix string per open level, so
memory grows with the square of the depth (200 KB of "[" took 23 GB before this check).
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import IO, Any

import ijson
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.utils import timezone

from liaison.accounts.models import Actor
from liaison.core import field_rules
from liaison.registry.actions import (
    DocumentData,
    NameData,
    PersonData,
    RegistryError,
    WarrantData,
    create_person,
    create_warrant,
    update_person,
)
from liaison.registry.choices import NameKind, OffenceCategory, PersonCategory
from liaison.registry.models import Person, Warrant

UTF8_BOM = b"\xef\xbb\xbf"
# The deepest the format goes is about 8 levels (a list of detail notices: list, notice,
# _embedded, links, link, _links...); 20 leaves room for wrappers and refuses abuse early.
MAX_DEPTH = 20
PAGE_PREFIX = "_embedded.notices"
ISSUING_AUTHORITY = "INTERPOL notice"

# Charge text -> offence category. Deliberately small: a charge maps to a category only when
# one of these stems appears in it (or in its translation); anything else is "other", and an
# officer refines it. Extend with a test row, never with guesses. Order is the output order.
OFFENCE_STEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (OffenceCategory.TERRORISM, ("terroris",)),
    (OffenceCategory.HOMICIDE, ("murder", "homicid", "meurtre", "assassinat", "asesinato")),
    (OffenceCategory.DRUG_TRAFFICKING, ("drug", "narcotic", "stupéfiant", "estupefaciente")),
    (OffenceCategory.HUMAN_TRAFFICKING, ("human trafficking", "trafficking in human", "traite")),
    (OffenceCategory.MIGRANT_SMUGGLING, ("migrant smuggling", "smuggling of migrants")),
    (OffenceCategory.FIREARMS, ("firearm", "weapon", "explosive")),
    (OffenceCategory.ORGANISED_CRIME, ("criminal organi", "organised crime", "organized crime")),
    (OffenceCategory.MONEY_LAUNDERING, ("money laundering", "blanchiment", "lavado de")),
    (OffenceCategory.FRAUD, ("fraud", "escroquerie", "embezzlement", "corruption")),
    (OffenceCategory.CYBERCRIME, ("cybercrim", "computer")),
    (OffenceCategory.CHILD_ABUSE, ("child sexual", "child abuse", "child pornograph")),
    (OffenceCategory.KIDNAPPING, ("kidnap", "hostage", "enlèvement", "secuestro")),
    (OffenceCategory.ROBBERY, ("robbery", "vol à main armée", "robo con")),
)

_DATE_OF_BIRTH = re.compile(r"^(\d{4})(?:/(\d{2})(?:/(\d{2}))?)?$")
_SEXES = {"M": "M", "F": "F", "U": "U"}
# Model field lengths, checked here so that a long value is a reported rejection, not a
# database error (SQLite would not even notice).
_MAX_LENGTHS = {"entity_id": 60, "name": 200, "forename": 200, "place_of_birth": 200}


class NoticeFileError(Exception):
    """The file as a whole is unusable (not JSON, truncated, wrong shape): nothing is imported."""


class NoticeError(ValueError):
    """One notice is unusable; the message says why. The others are still imported."""


@dataclass(frozen=True)
class Notice:
    entity_id: str
    person: PersonData
    warrants: list[WarrantData]


@dataclass(frozen=True)
class Rejection:
    index: int
    entity_id: str
    reason: str

    def __str__(self) -> str:
        where = f"notice [{self.index}]"
        if self.entity_id:
            where += f" (entity_id {self.entity_id})"
        return f"{where}: {self.reason}"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    rejected: int = 0

    def __str__(self) -> str:
        return f"created {self.created}, updated {self.updated}, rejected {self.rejected}"


# Reading the file


@contextmanager
def _open(path: Path) -> Iterator[DepthLimitedReader]:
    """The file as bytes, past a UTF-8 byte order mark if there is one, depth-checked."""
    with path.open("rb") as stream:
        if stream.read(len(UTF8_BOM)) != UTF8_BOM:
            stream.seek(0)
        yield DepthLimitedReader(stream, path)


# A whole JSON string; and the rest of one whose opening quote was in an earlier read.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = frozenset(b"[{")


class DepthLimitedReader:
    """A read-only byte stream that raises NoticeFileError once JSON nests past MAX_DEPTH.

    It follows the brackets outside strings in the bytes as they are read (constant
    memory; strings are dropped by a regex, so Python only loops over brackets), so the
    parser never receives a level too deep. A string may go on from one read to the next.
    Malformed JSON may be miscounted here; the parser refuses it anyway.
    """

    def __init__(self, stream: IO[bytes], path: Path, limit: int = MAX_DEPTH) -> None:
        self._stream, self._path, self._limit = stream, path, limit
        self._depth = 0
        self._in_string = False
        self._escaped = False  # the last read ended inside a string, on a lone backslash

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._follow(data)
        return data

    def _follow(self, data: bytes) -> None:
        if not data:
            return
        start = self._end_of_string(data) if self._in_string else 0
        if start < 0:
            return
        code = _STRING.sub(b"", data[start:])
        # A quote left over opens a string that ends in a later read; what follows it is
        # that string's text (nothing in it was taken for a string, having no end quote).
        quote = code.find(b'"')
        if quote >= 0:
            self._in_string = True
            self._escaped = _ends_in_lone_backslash(code[quote + 1 :])
            code = code[:quote]
        self._count(code.translate(None, _NOT_BRACKETS))

    def _end_of_string(self, data: bytes) -> int:
        """Where the string open since an earlier read ends in `data`; -1 if it goes on."""
        skip = 1 if self._escaped else 0  # the escaped character, whatever it is
        found = _STRING_REST.match(data, skip)
        if found is None:
            self._escaped = _ends_in_lone_backslash(data[skip:])
            return -1
        self._in_string = self._escaped = False
        return found.end()

    def _count(self, brackets: bytes) -> None:
        depth = self._depth
        for byte in brackets:
            depth += 1 if byte in _OPENERS else -1
            if depth > self._limit:
                raise NoticeFileError(
                    f"{self._path} nests arrays or objects deeper than {self._limit} levels; "
                    "INTERPOL notices need far fewer"
                )
        self._depth = depth


def _ends_in_lone_backslash(text: bytes) -> bool:
    """True if string text ends in an escape still waiting for its character."""
    return (len(text) - len(text.rstrip(b"\\"))) % 2 == 1


def scan(path: Path) -> str:
    """Check the whole file in one streaming pass; return the ijson prefix of its notices.

    "item" for a top-level list, "_embedded.notices.item" for a page, "" for one notice.
    """
    try:
        with _open(path) as stream:
            events = ijson.parse(stream, use_float=True)
            prefix = _shape(events)
            collections.deque(events, maxlen=0)  # drain at C speed: only errors matter now
    except OSError as exc:
        raise NoticeFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise NoticeFileError(f"{path} is not valid UTF-8 JSON ({_first_line(exc)})") from None
    return prefix


def _first_line(exc: Exception) -> str:
    """The parser's reason, without the multi-line excerpt and caret yajl appends."""
    message = exc.args[0] if isinstance(exc, ijson.JSONError) and exc.args else str(exc)
    if isinstance(message, bytes):  # the C backend sometimes reports in bytes
        message = message.decode("utf-8", errors="replace")
    lines = str(message).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _shape(events: Iterator[tuple[str, str, Any]]) -> str:
    prefix, event, _value = next(events)
    if event == "start_array":
        return "item"
    if event != "start_map":
        raise NoticeFileError("expected a notice, a list of notices or a page of notices")
    # A page names `_embedded.notices` before its notices; a single notice never does. Only
    # the top level is walked here: keys of a notice are nested deeper than one level.
    for prefix, event, _value in events:
        if prefix == PAGE_PREFIX:
            if event != "start_array":
                raise NoticeFileError("_embedded.notices is not a list")
            return f"{PAGE_PREFIX}.item"
        if prefix == "" and event == "end_map":
            break
    return ""


def read_notices(path: Path, prefix: str) -> Iterator[Any]:
    """The raw notices, one at a time (call `scan` first: this pass assumes valid JSON)."""
    with _open(path) as stream:
        yield from ijson.items(stream, prefix, use_float=True)


# Mapping a notice to registry data


def parse_notice(raw: Any, *, today: date) -> Notice:
    """The person and warrants a raw notice describes, or NoticeError with the reason."""
    if not isinstance(raw, dict):
        raise NoticeError(f"not an object but {type(raw).__name__}")
    entity_id = _text(raw, "entity_id")
    if not entity_id:
        raise NoticeError("entity_id is missing")
    person = PersonData(
        category=PersonCategory.WANTED,
        names=[_name(raw)],
        sex=_sex(raw.get("sex_id")),
        birth_dates=_birth_dates(raw.get("date_of_birth"), today),
        place_of_birth=_text(raw, "place_of_birth"),
        country_of_birth=_country(raw.get("country_of_birth_id"), "country_of_birth_id"),
        nationalities=_nationalities(raw.get("nationalities")),
        distinguishing_marks=_text(raw, "distinguishing_marks"),
        handling_code="H0",
        external_ref=entity_id,
    )
    return Notice(entity_id, person, _warrants(raw.get("arrest_warrants"), entity_id, today))


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise NoticeError(f"{key} is not text")
    text = " ".join(str(value).split())
    if len(text) > _MAX_LENGTHS.get(key, 10_000):
        raise NoticeError(f"{key} is longer than {_MAX_LENGTHS.get(key, 10_000)} characters")
    return text


def _name(raw: dict[str, Any]) -> NameData:
    forename, name = _text(raw, "forename"), _text(raw, "name")
    if not forename and not name:
        raise NoticeError("both forename and name are missing")
    full = f"{forename} {name}".strip()
    return NameData(full, kind=NameKind.PRIMARY, given_names=forename, family_name=name)


def _sex(value: Any) -> str:
    if value in (None, ""):
        return "U"
    if value not in _SEXES:
        raise NoticeError(f"sex_id {value!r} is not M, F or U")
    return _SEXES[value]


def _birth_dates(value: Any, today: date) -> list[str]:
    if value in (None, ""):
        return []
    match = _DATE_OF_BIRTH.match(value) if isinstance(value, str) else None
    if match is None:
        raise NoticeError(f"date_of_birth {value!r}: use YYYY/MM/DD, YYYY/MM or YYYY")
    partial = "-".join(part for part in match.groups() if part)
    try:
        return [field_rules.birth_date(partial, today=today)]
    except field_rules.FieldRuleError as error:
        raise NoticeError(f"date_of_birth {value!r}: {error}") from None


def _country(value: Any, key: str) -> str:
    if value in (None, ""):
        return ""
    code = value.upper() if isinstance(value, str) else ""
    if code not in field_rules.country_codes():
        raise NoticeError(f"{key} {value!r} is not an ISO 3166 alpha-2 country code")
    return code


def _nationalities(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise NoticeError("nationalities is not a list")
    return [_country(code, "nationalities") for code in value if code]


def _warrants(value: Any, entity_id: str, today: date) -> list[WarrantData]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise NoticeError("arrest_warrants is not a list")
    return [_warrant(item, entity_id, n, today) for n, item in enumerate(value, start=1)]


def _warrant(raw: Any, entity_id: str, n: int, today: date) -> WarrantData:
    if not isinstance(raw, dict):
        raise NoticeError(f"arrest_warrants[{n - 1}] is not an object")
    try:
        country = _country(raw.get("issuing_country_id"), "issuing_country_id")
        charge, translation = _text(raw, "charge"), _text(raw, "charge_translation")
    except NoticeError as exc:
        raise NoticeError(f"arrest_warrants[{n - 1}]: {exc}") from None
    if not country:
        raise NoticeError(f"arrest_warrants[{n - 1}]: issuing_country_id is missing")
    return WarrantData(
        issuing_country=country,
        issuing_authority=ISSUING_AUTHORITY,
        reference=f"{entity_id}/{n}",
        # Public notices carry no issue date; the import date is the date we learnt of it.
        issued_on=today,
        offences=offence_categories(f"{charge}\n{translation}"),
        offence_description="\n".join(part for part in (charge, translation) if part),
    )


def offence_categories(charge: str) -> list[str]:
    """The categories whose stems appear in the charge text; ["other"] if none does."""
    text = charge.casefold()
    found = [str(code) for code, stems in OFFENCE_STEMS if any(s in text for s in stems)]
    return found or [str(OffenceCategory.OTHER)]


# Writing


@transaction.atomic
def import_notice(notice: Notice, *, actor: Actor) -> bool:
    """Create or update the notice's person and add its new warrants; True if created."""
    existing = (
        Person.objects.filter(owner_node=settings.NODE_ID, external_ref=notice.entity_id)
        .order_by("pk")
        .first()
    )
    if existing is None:
        person = create_person(actor=actor, data=notice.person, origin="import-notices")
    else:
        data = _keep_local_parts(notice.person, existing)
        person = update_person(actor=actor, person=existing, data=data, origin="import-notices")
    known = set(Warrant.objects.filter(person=person).values_list("reference", flat=True))
    for warrant in notice.warrants:
        if warrant.reference not in known:
            create_warrant(actor=actor, person=person, data=warrant, origin="import-notices")
    return existing is None


def _keep_local_parts(data: PersonData, person: Person) -> PersonData:
    """What officers added or decided locally survives a re-import of the same notice.

    The notice owns the identity it publishes (primary name, dates, nationalities...);
    this node owns the handling code, review date, neutrality flag, identity documents and
    the extra names (aliases, transliterations) its officers recorded.
    """
    notice_names = {n.full_name for n in data.names}
    extra = [
        NameData(n.full_name, n.kind, n.given_names, n.family_name)
        for n in person.names.all()
        if n.kind != NameKind.PRIMARY and n.full_name not in notice_names
    ]
    documents = [
        DocumentData(d.document_type, d.number, d.issuing_country) for d in person.documents.all()
    ]
    return replace(
        data,
        names=[*data.names, *extra],
        documents=documents,
        handling_code=person.handling_code,
        review_date=person.review_date,
        neutrality_flag=person.neutrality_flag,
    )


def import_file(
    path: Path, *, actor: Actor, on_reject: Callable[[Rejection], None] | None = None
) -> ImportSummary:
    """Import every notice of the file; NoticeFileError (nothing written) if it is malformed."""
    prefix = scan(path)
    summary = ImportSummary()
    today = timezone.localdate()
    for index, raw in enumerate(read_notices(path, prefix)):
        try:
            created = import_notice(parse_notice(raw, today=today), actor=actor)
        except (NoticeError, RegistryError, PermissionDenied, DatabaseError) as exc:
            rejection = Rejection(index, _entity_id_of(raw), str(exc) or type(exc).__name__)
            summary.rejected += 1
            if on_reject is not None:
                on_reject(rejection)
            continue
        if created:
            summary.created += 1
        else:
            summary.updated += 1
    return summary


def _entity_id_of(raw: Any) -> str:
    value = raw.get("entity_id") if isinstance(raw, dict) else None
    return str(value)[:60] if isinstance(value, str | int) else ""

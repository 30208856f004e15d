"""Reading an accreditation list: CSV (UTF-8 with or without BOM, or Windows-1256) or XLSX,
a header row then one person a row; the columns are mapped by the uploader.

Bad rows are reported with their line and the reason and the good ones kept; a file that
is not a table at all (binary, no header) is refused whole with TableError.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _

from liaison.matching.cli import InputError, decode
from liaison.matching.dates import parse_date
from liaison.matching.normalise import strip_diacritics

_XLSX_MAGIC = b"PK\x03\x04"
_NATIONALITY = re.compile(r"^[A-Z]{2}$")
_SEPARATORS = re.compile(r"[|;,]")
MAX_NAME = 300
# A workbook unpacked may be this many times LIST_MAX_BYTES (the XML's markup around the
# cells); a zip bomb is refused before it is read.
MAX_UNZIPPED_RATIO = 8

# Header names recognised when proposing a mapping (lower case, accents as typed).
GUESSES = {
    "names": (
        "name",
        "full name",
        "nom",
        "nom complet",
        "prénom",
        "prenom",
        "first name",
        "last name",
        "surname",
        "given name",
        "family name",
        "الاسم",
        "الاسم الكامل",
        "النسب",
    ),
    "alias": ("alias", "other name", "arabic name", "nom en arabe", "الاسم بالعربية"),
    "date_of_birth": (
        "date of birth",
        "dob",
        "birth date",
        "date de naissance",
        "date_of_birth",
        "تاريخ الازدياد",
        "تاريخ الميلاد",
    ),
    "nationality": ("nationality", "nationalité", "nationalite", "country", "الجنسية"),
    "category": ("category", "catégorie", "categorie", "الفئة"),
    "documents": (
        "passport",
        "document",
        "document number",
        "passeport",
        "cin",
        "id number",
        "numéro de document",
        "رقم الجواز",
        "رقم البطاقة",
    ),
}


# A category cell's words (accents and case folded) and the category they name; any other
# word is "other", an empty cell no category.
CATEGORY_WORDS = {
    "staff": ("staff", "personnel", "employee", "employe", "agent", "موظف", "الموظفون"),
    "volunteer": (
        "volunteer",
        "volunteers",
        "benevole",
        "benevoles",
        "volontaire",
        "volontaires",
        "متطوع",
        "متطوعون",
    ),
    "media": ("media", "medias", "press", "presse", "journalist", "journaliste", "إعلام", "صحفي"),
    "contractor": (
        "contractor",
        "contractors",
        "prestataire",
        "prestataires",
        "sous-traitant",
        "مقاول",
    ),
}


class TableError(Exception):
    """The file cannot be read as a table; the message says why."""


@dataclass(frozen=True)
class Table:
    encoding: str
    columns: list[str]
    rows: list[tuple[int, list[str]]]  # (line, cells)


@dataclass
class Mapping:
    """Which columns hold what: names are joined in the file's order."""

    names: list[int]
    alias: int | None = None
    date_of_birth: int | None = None
    nationality: int | None = None
    documents: list[int] = field(default_factory=list)
    category: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "names": self.names,
            "alias": self.alias,
            "date_of_birth": self.date_of_birth,
            "nationality": self.nationality,
            "documents": self.documents,
            "category": self.category,
        }


@dataclass(frozen=True)
class Row:
    line: int
    names: list[str]
    date_of_birth: str
    nationalities: list[str]
    documents: list[str]
    category: str = ""

    @property
    def key(self) -> str:
        """The same person in another list of the event: folded names, date of birth,
        documents (so a corrected date of birth is a new applicant to screen)."""
        parts = [" ".join(strip_diacritics(n).casefold().split()) for n in self.names]
        text = "\x1f".join([*parts, self.date_of_birth, *sorted(self.documents)])
        return hashlib.sha256(text.encode()).hexdigest()


def read_table(data: bytes, file_name: str) -> Table:
    if data.startswith(_XLSX_MAGIC) or file_name.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    try:
        text, encoding = decode(data)
    except InputError as error:
        raise TableError(str(error)) from None
    return _read_csv(text, encoding)


def _read_csv(text: str, encoding: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(c.strip() for c in header):
            raise TableError(_("The file is empty: a header row is needed."))
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as error:
        raise TableError(
            _("line %(line)d: %(error)s") % {"line": reader.line_num, "error": error}
        ) from None
    return Table(encoding, [c.strip() for c in header], rows)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TableError(_("This is not an XLSX workbook that can be read.")) from None
    if unzipped > settings.LIST_MAX_BYTES * MAX_UNZIPPED_RATIO:
        raise TableError(_("The file is too large."))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # ParseError: broken XML, or entity expansion (billion laughs) stopped by expat.
    except (ParseError, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise TableError(_("This is not an XLSX workbook that can be read.")) from None
    try:
        sheet = book.worksheets[0]
        lines = iter(sheet.iter_rows(values_only=True))
        header = [_cell(v) for v in next(lines, ())]
        if not any(header):
            raise TableError(_("The file is empty: a header row is needed."))
        rows = [
            (n, [_cell(v) for v in values])
            for n, values in enumerate(lines, start=2)
            if any(v not in (None, "") for v in values)
        ]
    finally:
        book.close()
    return Table("xlsx", header, rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def guess_mapping(columns: list[str]) -> Mapping:
    """A first proposal from the header's words; the uploader checks and corrects it."""
    found: dict[str, list[int]] = {role: [] for role in GUESSES}
    for index, column in enumerate(columns):
        for role, words in GUESSES.items():
            if column.strip().lower() in words:
                found[role].append(index)
                break
    single = {
        r: (found[r][0] if found[r] else None)
        for r in ("alias", "date_of_birth", "nationality", "category")
    }
    return Mapping(names=found["names"], documents=found["documents"], **single)


def rows(table: Table, mapping: Mapping) -> Iterator[Row | tuple[int, str]]:
    """Each row mapped, or (line, reason) for a bad one."""
    width = len(table.columns)
    for line, cells in table.rows:
        if len(cells) > width:
            yield (
                line,
                _("%(n)d fields where the header has %(width)d")
                % {
                    "n": len(cells),
                    "width": width,
                },
            )
            continue
        cells = cells + [""] * (width - len(cells))
        try:
            yield _row(line, cells, mapping)
        except ValueError as error:
            yield line, str(error)


def _row(line: int, cells: list[str], mapping: Mapping) -> Row:
    name = " ".join(cells[i].strip() for i in mapping.names if cells[i].strip())
    if not name:
        raise ValueError(_("no name"))
    if len(name) > MAX_NAME:
        raise ValueError(_("the name is longer than %(n)d characters") % {"n": MAX_NAME})
    names = [name]
    if mapping.alias is not None and cells[mapping.alias].strip():
        names.append(cells[mapping.alias].strip()[:MAX_NAME])
    return Row(
        line,
        names,
        _dob(cells, mapping),
        _nationalities(cells, mapping),
        _docs(cells, mapping),
        _category(cells, mapping),
    )


def _dob(cells: list[str], mapping: Mapping) -> str:
    if mapping.date_of_birth is None:
        return ""
    value = cells[mapping.date_of_birth].strip()
    if value:
        try:
            parse_date(value)
        except ValueError:
            raise ValueError(
                _("date of birth not understood: %(value)s") % {"value": value[:40]}
            ) from None
    return value


def _nationalities(cells: list[str], mapping: Mapping) -> list[str]:
    if mapping.nationality is None:
        return []
    codes = [c.strip().upper() for c in _SEPARATORS.split(cells[mapping.nationality]) if c.strip()]
    if bad := [c for c in codes if not _NATIONALITY.match(c)]:
        raise ValueError(
            _("nationality is not a two-letter country code: %(value)s") % {"value": bad[0][:20]}
        )
    return codes


def _docs(cells: list[str], mapping: Mapping) -> list[str]:
    return [cells[i].strip()[:64] for i in mapping.documents if cells[i].strip()]


def _category(cells: list[str], mapping: Mapping) -> str:
    if mapping.category is None or not cells[mapping.category].strip():
        return ""
    word = strip_diacritics(cells[mapping.category]).casefold().strip()
    found = [name for name, words in CATEGORY_WORDS.items() if word in words]
    return found[0] if found else "other"

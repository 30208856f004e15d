"""Pure functions behind `liaison match` and `liaison screen` (the commands only wrap these).

CSV input (queries and watchlist), one person per row, header row required:

| column        | required            | format                                              |
|---------------|---------------------|-----------------------------------------------------|
| name          | yes                 | full name, any script                               |
| aliases       | no                  | other names, separated by `|`                       |
| date_of_birth | no                  | 1980, 1980-05, 1980-05-17, 17/05/1980 or 05/1980    |
| nationality   | no                  | ISO 3166 alpha-2 codes, separated by `|` or `;`     |
| sex           | no                  | M or F                                              |
| id            | watchlist: yes      | unique identifier of the person                     |

Files may be UTF-8 (with or without BOM) or Windows-1256 (Arabic Windows exports). A bad
row is reported and skipped; a file that is not CSV text at all (a NUL byte, no `name`
column, a field over the csv module's limit of 131,072 characters) is refused whole with
InputError. The output goes through `liaison.safecsv`, so no cell acts as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from liaison.matching.compare import compare
from liaison.matching.dates import parse_date
from liaison.matching.screen import Hit, Screener
from liaison.matching.thresholds import SCREENING_THRESHOLD
from liaison.matching.types import Identity, Sex
from liaison.safecsv import SafeWriter

_NATIONALITY = re.compile(r"^[A-Z]{2}$")
_LIST_SEPARATORS = re.compile(r"[|;]")
OUTPUT_COLUMNS = [
    "query_line",
    "query_id",
    "query_name",
    "watchlist_id",
    "watchlist_name",
    "score",
    "name_score",
    "rule",
    "evidence",
]


class InputError(Exception):
    """The file cannot be read as CSV at all; the message says which line and what is wrong."""


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that was skipped, and why (reported, never fatal)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ScreenSummary:
    """What a screening run did, for the command's closing message."""

    queries: int
    watchlist: int
    hits: int
    bad_rows: int
    encoding: str


def match_json(a: str, b: str, dob_a: str | None = None, dob_b: str | None = None) -> str:
    """`liaison match`: JSON with the score and its evidence. Raises ValueError on a bad date."""
    for dob in (dob_a, dob_b):
        if dob:
            parse_date(dob)
    match = compare(Identity.of(a, dob=dob_a), Identity.of(b, dob=dob_b))
    return json.dumps(match.as_dict(), ensure_ascii=False, indent=2)


def decode(data: bytes) -> tuple[str, str]:
    """Text of a CSV file and the encoding used: UTF-8 (BOM optional) strictly, else cp1256.

    Windows-1256 decodes any byte, so a binary file would pass as garbage text: a NUL byte,
    which no CSV text holds (but every binary and UTF-16 file does), refuses it.
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(
            f"line {line}: a NUL byte; this is a binary or UTF-16 file, "
            "not a UTF-8 or Windows-1256 CSV file"
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1256", errors="replace"), "cp1256"


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in _LIST_SEPARATORS.split(value) if v.strip())


def _identity(row: dict[str, str], need_id: bool) -> Identity:
    name = (row.get("name") or "").strip()
    if not name:
        raise ValueError("name is empty")
    aliases = tuple(a for a in _split(row.get("aliases") or "") if a != name)
    dob = (row.get("date_of_birth") or "").strip()
    if dob:
        parse_date(dob)
    nationalities = tuple(n.upper() for n in _split(row.get("nationality") or ""))
    if bad := [n for n in nationalities if not _NATIONALITY.match(n)]:
        raise ValueError(f"nationality is not an ISO 3166 alpha-2 code: {bad[0]!r}")
    sex = (row.get("sex") or "").strip().upper() or None
    if sex not in (None, "M", "F"):
        raise ValueError(f"sex must be M or F, not {sex!r}")
    row_id = (row.get("id") or "").strip() or None
    if need_id and row_id is None:
        raise ValueError("id is empty")
    chosen: Sex | None = "M" if sex == "M" else "F" if sex == "F" else None
    return Identity((name, *aliases), (dob,) if dob else (), nationalities, chosen, row_id)


def read_identities(
    text: str, *, need_id: bool = False
) -> Iterator[tuple[int, Identity | RowError]]:
    """Parse CSV text into (line, identity) or (line, error); bad rows never stop the rest.

    InputError if the text is not CSV with a `name` column (nothing is usable then).
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        yield from _identities(reader, need_id)
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit()
        # The inner reader: DictReader counts lines only once a row has parsed.
        raise InputError(f"line {reader.reader.line_num}: {exc}") from None


def _identities(
    reader: csv.DictReader[str], need_id: bool
) -> Iterator[tuple[int, Identity | RowError]]:
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "name" not in fields:
        raise InputError("line 1: the header has no 'name' column")
    reader.fieldnames = fields
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            yield line, RowError(line, "wrong number of fields")
            continue
        try:
            identity = _identity(row, need_id)
        except ValueError as exc:
            yield line, RowError(line, str(exc))
            continue
        if need_id and identity.id in seen:
            yield line, RowError(line, f"duplicate id {identity.id!r}")
            continue
        seen.add(identity.id or "")
        yield line, identity


def load_watchlist(path: Path, report: Callable[[RowError], None]) -> list[Identity]:
    """Watchlist identities from a CSV file (id and name required); bad rows reported.

    InputError if the file is not CSV text with a `name` column.
    """
    text, _ = decode(path.read_bytes())
    out: list[Identity] = []
    for _, item in read_identities(text, need_id=True):
        if isinstance(item, RowError):
            report(item)
        else:
            out.append(item)
    return out


def _hit_row(line: int, hit: Hit) -> list[str]:
    """The cells of OUTPUT_COLUMNS, in that order."""
    m = hit.match
    return [
        str(line),
        hit.query_id or "",
        m.names.name_a,
        hit.watchlist_id,
        m.names.name_b,
        f"{hit.score:.4f}",
        f"{m.name_score:.4f}",
        m.names.rule,
        json.dumps(m.as_dict(), ensure_ascii=False),
    ]


def screen_csv(
    input_path: Path,
    output: TextIO,
    watchlist: Iterable[Identity],
    *,
    threshold: float = SCREENING_THRESHOLD,
    errors: TextIO,
    progress: bool = True,
    workers: int = 1,
) -> ScreenSummary:
    """`liaison screen`: screen a CSV of people against watchlist identities, write hits.

    ``watchlist`` is any iterable of identities with ids: a CSV today, the registry's
    persons with active alerts once it supplies them. InputError, before anything is
    written, if the input is not CSV text with a `name` column.
    """
    screener = Screener(watchlist)
    text, encoding = decode(input_path.read_bytes())
    queries: list[Identity] = []
    lines: list[int] = []
    bad = 0
    for line, item in read_identities(text):
        if isinstance(item, RowError):
            bad += 1
            print(f"{input_path.name}: {item}", file=errors)
        else:
            queries.append(item)
            lines.append(line)
    writer = SafeWriter(output)
    writer.writerow(OUTPUT_COLUMNS)
    with tqdm(total=len(queries), unit="row", file=errors, disable=not progress) as bar:
        hits = screener.screen(queries, threshold, workers=workers, on_progress=bar.update)
    for hit in sorted(hits, key=lambda h: (h.query_index, -h.score)):
        writer.writerow(_hit_row(lines[hit.query_index], hit))
    return ScreenSummary(len(queries), len(screener), len(hits), bad, encoding)

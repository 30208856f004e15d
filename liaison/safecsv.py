"""The one CSV writer of every export: cells a spreadsheet opens as data, never as formulas.

A spreadsheet runs a cell that starts with = + - or @ (and, in some, a tab or carriage
return) as a formula, so a name like `=HYPERLINK("http://x")` typed into a record or an
input file would act when the export is opened (CSV injection). Every text cell written
here gets a leading ' in that case, which spreadsheets show as text and do not store.

Plain Python, no Django: the registry and audit exports use it, and so does
`liaison.matching` (the `liaison screen` output), which must not import Django.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# C0 control characters other than tab, line feed and carriage return: illegal in XLSX
# (openpyxl refuses them) and garbage in CSV. The same set as openpyxl's.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class TextSink(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: str) -> str:
    """The text, made inert for spreadsheets: a formula-looking cell gets a leading '.

    Control characters go first, so that removing them cannot uncover a formula trigger
    behind them.
    """
    value = CONTROL_CHARACTERS.sub("", value)
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def safe_cell(value: object) -> object:
    """A cell ready for csv: numbers and None as they are, anything else as neutralised text.

    Numbers are the exporter's own (ids, counts, scores), so a negative one stays a number.
    """
    if value is None or isinstance(value, int | float):
        return value
    return neutralise(str(value))


class SafeWriter:
    """csv.writer with every cell passed through `safe_cell`."""

    def __init__(self, stream: TextSink) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[object]) -> Any:
        """Write one row; returns what the stream's write returned (the line, for an echo)."""
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)

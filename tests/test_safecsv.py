"""The one CSV writer of every export (liaison.safecsv): pure, no database."""

from __future__ import annotations

import csv
import io

import pytest

from liaison.safecsv import SafeWriter, neutralise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\x01=1+1", "'=1+1"),
        ("Mohamed", "Mohamed"),
        ("1984-03", "1984-03"),
        ("'=already", "'=already"),
    ],
)
def test_formula_triggers_are_neutralised(value: str, expected: str) -> None:
    assert neutralise(value) == expected


def test_the_writer_neutralises_text_and_keeps_numbers_as_numbers() -> None:
    stream = io.StringIO()
    SafeWriter(stream).writerows([["a", "b", "c", "d"], ["=1+1", -3, None, 0.5]])
    assert list(csv.reader(io.StringIO(stream.getvalue()))) == [
        ["a", "b", "c", "d"],
        ["'=1+1", "-3", "", "0.5"],
    ]


def test_the_writer_returns_the_line_for_streaming_responses() -> None:
    class Echo:
        def write(self, text: str) -> str:
            return text

    assert SafeWriter(Echo()).writerow(["@x", 1]) == "'@x,1\r\n"

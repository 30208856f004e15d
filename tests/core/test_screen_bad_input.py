"""`liaison screen` on input that is not CSV text: a real process, as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

OLD_OUTPUT = "query_line\nfrom an earlier run\n"
WATCHLIST = b"id,name\nw1,Ali Ben Ali\n"


def _screen(
    folder: Path, source: bytes, watchlist: bytes = WATCHLIST, output: str = "hits.csv"
) -> list[str]:
    """Run the command; its stderr lines (it must fail). hits.csv holds an older output."""
    (folder / "in.csv").write_bytes(source)
    (folder / "watch.csv").write_bytes(watchlist)
    (folder / "hits.csv").write_text(OLD_OUTPUT, encoding="utf-8")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LIAISON_", "DJANGO_", "DATABASE_URL"))
    }
    command = ["screen", "in.csv", "-o", output, "--watchlist", "watch.csv"]
    result = subprocess.run(
        [sys.executable, "-m", "liaison.cli", *command],
        cwd=folder,
        env={**clean, "LIAISON_DATA_DIR": str(folder / "data"), "LIAISON_HTTPS": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    return result.stderr.strip().splitlines()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"name\nAli\nBob\n" + b"x" * 131_073 + b"\nZed\n",
            "in.csv: line 4: field larger than field limit (131072)",
        ),
        (
            b"name\nAli\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "in.csv: line 5: a NUL byte; this is a binary or UTF-16 file, "
            "not a UTF-8 or Windows-1256 CSV file",
        ),
        (b"nom,date\nAli,1980\n", "in.csv: line 1: the header has no 'name' column"),
    ],
)
def test_it_refuses_bad_input_in_one_line_and_leaves_the_output_alone(
    tmp_path: Path, content: bytes, message: str
) -> None:
    assert _screen(tmp_path, content) == [f"CommandError: {message}; no output written."]
    assert (tmp_path / "hits.csv").read_text(encoding="utf-8") == OLD_OUTPUT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "hits.csv", "in.csv", "watch.csv"]


def test_it_refuses_a_binary_watchlist_in_one_line(tmp_path: Path) -> None:
    lines = _screen(tmp_path, b"name\nAli Ben Ali\n", watchlist=b"id,name\n\x00\x01")
    assert lines == [
        "CommandError: watch.csv: line 2: a NUL byte; this is a binary or UTF-16 file, "
        "not a UTF-8 or Windows-1256 CSV file"
    ]
    assert (tmp_path / "hits.csv").read_text(encoding="utf-8") == OLD_OUTPUT


def test_it_refuses_an_output_folder_that_does_not_exist_in_one_line(tmp_path: Path) -> None:
    lines = _screen(tmp_path, b"name\nAli Ben Ali\n", output="nowhere/hits.csv")
    assert lines == ["CommandError: cannot write nowhere/hits.csv: No such file or directory"]

"""Deeply nested JSON is refused by `liaison import-notices` in bounded memory."""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from liaison.registry.notices import MAX_DEPTH, DepthLimitedReader, NoticeFileError, scan

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
# Python with Django loaded takes a few hundred MB of address space; before the depth
# check, 200 KB of nested brackets needed about 23 GB.
ADDRESS_SPACE = 1536 * 1024 * 1024


# The command runs in a Python that first lowers its own address-space limit, then runs
# `liaison` in place (exec keeps the limit).
LIMITED = (
    "import os, resource, sys; "
    f"resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE})); "
    "os.execv(sys.executable, [sys.executable, '-m', 'liaison.cli', *sys.argv[1:]])"
)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a migrated SQLite node with one officer."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LIAISON_", "DJANGO_", "DATABASE_URL"))
    }
    env = {
        **clean,
        "LIAISON_DATA_DIR": str(tmp_path_factory.mktemp("node")),
        "LIAISON_HTTPS": "0",
        "LIAISON_LANGUAGE": "en",
    }
    _liaison(env, "migrate", "-v", "0")
    _liaison(env, "users", "add-agency", "Test service", "--country", "MA")
    create = ["create", "officer", "--agency", "Test service", "--role", "officer"]
    _liaison(env, "users", *create, "--password-stdin", stdin="a long enough password 1\n")
    return env


def _liaison(env: dict[str, str], *args: str, stdin: str = "") -> None:
    command = [sys.executable, "-m", "liaison.cli", *args]
    subprocess.run(command, cwd=ROOT, env=env, input=stdin, text=True, check=True)


def _import(node: dict[str, str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LIMITED, "import-notices", str(path), "--actor", "officer"],
        cwd=ROOT,
        env=node,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _persons(node: dict[str, str]) -> int:
    database = Path(node["LIAISON_DATA_DIR"]) / "liaison.sqlite3"
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM registry_person").fetchone()[0])


def test_it_refuses_deeply_nested_json_in_bounded_memory(
    node: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    before = _persons(node)  # the node is the module's: the other test may have imported
    result = _import(node, path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [
        f"CommandError: {path} nests arrays or objects deeper than {MAX_DEPTH} levels; "
        "INTERPOL notices need far fewer; nothing was imported."
    ]
    assert _persons(node) == before


def test_a_valid_nested_notice_file_still_imports_under_the_same_limit(
    node: dict[str, str],
) -> None:
    before = _persons(node)
    result = _import(node, DATA / "notices_page.json")
    assert (result.returncode, result.stdout.strip()) == (0, "created 2, updated 0, rejected 0")
    assert _persons(node) == before + 2


def test_nesting_is_allowed_up_to_the_limit_and_refused_past_it(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert scan(path) == "item"
    path.write_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(NoticeFileError, match=f"deeper than {MAX_DEPTH} levels"):
        scan(path)


def _document(rng: random.Random, depth: int) -> Any:
    """A JSON value nested exactly `depth` levels, with strings full of brackets and escapes."""
    text = "".join(rng.choice('[]{}"\\/ab\u00e9\u0645\n') for _ in range(rng.randint(0, 12)))
    if depth == 0:
        return rng.choice([text, 7, None, True])
    inner = [_document(rng, rng.randint(0, depth - 1)) for _ in range(rng.randint(0, 2))]
    inner.insert(rng.randint(0, len(inner)), _document(rng, depth - 1))
    return inner if rng.random() < 0.5 else {f"{text}{n}": v for n, v in enumerate(inner)}


class _Trickle(io.RawIOBase):
    """A stream that returns at most `size` bytes a read, so strings split across reads."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data, self._size, self._at = data, size, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._data[self._at : self._at + self._size]
        self._at += len(chunk)
        return chunk


def _passes(data: bytes, chunk: int, limit: int) -> bool:
    reader = DepthLimitedReader(_Trickle(data, chunk), Path("x.json"), limit)  # type: ignore[arg-type]
    try:
        while reader.read(65536):
            pass
    except NoticeFileError:
        return False
    return True


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
def test_the_depth_is_counted_outside_strings_whatever_the_reads(chunk: int) -> None:
    rng = random.Random(chunk)
    for _ in range(60):
        depth = rng.randint(1, 8)
        data = json.dumps(_document(rng, depth), ensure_ascii=rng.random() < 0.5).encode()
        assert _passes(data, chunk, depth), data
        assert not _passes(data, chunk, depth - 1), data

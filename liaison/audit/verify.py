"""Checking the chain: streamed in seq order, in bounded memory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection

from liaison.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    canonical,
    changes_digest,
    hash_of,
    timestamp,
)
from liaison.audit.models import AuditChainHead, AuditEntry

_COLUMNS = (*HASHED_FIELDS, "changes", "hash")
_SEQ, _HASH = _COLUMNS.index("seq"), _COLUMNS.index("hash")


def _batch_query() -> str:
    """One batch of rows, `at` as text: the drivers' datetime parsing (Django's regex
    converter on SQLite, psycopg's Python loader) cost more than hashing. PostgreSQL writes
    the canonical form itself; SQLite's stored text is turned into it by _at_text."""
    if connection.vendor == "postgresql":
        at = """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    else:
        at = "CAST(at AS TEXT)"
    columns = ", ".join(at if name == "at" else name for name in _COLUMNS)
    return (
        f"SELECT {columns} FROM {AuditEntry._meta.db_table}"  # noqa: S608 (constant names)
        " WHERE seq > %s ORDER BY seq LIMIT %s"
    )


@dataclass(frozen=True)
class Outcome:
    """The result of a verification: how many entries held, and the first break if any."""

    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem  # a break always says what it is


def stream_entries(batch_size: int) -> Iterator[tuple[Any, ...]]:
    """Every row (in _COLUMNS order) by seq, by keyset pagination: one batch in memory at a
    time. Plain cursor rows, not the ORM's: building model values cost more than hashing."""
    # Not mutated: seqs start at 1, so any start below 1 reads the same rows.
    last, query = -1, _batch_query()  # pragma: no mutate
    with connection.cursor() as cursor:
        while True:
            cursor.execute(query, [last, batch_size])
            batch = cursor.fetchall()
            yield from batch
            if len(batch) < batch_size:
                return
            last = batch[-1][_SEQ]


def problem_with(
    row: tuple[Any, ...],
    expected_seq: int,
    prev_hash: str,
    *,
    utc_text: bool = False,  # pragma: no mutate (it only allows _at_text's shortcuts)
) -> str:
    """What is wrong with one entry given its predecessor, or "" when it holds.

    `utc_text`: `at` comes as the text Django writes for UTC (SQLite without a TIME_ZONE).
    """
    entry = dict(zip(_COLUMNS, row, strict=True))
    if entry["seq"] != expected_seq:
        return f"entry seq {expected_seq} is missing (deleted, or seqs were renumbered)"
    try:
        changes = _json(entry["changes"])
        if changes is not None and changes_digest(changes) != entry["changes_digest"]:
            return "the recorded changes were altered"
        at, detail = _at_text(entry["at"], utc_text), _detail_text(entry["detail"])
        if hash_of(entry, at=at, detail=detail) != entry["hash"]:
            return "hash mismatch: the entry's content was altered"
    except (TypeError, ValueError):  # a date or JSON edited to garbage, text in an id
        return "unreadable value: the entry's content was altered"
    if entry["prev_hash"] != prev_hash:
        return "prev_hash does not match the previous entry's hash"
    return ""


_CANONICAL_AT = "2025-01-31T09:15:02.000123Z"


def _at_text(value: datetime | str, utc_text: bool) -> str:
    """`at` in canonical form, from _batch_query's text: already canonical from PostgreSQL;
    from SQLite, the text Django wrote (naive, in the connection's time zone: UTC unless
    DATABASES sets TIME_ZONE)."""
    if isinstance(value, datetime):
        return timestamp(value)
    # The four tests below are shortcuts past the parse at the end, which gives the same
    # text: a mutant that turns one off is equivalent, so they are not mutated. One that
    # took a shortcut for another spelling would change the text, which
    # tests/audit/test_tamper.py pins for every spelling of an instant.
    canonical_shape = len(value) == len(_CANONICAL_AT)  # pragma: no mutate
    if canonical_shape and value[10] == "T" and value[-1] == "Z":  # pragma: no mutate
        return value  # PostgreSQL's to_char: one text per instant, like timestamp()
    if utc_text and value[10:11] == " ":  # pragma: no mutate
        # Django writes str(datetime): "2025-01-31 09:15:02.000123" for the canonical
        # "2025-01-31T09:15:02.000123Z", "2025-01-31 09:15:02" when the microseconds are 0.
        # Only that text gives that result, so no other instant can pass; any other shape
        # (an offset, a T) is parsed below.
        if len(value) == len(_CANONICAL_AT) - 1:  # pragma: no mutate
            return f"{value[:10]}T{value[11:]}Z"
        if len(value) == len("2025-01-31 09:15:02"):  # pragma: no mutate
            return f"{value[:10]}T{value[11:]}.000000Z"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # an offset written in the text is kept: it moves the instant
        parsed = parsed.replace(tzinfo=connection.timezone)
    return timestamp(parsed)


@lru_cache(maxsize=4096)  # pragma: no mutate (a cache's size or absence changes no result)
def _detail_text(stored: str) -> str:
    """Canonical text of a stored `detail`. Cached: a log repeats a few shapes ({},
    {"factor": "password"}, {"results": 3}) and the result depends on the text alone."""
    return canonical(json.loads(stored)).decode("utf-8")


def _json(value: Any) -> Any:
    """Both backends hand JSON columns over as text (Django loads jsonb as text too)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def verify_chain(
    batch_size: int = 20_000,  # pragma: no mutate (any size reads the same rows)
    progress: Callable[[int], object] | None = None,
) -> Outcome:
    checked, prev_hash = 0, GENESIS
    # Not mutated: utc_text only allows _at_text's shortcuts.
    sqlite = connection.vendor == "sqlite"  # pragma: no mutate
    utc_text = sqlite and connection.timezone_name == "UTC"  # pragma: no mutate
    for row in stream_entries(batch_size):
        problem = problem_with(row, checked + 1, prev_hash, utc_text=utc_text)
        if problem:
            return Outcome(checked, checked, prev_hash, broken_seq=row[_SEQ], problem=problem)
        checked, prev_hash = checked + 1, row[_HASH]
        if progress is not None and checked % batch_size == 0:
            progress(batch_size)
    return _check_head(checked, prev_hash)


def _check_head(checked: int, last_hash: str) -> Outcome:
    """The head row must name the last entry: this catches removal or forgery at the end."""
    head = AuditChainHead.objects.filter(pk=1).values("seq", "hash").first()
    if head is None:
        problem = "the chain head is missing" if checked else ""
        return Outcome(checked, checked, last_hash, broken_seq=checked or None, problem=problem)
    seq, digest = head["seq"], head["hash"]
    if seq < checked:
        broken, problem = seq + 1, f"the entry is beyond the chain head (seq {seq}): forged"
    elif seq > checked:
        broken, problem = checked + 1, f"the entry is missing: the chain head is at seq {seq}"
    elif digest != last_hash:
        broken, problem = checked, "the entry's hash differs from the chain head's"
    else:
        return Outcome(checked, seq, digest)
    return Outcome(checked, seq, digest, broken_seq=broken, problem=problem)

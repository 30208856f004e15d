"""Checking the chain: streamed in seq order, in bounded memory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from liaison.audit.chain import GENESIS, HASHED_FIELDS, changes_digest, entry_hash
from liaison.audit.models import AuditChainHead, AuditEntry

_COLUMNS = (*HASHED_FIELDS, "changes", "hash")
_SEQ, _HASH = _COLUMNS.index("seq"), _COLUMNS.index("hash")


def _batch_query() -> str:
    # SQLite's driver would parse `at` with Django's regex converter; as text, the much
    # faster datetime.fromisoformat reads it (see _aware).
    at = "CAST(at AS TEXT)" if connection.vendor == "sqlite" else "at"
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
        return self.broken_seq is None and not self.problem


def stream_entries(batch_size: int) -> Iterator[tuple[Any, ...]]:
    """Every row (in _COLUMNS order) by seq, by keyset pagination: one batch in memory at a
    time. Plain cursor rows, not the ORM's: building model values cost more than hashing."""
    last, query = -1, _batch_query()
    with connection.cursor() as cursor:
        while True:
            cursor.execute(query, [last, batch_size])
            batch = cursor.fetchall()
            yield from batch
            if len(batch) < batch_size:
                return
            last = batch[-1][_SEQ]


def problem_with(row: tuple[Any, ...], expected_seq: int, prev_hash: str) -> str:
    """What is wrong with one entry given its predecessor, or "" when it holds."""
    if row[_SEQ] != expected_seq:
        return f"entry seq {expected_seq} is missing (deleted, or seqs were renumbered)"
    try:
        entry = _entry(row)
        if (
            entry["changes"] is not None
            and changes_digest(entry["changes"]) != entry["changes_digest"]
        ):
            return "the recorded changes were altered"
        if entry_hash(entry) != entry["hash"]:
            return "hash mismatch: the entry's content was altered"
    except (TypeError, ValueError, AttributeError):  # e.g. a date or JSON edited into garbage
        return "unreadable value: the entry's content was altered"
    if entry["prev_hash"] != prev_hash:
        return "prev_hash does not match the previous entry's hash"
    return ""


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
    """A row as the values the entry was hashed from (what the ORM's converters give)."""
    entry = dict(zip(_COLUMNS, row, strict=True))
    entry["at"] = _aware(entry["at"])
    entry["detail"] = _json(entry["detail"])
    entry["changes"] = _json(entry["changes"])
    return entry


def _aware(at: datetime | str) -> datetime:
    """SQLite gives the text Django wrote (naive, in the connection's time zone, UTC by
    default); PostgreSQL an aware datetime."""
    value = datetime.fromisoformat(at) if isinstance(at, str) else at
    return value if value.tzinfo is not None else value.replace(tzinfo=connection.timezone)


def _json(value: Any) -> Any:
    """Both backends hand JSON columns over as text (Django loads jsonb as text too)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def verify_chain(batch_size: int = 5000, progress: Callable[[int], None] | None = None) -> Outcome:
    checked, prev_hash = 0, GENESIS
    for row in stream_entries(batch_size):
        problem = problem_with(row, checked + 1, prev_hash)
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

"""Checking the chain: streamed in seq order, in bounded memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from liaison.audit.chain import GENESIS, HASHED_FIELDS, changes_digest, entry_hash
from liaison.audit.models import AuditChainHead, AuditEntry

_COLUMNS = (*HASHED_FIELDS, "changes", "hash")


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


def stream_entries(batch_size: int) -> Iterator[dict[str, Any]]:
    """Every entry in seq order, by keyset pagination: one batch in memory at a time."""
    last = -1
    while True:
        batch = list(
            AuditEntry.objects.filter(seq__gt=last).order_by("seq").values(*_COLUMNS)[:batch_size]
        )
        yield from batch
        if len(batch) < batch_size:
            return
        last = batch[-1]["seq"]


def problem_with(row: dict[str, Any], expected_seq: int, prev_hash: str) -> str:
    """What is wrong with one entry given its predecessor, or "" when it holds."""
    if row["seq"] != expected_seq:
        return f"entry seq {expected_seq} is missing (deleted, or seqs were renumbered)"
    if row["changes"] is not None and changes_digest(row["changes"]) != row["changes_digest"]:
        return "the recorded changes were altered"
    if entry_hash(row) != row["hash"]:
        return "hash mismatch: the entry's content was altered"
    if row["prev_hash"] != prev_hash:
        return "prev_hash does not match the previous entry's hash"
    return ""


def verify_chain(
    batch_size: int = 5000, progress: Callable[[int], object] | None = None
) -> Outcome:
    checked, prev_hash = 0, GENESIS
    for row in stream_entries(batch_size):
        problem = problem_with(row, checked + 1, prev_hash)
        if problem:
            return Outcome(checked, checked, prev_hash, broken_seq=row["seq"], problem=problem)
        checked, prev_hash = checked + 1, row["hash"]
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

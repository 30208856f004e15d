"""The hash chain: canonical form of an entry and its SHA-256. No Django import.

docs/audit.md describes the format; changing anything here invalidates every existing chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from json.encoder import encode_basestring as _text
from typing import Any

GENESIS = "0" * 64

# The fields an entry's hash covers, besides seq and prev_hash. `changes` is covered through
# `changes_digest`, so that erasure can redact old/new values without breaking the chain.
CONTENT_FIELDS = (
    "at",
    "actor_user_id",
    "actor_username",
    "actor_agency",
    "peer_node",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "purpose_reference",
    "origin",
    "changes_digest",
    "detail",
)
HASHED_FIELDS = ("seq", *CONTENT_FIELDS, "prev_hash")


def canonical(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8; NaN and infinities are refused."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def timestamp(at: datetime) -> str:
    """ISO 8601 in UTC with microseconds, e.g. 2025-01-31T09:15:02.000123Z."""
    if at.tzinfo is None:
        raise ValueError("Audit timestamps must be aware.")
    at = at.astimezone(UTC)
    # Not mutated: `<= 1000` and `< 1001` are equivalent (year 1000 has four digits either
    # way); year 999 is pinned by tests/audit/test_chain_format.py.
    if at.year < 1000:  # strftime's %Y does not pad these; isoformat would  # pragma: no mutate
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{at.isoformat(timespec='microseconds')[:-6]}Z"  # isoformat is ~2x faster


def changes_digest(changes: Any) -> str:
    """SHA-256 of the canonical changes, or "" when there are none."""
    return "" if changes is None else hashlib.sha256(canonical(changes)).hexdigest()


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields (see HASHED_FIELDS)."""
    detail = canonical(fields["detail"]).decode("utf-8")
    return hash_of(fields, at=timestamp(fields["at"]), detail=detail)


def hash_of(fields: Mapping[str, Any], *, at: str, detail: str) -> str:
    """entry_hash, given `at` and `detail` already in canonical form (verify derives them
    from the stored text more cheaply than from values).

    The text is canonical() of the hashed fields, written out in sorted key order: the same
    bytes (tests/audit/test_chain_format.py) at about two thirds of the cost, which matters
    a million times over in verify. Text fields must be str and the ids int (or None for the
    user): anything else raises TypeError, where json would have written another type.
    """
    f = fields
    text = (
        f'{{"action":{_text(f["action"])},"actor_agency":{_text(f["actor_agency"])},'
        f'"actor_user_id":{_int_or_null(f["actor_user_id"])},'
        f'"actor_username":{_text(f["actor_username"])},"at":{_text(at)},'
        f'"changes_digest":{_text(f["changes_digest"])},"detail":{detail},'
        f'"object_id":{_text(f["object_id"])},"object_type":{_text(f["object_type"])},'
        f'"origin":{_text(f["origin"])},"peer_node":{_text(f["peer_node"])},'
        f'"prev_hash":{_text(f["prev_hash"])},"purpose":{_text(f["purpose"])},'
        f'"purpose_reference":{_text(f["purpose_reference"])},"seq":{_int_or_null(f["seq"])}}}'
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _int_or_null(value: Any) -> str:
    if value is None:
        return "null"
    if type(value) is not int:  # bool, float or str would be written differently
        raise TypeError(f"Expected an integer id, got {type(value).__name__}.")
    return int.__repr__(value)

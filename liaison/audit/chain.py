"""The hash chain: canonical form of an entry and its SHA-256. No Django import.

docs/audit.md describes the format; changing anything here invalidates every existing chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
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
    if at.year < 1000:  # strftime's %Y does not pad these; isoformat would
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{at.isoformat(timespec='microseconds')[:-6]}Z"  # isoformat is ~2x faster


def changes_digest(changes: Any) -> str:
    """SHA-256 of the canonical changes, or "" when there are none."""
    return "" if changes is None else hashlib.sha256(canonical(changes)).hexdigest()


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields (see HASHED_FIELDS)."""
    content = {name: fields[name] for name in HASHED_FIELDS}
    content["at"] = timestamp(content["at"])
    return hashlib.sha256(canonical(content)).hexdigest()

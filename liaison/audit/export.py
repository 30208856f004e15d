"""CSV export of audit entries: ids, labels and changed field names; never record content."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from liaison.audit.chain import timestamp
from liaison.audit.models import AuditEntry
from liaison.safecsv import SafeWriter

HEADER = [
    "seq",
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
    "changed_fields",
    "detail",
    "hash",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    """One CSV line at a time, reading the database in chunks (bounded memory)."""
    writer = SafeWriter(_Echo())
    yield writer.writerow(HEADER)
    for entry in entries.iterator(chunk_size=2000):
        yield writer.writerow(row(entry))


def row(entry: AuditEntry) -> list[Any]:
    return [
        entry.seq,
        timestamp(entry.at),
        entry.actor_user_id if entry.actor_user_id is not None else "",
        entry.actor_username,
        entry.actor_agency,
        entry.peer_node,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.purpose,
        entry.purpose_reference,
        entry.origin,
        ";".join(entry.changed_fields),
        json.dumps(entry.detail, sort_keys=True, ensure_ascii=False) if entry.detail else "",
        entry.hash,
    ]

"""CSV export of audit entries: ids, labels and changed field names; never record content.

Two forms of the same rows: for people (the default), headers, actions, object types,
field names and details in the reader's language; for scripts (`?header=codes`), the
stored codes under the column names of docs/audit.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liaison.audit import labels
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

# The same columns, in words (the reader's language at the time of the export).
HEADER_WORDS = [
    _("sequence"),
    _("time (UTC)"),
    _("user id"),
    _("user"),
    _("agency"),
    _("partner node"),
    _("action"),
    _("object type"),
    _("object id"),
    _("purpose"),
    _("purpose reference"),
    _("origin"),
    _("changed fields"),
    _("detail"),
    _("hash"),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(entries: QuerySet[AuditEntry], *, codes: bool = False) -> Iterator[str]:
    """One CSV line at a time, reading the database in chunks (bounded memory)."""
    writer = SafeWriter(_Echo())
    yield writer.writerow(HEADER if codes else [str(label) for label in HEADER_WORDS])
    make_row = row if codes else row_in_words
    for entry in entries.iterator(chunk_size=2000):
        yield writer.writerow(make_row(entry))


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


def row_in_words(entry: AuditEntry) -> list[Any]:
    """`row`, with the codes a person cannot read put in words."""
    cells = row(entry)
    cells[6] = labels.action_label(entry.action)
    cells[7] = labels.object_type_label(entry.object_type) if entry.object_type else ""
    cells[12] = "; ".join(labels.changed_field_labels(entry.object_type, entry.changes))
    cells[13] = "; ".join(f"{key}: {text}" for key, text in labels.detail_in_words(entry.detail))
    return cells

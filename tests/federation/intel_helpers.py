"""Run inside a node (`liaison shell -c`): what the audit log and the outbox hold about
intelligence, as JSON. No pytest here: a node process imports this module by name."""

from __future__ import annotations

import json

from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope


def audit(*uids: str) -> None:
    """Every entry about these objects: [action, object type, peer node]."""
    rows = AuditEntry.objects.filter(object_id__in=uids).order_by("seq")
    print(json.dumps([[r.action, r.object_type, r.peer_node] for r in rows]))


def outbox(message_type: str) -> None:
    rows = OutboxEnvelope.objects.filter(message_type=message_type).order_by("seq")
    print(json.dumps([row.payload["object"] for row in rows]))

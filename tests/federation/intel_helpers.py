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


def reports_for_group(uid: str, username: str) -> None:
    """The uids of the reports the group's page lists for `username` on this node."""
    from liaison.accounts.models import User
    from liaison.cooperation.queries import get_group_for_user, reports_for

    user = User.objects.get(username=username)
    print(json.dumps([str(r.uid) for r in reports_for(user, get_group_for_user(user, uid))]))

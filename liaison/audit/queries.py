"""Permission-scoped reads of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from liaison.audit.models import AuditEntry

if TYPE_CHECKING:
    from liaison.accounts.models import Actor

AUDIT_PERMISSION = "accounts.view_audit"


def entries_visible_to(user: Actor) -> QuerySet[AuditEntry]:
    """The whole log for auditors, nothing for anyone else; newest first."""
    if not user.has_perm(AUDIT_PERMISSION):
        return AuditEntry.objects.none()
    return AuditEntry.objects.order_by("-seq")


def filter_entries(
    entries: QuerySet[AuditEntry],
    *,
    user: str = "",
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    purpose: str = "",
) -> QuerySet[AuditEntry]:
    """Narrow entries by actor username, object, action, time range and purpose text."""
    exact = {
        "actor_username": user,
        "object_type": object_type,
        "object_id": object_id,
        "action": action,
    }
    entries = entries.filter(**{field: value for field, value in exact.items() if value})
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    if purpose:
        entries = entries.filter(purpose__icontains=purpose)
    return entries

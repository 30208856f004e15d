"""Permission-scoped reads of attachments: what the user may see of the parent record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from liaison.attachments.models import Attachment
from liaison.attachments.parents import ParentType


def attachments_of(parent: ParentType, record: Any) -> QuerySet[Attachment]:
    """The attachments of a record the caller found the user may see (its scoped look-up);
    a partner's attachment only once all its bytes arrived."""
    rows = Attachment.objects.filter(parent_type=parent.name, parent_uid=record.uid)
    return rows.filter(complete=True).select_related("uploaded_by")


def get_attachment(parent: ParentType, record: Any, uid: UUID) -> Attachment:
    """One attachment of that record; 404 if it is not one of its (visible) attachments."""
    try:
        return attachments_of(parent, record).get(uid=uid)
    except (Attachment.DoesNotExist, ValueError):
        raise Http404 from None

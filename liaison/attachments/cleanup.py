"""Removing attachments and their bytes once nothing holds them: below the actions, the
exchange handlers and the parents' delete hook, which all need it."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction

from liaison.attachments import storage
from liaison.attachments.models import Attachment


def forget_attachments_of(parent_type: str, parent_uid: UUID) -> None:
    """The parent record was deleted (erased, or a partner's copy withdrawn): its
    attachments go with it, and their bytes once no other attachment holds them."""
    rows = Attachment.objects.filter(parent_type=parent_type, parent_uid=parent_uid)
    digests = set(rows.values_list("sha256", flat=True))
    rows.delete()
    release_files(digests)


def release_files(digests: set[str]) -> None:
    """After the commit, remove the bytes that no attachment holds any more."""

    def release() -> None:
        used = set(Attachment.objects.filter(sha256__in=digests).values_list("sha256", flat=True))
        for sha256 in digests:
            storage.delete_unless(sha256, sha256 in used)

    if digests:
        transaction.on_commit(release)


def sweep_store() -> int:
    """Remove files no attachment holds (left by a rolled-back upload, a crash, or a
    deletion that raced an upload of the same bytes). The worker runs it periodically."""
    used = set(Attachment.objects.values_list("sha256", flat=True))
    return storage.sweep(used)

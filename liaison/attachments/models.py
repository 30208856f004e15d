"""Files attached to records (requests for assistance; later reports and trainings): the
row here, the bytes outside the database (storage.py), named by their SHA-256."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liaison.records import SharedRecord


class Attachment(SharedRecord):
    """A file attached to a record (`parent_type`, `parent_uid`), owned by the node that
    uploaded it. A partner's copy is visible only once all its bytes arrived and matched
    the digest (`complete`)."""

    parent_type = models.CharField(_("attached to"), max_length=32)
    parent_uid = models.UUIDField(_("record"))
    file_name = models.CharField(_("file name"), max_length=200)
    media_type = models.CharField(_("media type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # The uploader's name as the owner's node gave it (a partner's user is no user here).
    uploaded_by_name = models.CharField(_("uploaded by"), max_length=200, blank=True)
    # A partner's copy: how many parts the owner sends; complete once they all arrived.
    parts = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["parent_type", "parent_uid"], name="attachment_parent_idx")]

    def __str__(self) -> str:
        return self.file_name


class StagedPart(models.Model):
    """One part of a partner's attachment, received and waiting for the others. Kept in
    the database, so it commits (or rolls back) with the envelope that brought it; deleted
    when the file is assembled."""

    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="+")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attachment", "index"], name="one_staged_part")
        ]

    def __str__(self) -> str:
        return f"{self.attachment_id}#{self.index}"

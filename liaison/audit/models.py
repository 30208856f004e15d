from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from liaison.audit.choices import Action


class AppendOnly(Exception):
    """Raised on any attempt to change or delete audit entries through the ORM."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Audit entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnly("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One event in the append-only, hash-chained audit log (docs/audit.md).

    Actor identity is kept as text and a plain user id, not a foreign key: deleting or
    renaming a user must not alter (or un-chain) what was logged about them.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), primary_key=True)
    at = models.DateTimeField(_("time"))
    actor_user_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    actor_agency = models.CharField(_("agency"), max_length=200, blank=True)
    peer_node = models.CharField(_("partner node"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=128, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    purpose_reference = models.CharField(_("purpose reference"), max_length=200, blank=True)
    origin = models.CharField(_("origin"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), null=True, blank=True)
    changes_digest = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_username"], name="audit_actor_idx"),
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("Audit entries cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Audit entries cannot be deleted.")

    @property
    def changed_fields(self) -> list[str]:
        """Names of the altered fields: what an auditor may see of an alteration."""
        return sorted(self.changes) if isinstance(self.changes, dict) else []


class AuditChainHead(models.Model):
    """The single row holding the last seq and hash; appends lock it to serialise."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.seq} {self.hash[:12]}"


class Verification(models.Model):
    """One run of `liaison audit verify`, kept beside the chain (not in it: a broken chain
    cannot take another entry) for the node-health page."""

    at = models.DateTimeField(_("when"), auto_now_add=True)
    ok = models.BooleanField(_("intact"))
    checked = models.PositiveBigIntegerField(_("entries verified"))
    broken_seq = models.PositiveBigIntegerField(_("first broken entry"), null=True, blank=True)
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        verbose_name = _("verification")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"

"""What the node knows about itself: which exchange workers are alive, and the API's
answers remembered under an idempotency key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerBeat(models.Model):
    """An exchange worker's last sign of life, written by its periodic job.

    In the database rather than in memory or a file: the web processes that show it may
    run on other hosts than the workers."""

    worker = models.CharField(_("worker"), max_length=128, primary_key=True)
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker")
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return self.worker


class IdempotencyKey(models.Model):
    """The first success answered to an API POST sent with an `Idempotency-Key` header, so
    that the same request retried with the same key gets that answer again instead of
    recording twice (liaison/core/idempotency.py). Kept for a day; the worker purges it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"))
    content_type = models.CharField(_("content type"), max_length=100)
    body = models.BinaryField(_("body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return self.key

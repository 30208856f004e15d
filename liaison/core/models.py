"""What the node knows about itself: which exchange workers are alive."""

from __future__ import annotations

from django.db import models
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

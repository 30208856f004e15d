"""What the desk stores: which items each user has read, and at which version."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DeskRead(models.Model):
    """One user has read one desk item (a record, an envelope) up to `version`.

    A newer version of the same item (a partner's update) is unread again; another user's
    reading changes nothing for this one.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=32)
    key = models.UUIDField()
    version = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "source", "key"], name="one_read_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.source}:{self.key}@{self.version}"

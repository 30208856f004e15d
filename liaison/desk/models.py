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


class MailNotice(models.Model):
    """An e-mail this node owes one of its users: written in the transaction of what it
    announces (so it is never lost, nor sent for what rolled back), sent by the worker
    (liaison/desk/mail.py). It names a kind and a link only: mail leaves the node."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    path = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "attempts"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"

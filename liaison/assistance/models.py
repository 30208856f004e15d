"""Requests for assistance between nodes, and the recipient's reply with its clock.

Each node writes only what it owns: the requester owns the `AssistanceRequest` (what is
asked, the information supplied later, a withdrawal); the recipient owns the `Reply`
(received, acknowledged, more information asked, answered, refused, and the deadline
clock). Each travels to the other node through the sharing contract (sharing.py), as a
partner's hit and the owner's decision on it do in the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from liaison.assistance import clock
from liaison.assistance.choices import CLOSED, RefusalCategory, RequestType, Status, Urgency
from liaison.core.field_rules import validate_line, validate_text
from liaison.records import SharedRecord


class AssistanceRequest(SharedRecord):
    """A request for assistance from this node's service to a partner's (or the reverse,
    as a read-only copy). `persons` links person uids the recipient already holds."""

    recipient_node = models.CharField(_("recipient service"), max_length=32, db_index=True)
    request_type = models.CharField(_("type"), max_length=16, choices=RequestType.choices)
    subject = models.CharField(_("subject"), max_length=200, validators=[validate_line])
    text = models.TextField(_("request"), max_length=8000, validators=[validate_text])
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    agreed_due = models.DateTimeField(_("agreed deadline"), null=True, blank=True)
    persons = models.JSONField(_("linked persons"), default=list, blank=True)
    requested_by_name = models.CharField(
        _("requested by"), max_length=200, validators=[validate_line]
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # The requester's steps: [{"at", "step", "note", "by"}], sent, information supplied...
    history = models.JSONField(_("history"), default=list, blank=True)

    class Meta:
        verbose_name = _("request for assistance")
        verbose_name_plural = _("requests for assistance")
        ordering = ["-created_at"]
        # The outbox (this node's requests, the newest first) reads its page from here
        # rather than sorting every request the node sent (bench/cooperation.py).
        indexes = [models.Index(fields=["owner_node", "-created_at"], name="request_owner_newest")]

    def __str__(self) -> str:
        return self.subject

    def reply_or_none(self) -> Reply | None:
        try:
            return self.reply
        except Reply.DoesNotExist:
            return None

    @property
    def status(self) -> str:
        reply = self.reply_or_none()
        if reply is not None and reply.status in CLOSED:
            return reply.status
        if self.withdrawn_at is not None:
            return Status.WITHDRAWN
        return reply.status if reply is not None else Status.SENT

    def get_status_display(self) -> str:
        return str(Status(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.status not in (*CLOSED, Status.WITHDRAWN)


class Reply(SharedRecord):
    """The recipient's side of a request: its state, its deadline clock and its answer.
    Owned by the recipient; travels back to the requester as `request.reply`."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("request",)
    request = models.OneToOneField(
        AssistanceRequest, on_delete=models.CASCADE, related_name="reply"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    received_on = models.DateTimeField(_("received on"))
    due_at = models.DateTimeField(_("deadline"), db_index=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("time paused (seconds)"), default=0)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True, max_length=8000, validators=[validate_text])
    # Set with a refusal (and only then); empty on refusals recorded before categories.
    refusal_category = models.CharField(
        _("reason for the refusal (category)"),
        max_length=16,
        choices=RefusalCategory.choices,
        blank=True,
    )
    persons = models.JSONField(_("persons shared with the answer"), default=list, blank=True)
    handled_by_name = models.CharField(
        _("handled by"), max_length=200, blank=True, validators=[validate_line]
    )
    # This node's escalation of its own overdue request to a supervisor (not sent).
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # The recipient's steps: [{"at", "step", "note", "by"}].
    history = models.JSONField(_("history"), default=list, blank=True)

    class Meta:
        verbose_name = _("reply to a request for assistance")
        verbose_name_plural = _("replies to requests for assistance")
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} · {self.request_id}"

    def as_clock(self, withdrawn_at: datetime | None = None) -> clock.Clock:
        """The clock as the pure functions read it; a withdrawal stops it too."""
        stopped = self.closed_at or withdrawn_at
        return clock.Clock(
            self.received_on, self.due_at, self.paused_since, self.paused_seconds, stopped
        )

"""The action plan of the cooperation: objectives, actions under them with their history
and the changes proposed to them, training sessions and technical assistance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from liaison.core.field_rules import validate_line, validate_text
from liaison.plan.choices import ActionStatus, AssistanceKind, AssistanceStatus, TrainingTopic
from liaison.records import SharedRecord

LINE = [validate_line]
TEXT = [validate_text]


class Objective(SharedRecord):
    """An objective of the plan (confront organised crime, track fugitives…), owned by the
    service that recorded it and shared with the partner so both see the same plan."""

    code = models.CharField(_("code"), max_length=16, validators=LINE)
    title = models.CharField(_("title"), max_length=200, validators=LINE)
    description = models.TextField(_("description"), max_length=4000, blank=True, validators=TEXT)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["code", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class PlanAction(SharedRecord):
    """An action under an objective. Its owner node (the lead service) alone changes it and
    decides on the changes the other side proposes. `owners` names, per side, the service
    and the person in charge: [{"service": "ma", "person": "…"}]. `evidence` holds typed
    references to records ([{"type": "training", "uid": "…"}]), resolved on display to the
    records this node holds. `milestones`: [{"title", "due_on", "reached_on"}] (ISO dates,
    `reached_on` null until reached), within the action's dates."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("objective",)
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("title"), max_length=200, validators=LINE)
    description = models.TextField(_("description"), max_length=4000, blank=True, validators=TEXT)
    working_group = models.CharField(
        _("working group"), max_length=200, blank=True, validators=LINE
    )
    owners = models.JSONField(_("owners on each side"), default=list, blank=True)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    milestones = models.JSONField(_("milestones"), default=list, blank=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ActionVersion(models.Model):
    """One version of an action as this node saw it: what changed from the one before."""

    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    changes = models.JSONField(_("changes"), default=dict)
    changed_by = models.CharField(_("changed by"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("action version")
        verbose_name_plural = _("action versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["action", "version"], name="plan_one_row_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.action_id} v{self.version}"


class PlanProposal(SharedRecord):
    """A change to an action proposed by a service: owned by the proposing node, it goes to
    the action's owner (`planproposal.upsert`), which decides."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("action",)
    action = models.ForeignKey(PlanAction, on_delete=models.CASCADE, related_name="proposals")
    changes = models.JSONField(_("proposed changes"), default=dict)
    reason = models.TextField(_("reason"), max_length=2000, validators=TEXT)
    proposed_by = models.CharField(_("proposed by"), max_length=200, validators=LINE)
    proposed_on = models.DateTimeField(_("proposed on"))

    class Meta:
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        ordering = ["-proposed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.action} · {self.proposed_on:%Y-%m-%d}"


class PlanDecision(SharedRecord):
    """The action owner's decision on a proposal: owned by the owner node, it goes back to
    the proposer (`plandecision.upsert`). An accepted change is applied to the action in
    the same transaction, as a new version."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("proposal",)
    proposal = models.OneToOneField(PlanProposal, on_delete=models.CASCADE, related_name="decision")
    accepted = models.BooleanField(_("accepted"))
    reason = models.TextField(_("reason"), max_length=2000, blank=True, validators=TEXT)
    decided_by = models.CharField(_("decided by"), max_length=200, validators=LINE)
    decided_on = models.DateTimeField(_("decided on"))

    class Meta:
        verbose_name = _("decision on a proposed change")
        verbose_name_plural = _("decisions on proposed changes")
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.accepted} · {self.proposal}"


class Training(SharedRecord):
    """A training session one service gave the other: topic, dates, place or remote,
    trainers, participants and their evaluation. `participant_list` names the participants
    where given ([{"name": …, "service": …, "function": …}]; then as many as `participants`):
    on the recording node; a partner's copy holds them only if the owner sent them."""

    topic = models.CharField(_("topic"), max_length=32, choices=TrainingTopic.choices)
    title = models.CharField(_("title"), max_length=200, validators=LINE)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    place = models.CharField(_("place"), max_length=200, blank=True, validators=LINE)
    remote = models.BooleanField(_("remote"), default=False)
    provider_node = models.CharField(_("providing service"), max_length=32)
    receiver_node = models.CharField(_("receiving service"), max_length=32)
    trainers = models.JSONField(_("trainers"), default=list, blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    participant_list = models.JSONField(_("participants' names"), default=list, blank=True)
    attended = models.PositiveIntegerField(_("attended"), null=True, blank=True)
    rating = models.DecimalField(
        _("participants' rating (1 to 5)"), max_digits=2, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class TechnicalAssistance(SharedRecord):
    """Technical assistance one service delivered to the other: what, to whom, when, its
    value or effort, and where it stands."""

    kind = models.CharField(_("kind"), max_length=16, choices=AssistanceKind.choices)
    description = models.CharField(_("what"), max_length=300, validators=LINE)
    provider_node = models.CharField(_("providing service"), max_length=32)
    recipient_node = models.CharField(_("receiving service"), max_length=32)
    recipient_unit = models.CharField(
        _("receiving unit"), max_length=200, blank=True, validators=LINE
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    value_eur = models.DecimalField(
        _("value (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    effort_days = models.DecimalField(
        _("effort (person-days)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AssistanceStatus.choices,
        default=AssistanceStatus.PLANNED,
    )

    class Meta:
        verbose_name = _("technical assistance")
        verbose_name_plural = _("technical assistance")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.description

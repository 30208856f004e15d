"""Major events whose security the services prepare together (AFCON 2025, World Cup 2030)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liaison.core.field_rules import validate_line, validate_text
from liaison.records import SharedRecord


class Event(SharedRecord):
    """A major event, hosted by one service with others involved; shared with partners."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_line])
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    venues = models.JSONField(_("venues"), default=list, blank=True)
    host_node = models.CharField(_("host service"), max_length=32)
    partner_nodes = models.JSONField(_("partner services involved"), default=list, blank=True)
    description = models.TextField(
        _("description"), blank=True, max_length=4000, validators=[validate_text]
    )
    # This node's own review rule, never shared: None follows LIAISON_EVENT_FOUR_EYES.
    four_eyes = models.BooleanField(_("four-eyes confirmations"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name


class ListStatus(models.TextChoices):
    MAPPING = "mapping", _("Columns to map")
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Screening")
    DONE = "done", _("Screened")
    CANCELLED = "cancelled", _("Cancelled")


# What policy and audit call an accreditation list.
LIST_OBJECT = "accreditation_list"


class AccreditationList(models.Model):
    """A list of people to accredit for an event (staff, volunteers, media...), uploaded
    here to be screened against this node's watchlist; never shared with partners.

    Screening goes in chunks of rows in `position` order; `rows_screened` moves forward in
    the same transaction as the chunk's candidates, so a worker killed mid-run resumes
    after the last finished chunk (liaison/events/screening.py). `run` counts screenings.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="lists")
    name = models.CharField(_("name"), max_length=200, validators=[validate_line])
    purpose = models.CharField(_("purpose"), max_length=500, validators=[validate_line])
    file_name = models.CharField(_("file"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    upload = models.BinaryField(blank=True, default=b"")  # kept only until columns are mapped
    columns = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    bad_rows = models.JSONField(default=list, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=ListStatus.choices, default=ListStatus.MAPPING)
    run = models.PositiveIntegerField(default=0)
    rows_screened = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    candidates_found = models.PositiveIntegerField(default=0)
    candidates_known = models.PositiveIntegerField(default=0)
    watchlist_size = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("accreditation list")
        verbose_name_plural = _("accreditation lists")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def percent(self) -> int:
        return 100 * self.rows_screened // self.rows_total if self.rows_total else 100


def _no_items() -> list[str]:
    return []


class ApplicantCategory(models.TextChoices):
    STAFF = "staff", _("Staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    MEDIA = "media", _("Media")
    CONTRACTOR = "contractor", _("Contractor")
    OTHER = "other", _("Other")


class Applicant(models.Model):
    """One good row of an accreditation list, as mapped; `key` identifies the same person
    across lists of the event, so a cleared candidate is not raised again."""

    list = models.ForeignKey(AccreditationList, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    line = models.PositiveIntegerField()
    names = models.JSONField(default=_no_items)  # `list` is the field above, here
    date_of_birth = models.CharField(max_length=32, blank=True)
    nationalities = models.JSONField(default=_no_items, blank=True)
    documents = models.JSONField(default=_no_items, blank=True)
    category = models.CharField(max_length=12, choices=ApplicantCategory.choices, blank=True)
    key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["list", "position"], name="applicant_position")
        ]
        ordering = ["position"]

    def __str__(self) -> str:
        return self.names[0] if self.names else f"#{self.position}"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    PROPOSED = "proposed", _("Awaiting second confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    CLEARED = "cleared", _("Cleared")


class Candidate(models.Model):
    """An applicant who may be a watchlist person: for an officer to confirm or clear.

    With four-eyes confirmations, a confirmation is first `proposed` (by `proposed_by`),
    then confirmed or rejected by a second officer; the last rejection is kept here, every
    step in the audit log."""

    list = models.ForeignKey(AccreditationList, on_delete=models.CASCADE, related_name="candidates")
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="event_candidates"
    )
    score = models.FloatField()
    evidence = models.JSONField(default=dict)
    run = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=CandidateStatus.choices, default=CandidateStatus.PENDING
    )
    reason = models.TextField(blank=True, validators=[validate_text])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    hit = models.ForeignKey("registry.Hit", on_delete=models.SET_NULL, null=True, related_name="+")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection = models.TextField(blank=True, validators=[validate_text])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["applicant", "person"], name="candidate_once")
        ]
        indexes = [models.Index(fields=["list", "status", "-score"], name="candidate_queue")]
        ordering = ["-score", "pk"]

    def __str__(self) -> str:
        return f"{self.applicant_id} ~ {self.person_id} ({self.score:.2f})"


class Decision(models.Model):
    """An officer's decision on an applicant and a person, remembered for the whole event:
    a re-screen (or an updated list) does not raise the same pair again."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="decisions")
    applicant_key = models.CharField(max_length=64)
    person_uid = models.UUIDField()
    outcome = models.CharField(max_length=12, choices=CandidateStatus.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "applicant_key", "person_uid"], name="decision_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.person_uid}"


class BanKind(models.TextChoices):
    STADIUM_BAN = "stadium_ban", _("Stadium ban")
    RISK_SUPPORTER = "risk_supporter", _("Risk supporter")


class BanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Ban(SharedRecord):
    """A banning order or a risk-supporter entry on a person this node holds (its own or a
    partner's), recorded by the football information point and shared with partners' ones.

    Screened like an active alert from `valid_from` to `valid_until` while active; the
    worker marks it expired after `valid_until` (`expire_bans` in liaison/events/bans.py). A risk
    supporter entry's `valid_until` is the date by which it must be reviewed or lapse.
    """

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="bans", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BanKind.choices)
    issuing_authority = models.CharField(
        _("issuing authority"), max_length=200, validators=[validate_line]
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    grounds = models.TextField(_("grounds"), max_length=4000, validators=[validate_text])
    competitions = models.CharField(
        _("competitions concerned"), max_length=500, blank=True, validators=[validate_line]
    )
    events = models.ManyToManyField(
        Event, blank=True, related_name="bans", verbose_name=_("events concerned")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=BanStatus.choices, default=BanStatus.ACTIVE
    )

    handling_parent_fields: ClassVar[Sequence[str]] = ("person",)

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        ordering = ["-valid_until", "-pk"]
        indexes = [models.Index(fields=["status", "valid_until"], name="ban_expiry")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.issuing_authority}"

"""Intelligence reports, their versions, and the consents that lift their conditions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liaison.core.field_rules import validate_line, validate_text
from liaison.intel.choices import ConsentKind, ConsentState, IndicatorKind
from liaison.intel.grading import grading_in_words, scheme_choices
from liaison.records import SharedRecord

LINE = [validate_line]
TEXT = [validate_text]
MAX_TEXT = 20000
# The namespace of the STIX ids this node derives (liaison/intel/stix.py): a report's STIX
# id is uuid5 of its uid, the same on every node that holds it.
STIX_NAMESPACE = uuid.UUID("6f0c5a52-3b1e-5d2a-9a43-0c6c2a1f7e11")


def stix_report_id(uid: uuid.UUID | str) -> str:
    return f"report--{uuid.uuid5(STIX_NAMESPACE, str(uid))}"


class Report(SharedRecord):
    """A graded intelligence report. Facts and assessment are two fields that are never
    merged (LED art. 7): every page, body and export keeps them apart. The grading scheme is
    stored with the report; its conditions (the handling code) travel with it and are
    enforced by the receiving node (liaison/intel/conditions.py)."""

    title = models.CharField(_("title"), max_length=200, validators=LINE)
    summary = models.TextField(_("summary"), max_length=2000, blank=True, validators=TEXT)
    facts = models.TextField(_("facts"), max_length=MAX_TEXT, validators=TEXT)
    assessment = models.TextField(_("assessment"), max_length=MAX_TEXT, blank=True, validators=TEXT)
    source_reference = models.CharField(
        _("source reference"),
        max_length=100,
        blank=True,
        validators=LINE,
        help_text=_("A reference to the source, never its identity."),
    )
    grading_scheme = models.CharField(_("grading scheme"), max_length=16, choices=scheme_choices())
    source_reliability = models.CharField(_("source reliability"), max_length=1)
    information_credibility = models.CharField(_("information credibility"), max_length=1)
    originator_service = models.CharField(_("originator service"), max_length=200, validators=LINE)
    author = models.CharField(_("author"), max_length=200, validators=LINE)
    recipients = models.JSONField(_("recipient services"), default=list, blank=True)
    # Working groups and joint cases the report is for (their uids): their participating
    # nodes are recipients too, as they are when it is shared (liaison/intel/recipients.py).
    recipient_groups = models.JSONField(_("recipient working groups"), default=list, blank=True)
    recipient_cases = models.JSONField(_("recipient joint cases"), default=list, blank=True)
    # Where a forwarded copy came from (the forwarding partner); "" for the originator's.
    received_via = models.CharField(_("received through"), max_length=32, blank=True)
    # This node's own note that it used the report as evidence (never sent to partners).
    used_as_evidence_at = models.DateTimeField(_("used as evidence on"), null=True, blank=True)
    # The report's STIX 2.1 id: derived from the uid, or the id of the bundle's report it
    # was imported from (a second import of that bundle finds it here). Not unique: a
    # partner may later share, through the exchange, a report this node imported from a
    # bundle; both then carry its id.
    stix_id = models.CharField(_("STIX id"), max_length=100, db_index=True, editable=False)
    # The `modified` of the bundle's report this one was imported from (None: not imported).
    # A later version of that report updates this copy; an older or equal one does not.
    stix_modified = models.DateTimeField(_("STIX version"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("intelligence report")
        verbose_name_plural = _("intelligence reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.stix_id:
            self.stix_id = stix_report_id(self.uid)
        super().save(*args, **kwargs)

    @property
    def grading(self) -> str:
        return f"{self.source_reliability}{self.information_credibility}"

    @property
    def grading_words(self) -> str:
        return grading_in_words(
            self.grading_scheme, self.source_reliability, self.information_credibility
        )


class ReportVersion(models.Model):
    """One version of a report as this node saw it: what changed from the one before."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    changes = models.JSONField(_("changes"), default=dict)
    changed_by = models.CharField(_("changed by"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="intel_one_row_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.version}"


class ConsentRequest(SharedRecord):
    """A recipient asks the originator's consent to use a report as evidence, forward it or
    export it. Owned by the asking node; travels to the originator (`consent.request`)."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("report",)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent for"), max_length=16, choices=ConsentKind.choices)
    partner = models.CharField(_("partner service to forward to"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), max_length=2000, validators=TEXT)
    requested_by = models.CharField(_("requested by"), max_length=200, validators=LINE)
    requested_on = models.DateTimeField(_("requested on"))

    class Meta:
        verbose_name = _("consent request")
        verbose_name_plural = _("consent requests")
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.report}"

    @property
    def is_incoming(self) -> bool:
        return self.owner_node != settings.NODE_ID

    def state(self) -> ConsentState:
        """Granted or refused by the originator's last decision; pending before any."""
        decisions = list(self.decisions.all())
        if not decisions:
            return ConsentState.PENDING
        last = max(decisions, key=lambda d: (d.decided_on, d.pk))
        return ConsentState.GRANTED if last.granted else ConsentState.REFUSED


class ConsentDecision(SharedRecord):
    """The originator's answer to a consent request, with its reason. Owned by the
    originator; travels back to the asking node (`consent.decision`)."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("request",)
    request = models.ForeignKey(ConsentRequest, on_delete=models.CASCADE, related_name="decisions")
    granted = models.BooleanField(_("granted"))
    reason = models.TextField(_("reason"), max_length=2000, validators=TEXT)
    decided_by = models.CharField(_("decided by"), max_length=200, validators=LINE)
    decided_on = models.DateTimeField(_("decided on"))

    class Meta:
        verbose_name = _("consent decision")
        verbose_name_plural = _("consent decisions")
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.granted} · {self.request}"


class MentionState(models.TextChoices):
    SUGGESTED = "suggested", _("suggested")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")


class ReportMention(models.Model):
    """A registry person the report's text names (liaison/intel/entities.py): suggested
    by the matcher, then confirmed or rejected by an analyst. This node's own reading of
    the report: never sent to partners. A rejected suggestion is kept, so it is not
    offered again for this report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="mentions")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="report_mentions"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=MentionState.choices, default=MentionState.SUGGESTED
    )
    field = models.CharField(_("found in"), max_length=16)
    span = models.CharField(_("name as written"), max_length=200)
    score = models.FloatField(_("score"))
    evidence = models.JSONField(_("evidence"), default=dict)
    suggested_at = models.DateTimeField(_("suggested on"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("person named in a report")
        verbose_name_plural = _("persons named in reports")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "person"], name="intel_one_mention_per_person"
            )
        ]
        indexes = [models.Index(fields=["person", "state"], name="intel_mention_person_state")]

    def __str__(self) -> str:
        return f"{self.span} · {self.report_id}"


class ReportIndicator(models.Model):
    """A typed indicator found in the report's text (liaison/intel/indicators.py), read
    again with every version of the report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="indicators")
    kind = models.CharField(_("kind"), max_length=16, choices=IndicatorKind.choices)
    value = models.CharField(_("as written"), max_length=200)
    normalised = models.CharField(_("value"), max_length=200, db_index=True)
    # The report field it was read from, or IMPORTED (from a STIX bundle: kept when the
    # text is read again).
    field = models.CharField(_("found in"), max_length=16)

    IMPORTED: ClassVar[str] = "import"

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.normalised}"

"""The registry of wanted persons: persons, their names and documents, warrants, alerts, hits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liaison.core.field_rules import (
    validate_birth_date,
    validate_country,
    validate_line,
    validate_name,
    validate_text,
)
from liaison.records import SharedRecord
from liaison.registry.choices import (
    ALERT_TRANSITIONS,
    HIT_TRANSITIONS,
    WARRANT_TRANSITIONS,
    AlertStatus,
    AlertType,
    DocumentType,
    HitContext,
    HitDecisionKind,
    HitDisposition,
    HitOutcome,
    NameKind,
    OffenceCategory,
    PersonCategory,
    Script,
    Sex,
    WarrantStatus,
)

# Field rules (liaison/core/field_rules.py): every text field says what it may hold, so
# the actions' full_clean gives every door (forms, API, imports) the same checks.
LINE = [validate_line]
TEXT = [validate_text]
NAME = [validate_name]
COUNTRY = [validate_country]


class Person(SharedRecord):
    """A person of interest to the registry, in one category."""

    category = models.CharField(_("category"), max_length=12, choices=PersonCategory.choices)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    place_of_birth = models.CharField(
        _("place of birth"), max_length=200, blank=True, validators=LINE
    )
    country_of_birth = models.CharField(
        _("country of birth"), max_length=2, blank=True, validators=COUNTRY
    )
    distinguishing_marks = models.TextField(_("distinguishing marks"), blank=True, validators=TEXT)
    external_ref = models.CharField(
        _("external reference"),
        max_length=64,
        blank=True,
        db_index=True,
        validators=NAME,
        help_text=_("e.g. the INTERPOL notice entity id"),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_node", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="one_person_per_external_ref",
                violation_error_message=_("A person with this external reference exists."),
            )
        ]

    def __str__(self) -> str:
        primary = self.primary_name
        return primary.full_name if primary else f"#{self.pk}"

    @property
    def nationality_codes(self) -> list[str]:
        return sorted(n.code for n in self.nationalities.all())

    @property
    def primary_name(self) -> PersonName | None:
        names = list(self.names.all())
        return next((n for n in names if n.kind == NameKind.PRIMARY), names[0] if names else None)


class PersonName(models.Model):
    """One way the person's name is written: its script and kind."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    full_name = models.CharField(_("full name"), max_length=300, validators=NAME)
    given_names = models.CharField(_("given names"), max_length=200, blank=True, validators=NAME)
    family_name = models.CharField(_("family name"), max_length=200, blank=True, validators=NAME)
    script = models.CharField(_("script"), max_length=5, choices=Script.choices)
    kind = models.CharField(
        _("kind"), max_length=16, choices=NameKind.choices, default=NameKind.PRIMARY
    )

    class Meta:
        verbose_name = _("name")
        verbose_name_plural = _("names")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name


class NameKey(models.Model):
    """A blocking key of a person's name (a rare-enough skeleton), for search candidates."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["key", "person"])]

    def __str__(self) -> str:
        return self.key


class BirthDate(models.Model):
    """A date of birth, possibly partial: YYYY, YYYY-MM or YYYY-MM-DD."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="birth_dates")
    value = models.CharField(_("date of birth"), max_length=10, validators=[validate_birth_date])

    class Meta:
        ordering = ["value"]

    def __str__(self) -> str:
        return self.value


class Nationality(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nationalities")
    code = models.CharField(_("nationality"), max_length=2, validators=COUNTRY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "code"], name="one_nationality_once")
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return self.code


class IdentityDocument(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(_("type"), max_length=16, choices=DocumentType.choices)
    number = models.CharField(_("number"), max_length=64, validators=NAME)
    issuing_country = models.CharField(_("issuing country"), max_length=2, validators=COUNTRY)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.number} ({self.issuing_country})"


class Warrant(SharedRecord):
    """An arrest warrant for a person, national or international."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("person",)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="warrants")
    issuing_country = models.CharField(_("issuing country"), max_length=2, validators=COUNTRY)
    issuing_authority = models.CharField(_("issuing authority"), max_length=200, validators=LINE)
    court = models.CharField(_("court"), max_length=200, blank=True, validators=LINE)
    reference = models.CharField(_("reference number"), max_length=100, validators=NAME)
    offences = models.JSONField(_("offences"), default=list)
    offence_description = models.TextField(_("offence description"), blank=True, validators=TEXT)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True, validators=LINE)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    extradition_sought = models.BooleanField(_("extradition sought"), default=False)
    max_penalty_months = models.PositiveIntegerField(
        _("maximum penalty (months)"), null=True, blank=True
    )
    remaining_sentence_months = models.PositiveIntegerField(
        _("sentence left to serve (months)"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WarrantStatus.choices, default=WarrantStatus.ACTIVE
    )
    status_reason = models.TextField(
        _("reason for the last status change"), blank=True, validators=TEXT
    )

    class Meta:
        verbose_name = _("warrant")
        verbose_name_plural = _("warrants")
        ordering = ["-issued_on"]
        # This node's warrants due for review, soonest first (the desk, the reviews page).
        indexes = [models.Index(fields=["owner_node", "review_date"], name="warrant_review_due")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.issuing_country})"

    def next_statuses(self) -> list[tuple[str, str | Promise]]:
        return [(s, WarrantStatus(s).label) for s in sorted(WARRANT_TRANSITIONS[self.status])]

    def offence_labels(self) -> list[str]:
        labels = dict(OffenceCategory.choices)
        return [str(labels.get(code, code)) for code in self.offences]


class Alert(SharedRecord):
    """What partners should do when they meet the person."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("person", "warrant")
    alert_type = models.CharField(_("type"), max_length=16, choices=AlertType.choices)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alerts")
    warrant = models.ForeignKey(
        Warrant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("warrant"),
    )
    action_on_hit = models.TextField(_("action to take on a hit"), validators=TEXT)
    facts = models.TextField(
        _("facts"), blank=True, help_text=_("What is established."), validators=TEXT
    )
    assessment = models.TextField(
        _("assessment"),
        blank=True,
        help_text=_("What the officer infers, kept apart from facts."),
        validators=TEXT,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.ACTIVE
    )
    status_reason = models.TextField(
        _("reason for the last status change"), blank=True, validators=TEXT
    )
    not_political_declared = models.BooleanField(
        _("declared not political, military, religious or racial"), default=False
    )
    extension_justification = models.TextField(
        _("extension justification"), blank=True, validators=TEXT
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        # This node's alerts due for review, soonest first (the desk, the reviews page).
        indexes = [models.Index(fields=["owner_node", "review_date"], name="alert_review_due")]

    def __str__(self) -> str:
        return f"{self.get_alert_type_display()} · {self.person}"

    def next_statuses(self) -> list[tuple[str, str | Promise]]:
        return [(s, AlertStatus(s).label) for s in sorted(ALERT_TRANSITIONS[self.status])]


class Hit(SharedRecord):
    """A person encountered who may be the subject of an alert."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("person", "alert")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="hits")
    alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="hits"
    )
    encountered_name = models.CharField(_("name as encountered"), max_length=300, validators=NAME)
    encountered_on = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=200, validators=LINE)
    context = models.CharField(_("context"), max_length=16, choices=HitContext.choices)
    recorded_by_name = models.CharField(_("recorded by"), max_length=200, validators=LINE)
    score = models.FloatField(_("match score"), null=True, blank=True)
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    disposition = models.CharField(
        _("disposition"),
        max_length=16,
        choices=HitDisposition.choices,
        default=HitDisposition.PENDING,
    )
    action_taken = models.TextField(_("action taken"), blank=True, validators=TEXT)
    status_reason = models.TextField(
        _("reason for the last status change"), blank=True, validators=TEXT
    )
    # The follow-up of a confirmed hit (record_hit_outcome): the latest outcome and its
    # date; the date of the first arrest is kept whatever follows (the indicators count it).
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=HitOutcome.choices, blank=True, default=""
    )
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    arrested_on = models.DateField(_("arrested on"), null=True, blank=True)

    class Meta:
        verbose_name = _("hit")
        verbose_name_plural = _("hits")
        ordering = ["-encountered_on"]

    def __str__(self) -> str:
        return f"{self.encountered_name} · {self.place}"

    def next_dispositions(self) -> list[tuple[str, str | Promise]]:
        return [(s, HitDisposition(s).label) for s in sorted(HIT_TRANSITIONS[self.disposition])]


class HitDecision(SharedRecord):
    """The person's owner answers a partner's hit: confirmed, false positive, or more
    information needed, with a message. Owned by the deciding node; it travels back to the
    hit's recorder as `hitdecision.upsert` (liaison/registry/sharing)."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("hit",)
    hit = models.ForeignKey(Hit, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(_("decision"), max_length=16, choices=HitDecisionKind.choices)
    message = models.TextField(_("message"), validators=TEXT)
    decided_by_name = models.CharField(_("decided by"), max_length=200, validators=LINE)
    decided_by_agency = models.CharField(_("service"), max_length=200, validators=LINE)
    decided_on = models.DateTimeField(_("decided on"))

    class Meta:
        verbose_name = _("decision on a hit")
        verbose_name_plural = _("decisions on hits")
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} · {self.hit}"

"""The plan's enumerations: stored codes, labels in words."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class EvidenceType(models.TextChoices):
    """The records an action's evidence may point at (typed references, checked later)."""

    CASE = "case", _("Case")
    REQUEST = "request", _("Request for assistance")
    EVENT = "event", _("Major event")
    TRAINING = "training", _("Training session")
    ASSISTANCE = "assistance", _("Technical assistance")
    REPORT = "report", _("Intelligence report")
    PERSON = "person", _("Person")


class TrainingTopic(models.TextChoices):
    DOCUMENT_FRAUD = "document_fraud", _("Document fraud")
    NAME_SEARCHING = "name_searching", _("Cross-script name searching")
    CYBERCRIME = "cybercrime", _("Cybercrime")
    MAJOR_EVENTS = "major_events", _("Major-event policing")
    HUMAN_RIGHTS = "human_rights", _("Human-rights standards in international cooperation")
    OTHER = "other", _("Other")


class AssistanceKind(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    EXPERTISE = "expertise", _("Expertise")
    SOFTWARE = "software", _("Software")
    SECONDMENT = "secondment", _("Secondment")


class AssistanceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")

"""The enumerations of working groups."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Theme(models.TextChoices):
    """What a working group works on (the action plan's themes)."""

    FUGITIVES = "fugitives", _("Fugitives")
    WARRANTS = "warrants", _("International warrants")
    ORGANISED_CRIME = "organised_crime", _("Organised crime")
    DRUG_TRAFFICKING = "drug_trafficking", _("Drug trafficking")
    TERRORISM = "terrorism", _("Terrorism")
    CYBERCRIME = "cybercrime", _("Cybercrime")
    ENVIRONMENTAL_CRIME = "environmental_crime", _("Environmental crime")
    MIGRATION_TRAFFICKING = (
        "migration_trafficking",
        _("Irregular migration and trafficking in human beings"),
    )
    MAJOR_EVENTS = "major_events", _("Major events")


class GroupStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class CaseStatus(models.TextChoices):
    """The columns of the case board."""

    # A case is feminine in French and Arabic ("affaire", "قضية"), a group is not.
    OPEN = "open", pgettext_lazy("joint case", "Open")
    ACTIVE = "active", pgettext_lazy("joint case", "In progress")
    SUSPENDED = "suspended", pgettext_lazy("joint case", "Suspended")
    CLOSED = "closed", pgettext_lazy("joint case", "Closed")


class TaskStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DOING = "doing", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class LinkKind(models.TextChoices):
    PERSON = "person", _("Person")
    WARRANT = "warrant", _("Warrant")
    ALERT = "alert", _("Alert")
    REPORT = "report", _("Intelligence report")

"""Major events whose security the services prepare together (AFCON 2025, World Cup 2030)."""

from __future__ import annotations

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

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.name

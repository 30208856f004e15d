"""What the intelligence app's enums mean."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentKind(models.TextChoices):
    """What a recipient asks the originator's consent for (the conditions of H1 and H2)."""

    EVIDENCE = "evidence", _("use as evidence")
    FORWARD = "forward", _("forward to another partner service")
    EXPORT = "export", _("export out of Liaison")


class ConsentState(models.TextChoices):
    PENDING = "pending", _("waiting for the originator")
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")


class IndicatorKind(models.TextChoices):
    """Typed indicators read from a report's text (liaison/intel/indicators.py)."""

    PHONE = "phone", _("phone number")
    EMAIL = "email", _("e-mail address")
    DOCUMENT = "document", _("document number")
    PLATE = "plate", _("vehicle plate")
    PLACE = "place", _("place")
    ORGANISATION = "organisation", _("organisation")

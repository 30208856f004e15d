from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """What an audit entry records (LED 2016/680 art. 25, plus access events)."""

    COLLECT = "collect", _("Collection")
    ALTER = "alter", _("Alteration")
    CONSULT = "consult", _("Consultation")
    DISCLOSE = "disclose", _("Disclosure")
    RECEIVE = "receive", _("Receipt")
    COMBINE = "combine", _("Combination")
    ERASE = "erase", _("Erasure")
    LOGIN = "login", _("Sign-in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    ADMIN = "admin", _("Administration")

"""The words of a request for assistance: its kind, urgency and states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestType(models.TextChoices):
    INFORMATION = "information", _("Information request")
    LOCATE = "locate", _("Locate a person")
    VERIFY = "verify", _("Verify an identity or document")
    WARRANT = "warrant", _("Execute a warrant")
    TECHNICAL = "technical", _("Technical assistance")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    """Directive (EU) 2023/977 art. 5: 8 hours, 3 days, 7 days; or a date agreed."""

    URGENT_DIRECT = "urgent_direct", _("Urgent, on directly accessible data (8 hours)")
    URGENT = "urgent", _("Urgent (3 days)")
    NORMAL = "normal", _("Normal (7 days)")
    AGREED = "agreed", _("By an agreed date")


class Status(models.TextChoices):
    """Where a request stands. `sent` and `withdrawn` are the requester's; the others are
    the recipient's (its reply record)."""

    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    MORE_INFORMATION = "more_information", _("More information asked")
    ANSWERED = "answered", _("Answered")
    PARTLY_ANSWERED = "partly_answered", _("Partly answered")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RefusalCategory(models.TextChoices):
    """Why a request is refused, in words both services count (the free-text reason,
    still required, says the rest). Grounds of Directive (EU) 2023/977 art. 6 grouped."""

    NO_LEGAL_BASIS = "no_legal_basis", _("No legal basis")
    COMPETENCE = "competence", _("Outside the service's competence")
    INSUFFICIENT = "insufficient", _("Insufficient information")
    DATA_PROTECTION = "data_protection", _("Data protection or proportionality")
    INVESTIGATION = "investigation", _("Risk to an ongoing investigation")
    OTHER = "other", _("Other reason")


# The recipient's states in which the clock runs or is paused (not yet closed).
OPEN = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.MORE_INFORMATION)
CLOSED = (Status.ANSWERED, Status.PARTLY_ANSWERED, Status.REFUSED)


class Step(models.TextChoices):
    """What an officer may do to a request; each is one action (actions.py)."""

    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    ASK = "ask", _("Ask for more information")
    ANSWER = "answer", _("Answer")
    PARTLY_ANSWER = "partly_answer", _("Answer in part")
    REFUSE = "refuse", _("Refuse")
    SUPPLY = "supply", _("Give the information asked")
    WITHDRAW = "withdraw", _("Withdraw")


# The recipient's steps and the state each leads to (the requester's: SUPPLY, WITHDRAW).
RECIPIENT_STEPS = {
    Step.ACKNOWLEDGE: Status.ACKNOWLEDGED,
    Step.ASK: Status.MORE_INFORMATION,
    Step.ANSWER: Status.ANSWERED,
    Step.PARTLY_ANSWER: Status.PARTLY_ANSWERED,
    Step.REFUSE: Status.REFUSED,
}
# Steps that need a text: a refusal states its reason (Directive 2023/977 art. 6).
TEXT_REQUIRED = (Step.ASK, Step.ANSWER, Step.PARTLY_ANSWER, Step.REFUSE, Step.SUPPLY, Step.WITHDRAW)


# The timeline's words for every step, the node's own ones (sent, received...) included.
TIMELINE_LABELS = {
    "sent": _("Sent"),
    "received": _("Received by the partner's node; the clock starts"),
    "resumed": _("Information received; the clock runs again"),
    **{step.value: step.label for step in Step},
}

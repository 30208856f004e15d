"""Enumerations of the registry. Offence categories: docs/registry.md explains them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonCategory(models.TextChoices):
    """Kept apart as the law-enforcement directive (art. 6) asks."""

    WANTED = "wanted", _("wanted")
    SUSPECT = "suspect", _("suspect")
    CONVICTED = "convicted", _("convicted")
    VICTIM = "victim", _("victim")
    WITNESS = "witness", _("witness")
    MISSING = "missing", _("missing")
    CONTACT = "contact", _("contact")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")
    UNKNOWN = "U", _("unknown")


class Script(models.TextChoices):
    ARABIC = "arab", _("Arabic")
    LATIN = "latn", _("Latin")
    OTHER = "other", _("other")


class NameKind(models.TextChoices):
    PRIMARY = "primary", _("primary")
    ALIAS = "alias", _("alias")
    BIRTH = "birth", _("birth name")
    TRANSLITERATION = "transliteration", _("transliteration")


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("passport")
    NATIONAL_ID = "national_id", _("national identity card")
    RESIDENCE = "residence", _("residence permit")
    DRIVING = "driving", _("driving licence")
    OTHER = "other", _("other")


class OffenceCategory(models.TextChoices):
    """Crime areas used in international police cooperation (EU SOCTA / INTERPOL)."""

    TERRORISM = "terrorism", _("terrorism")
    HOMICIDE = "homicide", _("murder, grievous bodily injury")
    DRUG_TRAFFICKING = "drugs", _("illicit trafficking in narcotic drugs")
    HUMAN_TRAFFICKING = "human_trafficking", _("trafficking in human beings")
    MIGRANT_SMUGGLING = "migrant_smuggling", _("migrant smuggling")
    FIREARMS = "firearms", _("illicit trafficking in weapons and explosives")
    ORGANISED_CRIME = "organised_crime", _("participation in a criminal organisation")
    MONEY_LAUNDERING = "money_laundering", _("money laundering")
    FRAUD = "fraud", _("fraud and corruption")
    CYBERCRIME = "cybercrime", _("cybercrime")
    CHILD_ABUSE = "child_abuse", _("sexual exploitation of children")
    KIDNAPPING = "kidnapping", _("kidnapping, hostage-taking")
    ROBBERY = "robbery", _("organised or armed robbery")
    ENVIRONMENTAL = "environmental", _("environmental crime")
    COUNTERFEITING = "counterfeiting", _("counterfeiting and product piracy")
    OTHER = "other", _("other offence")


class WarrantStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    EXECUTED = "executed", _("executed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    EXPIRED = "expired", _("expired")


class AlertType(models.TextChoices):
    ARREST = "arrest", _("arrest for extradition")
    LOCATE = "locate", _("locate")
    DISCREET_CHECK = "discreet_check", _("discreet check")
    MISSING = "missing", _("missing person")
    WARNING = "warning", _("warning")


class AlertStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    LOCATED = "located", _("located")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class HitContext(models.TextChoices):
    BORDER = "border_check", _("border check")
    EVENT = "event_screening", _("event screening")
    INVESTIGATION = "investigation", _("investigation")
    OTHER = "other", _("other")


class HitDisposition(models.TextChoices):
    PENDING = "pending", _("pending")
    CONFIRMED = "confirmed", _("confirmed")
    FALSE_POSITIVE = "false_positive", _("false positive")


class HitDecisionKind(models.TextChoices):
    """The person's owner answers a partner's hit (the SIRENE "form G" pattern)."""

    CONFIRMED = "confirmed", _("confirmed")
    FALSE_POSITIVE = "false_positive", _("false positive")
    MORE_INFORMATION = "more_information", _("needs more information")


class HitOutcome(models.TextChoices):
    """What became of the person after a confirmed hit, recorded by the hit's recorder (the
    service whose officers met the person). Empty: nothing recorded yet."""

    LOCATED = "located", _("located")
    ARRESTED = "arrested", _("arrested")
    EXTRADITION_REQUESTED = "extradition_requested", _("extradition requested")
    EXTRADITED = "extradited", _("extradited")
    SURRENDERED = "surrendered", _("surrendered under another procedure")
    RELEASED = "released", _("released")


# Lifecycles: from each status, the statuses an action may move a record to.
WARRANT_TRANSITIONS: dict[str, set[str]] = {
    WarrantStatus.ACTIVE: {WarrantStatus.EXECUTED, WarrantStatus.WITHDRAWN, WarrantStatus.EXPIRED},
    WarrantStatus.EXECUTED: set(),
    WarrantStatus.WITHDRAWN: set(),
    WarrantStatus.EXPIRED: set(),
}
ALERT_TRANSITIONS: dict[str, set[str]] = {
    AlertStatus.ACTIVE: {AlertStatus.LOCATED, AlertStatus.CLOSED, AlertStatus.WITHDRAWN},
    AlertStatus.LOCATED: {AlertStatus.ACTIVE, AlertStatus.CLOSED},
    AlertStatus.CLOSED: set(),
    AlertStatus.WITHDRAWN: set(),
}
HIT_TRANSITIONS: dict[str, set[str]] = {
    HitDisposition.PENDING: {HitDisposition.CONFIRMED, HitDisposition.FALSE_POSITIVE},
    HitDisposition.CONFIRMED: set(),
    HitDisposition.FALSE_POSITIVE: set(),
}

# "" is a hit with no outcome yet. An arrest stays on the hit (arrested_on) whatever
# follows it; extradited and surrendered end the follow-up; a released person may be
# arrested again (the first arrest's date is kept).
HIT_OUTCOME_TRANSITIONS: dict[str, set[str]] = {
    "": {HitOutcome.LOCATED, HitOutcome.ARRESTED},
    HitOutcome.LOCATED: {HitOutcome.ARRESTED, HitOutcome.RELEASED},
    HitOutcome.ARRESTED: {
        HitOutcome.EXTRADITION_REQUESTED,
        HitOutcome.SURRENDERED,
        HitOutcome.RELEASED,
    },
    HitOutcome.EXTRADITION_REQUESTED: {
        HitOutcome.EXTRADITED,
        HitOutcome.SURRENDERED,
        HitOutcome.RELEASED,
    },
    HitOutcome.RELEASED: {HitOutcome.ARRESTED},
    HitOutcome.EXTRADITED: set(),
    HitOutcome.SURRENDERED: set(),
}
# Outcomes that mean the person was arrested (arrested_on is set on reaching them).
IN_CUSTODY = {
    HitOutcome.ARRESTED,
    HitOutcome.EXTRADITION_REQUESTED,
    HitOutcome.EXTRADITED,
    HitOutcome.SURRENDERED,
}


def is_final(table: dict[str, set[str]], status: str) -> bool:
    """A status nothing leaves: reaching it cannot be undone (a reason is required)."""
    return status in table and not table[status]

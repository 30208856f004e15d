"""The registry's words for its audit entries (liaison.audit.labels), from RegistryConfig."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from liaison.audit import labels
from liaison.registry.choices import DocumentType, NameKind, OffenceCategory
from liaison.registry.models import Alert, Hit, Person, Warrant
from liaison.registry.subject_access import DETAIL_KEY

# Parts of a person logged on alteration that are not fields of Person (actions._parts_snapshot).
PERSON_PARTS = {
    "names": _("names"),
    "birth_dates": _("dates of birth"),
    "nationalities": _("nationalities"),
    "named_recipients": _("named recipients"),
    "documents": _("identity documents"),
}


def name_text(value: str) -> str:
    """`alias:Abdellatif Ould Cherif` -> "Abdellatif Ould Cherif (alias)"."""
    kind, _sep, name = str(value).partition(":")
    if not name:
        return kind
    return f"{name} ({_choice(NameKind, kind)})"


def document_text(value: str) -> str:
    """`passport:AB123:MA` -> "passport AB123 (MA)"."""
    parts = str(value).split(":")
    if len(parts) != 3:
        return str(value)
    kind, number, country = parts
    return f"{_choice(DocumentType, kind)} {number} ({country})" if country else f"{kind} {number}"


def offence_text(value: str) -> str:
    return _choice(OffenceCategory, value)


def _choice(choices: type[NameKind | DocumentType | OffenceCategory], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def register() -> None:
    formatters = {"names": name_text, "documents": document_text}
    labels.register_model(Person, fields=PERSON_PARTS, formatters=formatters)
    labels.register_model(Warrant, formatters={"offences": offence_text})
    labels.register_model(Alert)
    labels.register_model(Hit)
    labels.register_object_types(
        {"person-search": _("person search"), "person-shares": _("person's shares")}
    )
    labels.register_detail(
        {
            "results": _("results"),
            "persons": _("persons"),
            "attached": _("attached records"),
            "warrants": _("warrants"),
            "alerts": _("alerts"),
            "hits": _("hits"),
            "justification": _("justification"),
            "read": _("read"),
            "criteria": _("criteria"),
            DETAIL_KEY: _("subject access report"),
        },
        {
            "shares": _("shares"),
            "name": _("name"),
            "date_of_birth": _("date of birth"),
            "nationality": _("nationality"),
            "review date passed without extension": _("review date passed without extension"),
        },
    )

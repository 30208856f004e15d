"""The subject access report (LED 2016/680 art. 14): for one person, what this node holds,
who consulted it and why, and to which partners it was disclosed and when.

Read only, scoped to the supervisor who asks: the person must be visible to them, and its
warrants, alerts and hits are those the policy shows them (the person page's rule). Its
production is audited first (`record_production`, a consultation carrying the request's
purpose and reference); the report then holds the audit entries before that one, as the
audit CSV export does.

Where the log says a person was consulted (see docs/registry.md, "Subject access"):
opening it on a page or through the API (`person`, its uid as object id), appearing in
search results (`person-search`, uid in `detail.results`), in an export (`person`, no
object id, uid in `detail.persons`), and earlier subject access reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connections, models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from liaison.audit.actions import log_event
from liaison.audit.chain import timestamp
from liaison.audit.choices import Action as AuditAction
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Share
from liaison.policy import restrict
from liaison.registry.models import Alert, Hit, Person, Warrant

DETAIL_KEY = "subject_access"  # marks the report's own audit entry: {"subject_access": fmt}


class ConsultationKind(models.TextChoices):
    OPENED = "opened", _("opened the record")
    SEARCH = "search", _("in search results")
    EXPORT = "export", _("in an export")
    REPORT = "report", _("subject access report")


class DeliveryState(models.TextChoices):
    """What became of a disclosure's envelope (the outbox row and the partner's receipt)."""

    PENDING = "pending", _("waiting for delivery")
    DELIVERED = "delivered", _("delivered, receipt signed by the partner")
    REJECTED = "rejected", _("rejected by the partner")
    SET_ASIDE = "set_aside", _("set aside after repeated failures, not delivered")
    DROPPED = "dropped", _("dropped by an administrator, not delivered")
    UNKNOWN = "unknown", _("no envelope on record")


@dataclass(frozen=True)
class Consultation:
    seq: int
    at: datetime
    user: str
    agency: str
    kind: ConsultationKind
    purpose: str
    reference: str


@dataclass(frozen=True)
class Disclosure:
    seq: int
    at: datetime
    partner: str
    object_type: str
    object_uid: str
    message_type: str
    user: str
    delivery: DeliveryState
    delivered_at: datetime | None
    receipt: str  # the partner's receipt status: applied, duplicate, rejected


@dataclass(frozen=True)
class PartnerCopy:
    """A record a partner holds now (shared and not withdrawn)."""

    partner: str
    object_type: str
    object_uid: str
    shared_at: datetime


@dataclass(frozen=True)
class SubjectAccessReport:
    person: Person
    warrants: list[Warrant]
    alerts: list[Alert]
    hits: list[Hit]
    consultations: list[Consultation]
    disclosures: list[Disclosure]
    partner_copies: list[PartnerCopy]
    production: AuditEntry


def record_production(
    *,
    actor: Any,
    person: Person,
    purpose: str,
    reference: str,
    fmt: str,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Audit the report before it is built: an export that cannot be audited does not happen."""
    return log_event(
        action=AuditAction.CONSULT,
        request=request,
        actor=actor,
        object_type="person",
        object_id=str(person.uid),
        purpose=purpose,
        purpose_reference=reference,
        detail={DETAIL_KEY: fmt},
    )


def subject_access_report(user: Any, person: Person, production: AuditEntry) -> SubjectAccessReport:
    """The report on `person` (already visible to `user`), up to its own audit entry."""
    warrants = list(restrict(person.warrants.all(), user))
    alerts = list(restrict(person.alerts.select_related("warrant"), user))
    hits = list(restrict(person.hits.select_related("alert__warrant"), user))
    uids = [str(person.uid), *(str(r.uid) for r in (*warrants, *alerts, *hits))]
    return SubjectAccessReport(
        person=person,
        warrants=warrants,
        alerts=alerts,
        hits=hits,
        consultations=consultations_of(str(person.uid), before_seq=production.seq),
        disclosures=disclosures_of(uids, before_seq=production.seq),
        partner_copies=partner_copies_of(uids),
        production=production,
    )


# Consultations


def consultations_of(uid: str, *, before_seq: int) -> list[Consultation]:
    """Every consultation of the person `uid`, oldest first.

    Searches and exports keep the persons they returned in `detail` (a list of uids);
    `_listed_in` finds the candidate entries and `_kind` then reads the JSON exactly.
    """
    opened = Q(object_type="person", object_id=uid)
    entries = AuditEntry.objects.filter(
        opened | _listed_in(uid), action=AuditAction.CONSULT, seq__lt=before_seq
    ).order_by("seq")
    return [c for c in (_consultation(e, uid) for e in entries) if c is not None]


def _listed_in(uid: str) -> Q:
    """Search and export entries whose detail may list `uid`.

    PostgreSQL tests jsonb containment (0.25 s over 200,000 searches, against 1.3 s for
    matching the text); SQLite has no JSON containment lookup, so it matches the uid in
    the JSON text (0.2 s over 200,000).
    """
    if connections[AuditEntry.objects.db].vendor == "postgresql":
        search = Q(object_type="person-search", detail__results__contains=[uid])
        return search | Q(object_type="person", object_id="", detail__persons__contains=[uid])
    return Q(object_type__in=["person-search", "person"], object_id="", detail__icontains=uid)


def _consultation(entry: AuditEntry, uid: str) -> Consultation | None:
    kind = _kind(entry, uid)
    if kind is None:
        return None
    return Consultation(
        seq=entry.seq,
        at=entry.at,
        user=entry.actor_username,
        agency=entry.actor_agency,
        kind=kind,
        purpose=entry.purpose,
        reference=entry.purpose_reference,
    )


def _kind(entry: AuditEntry, uid: str) -> ConsultationKind | None:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    if entry.object_id == uid:
        return ConsultationKind.REPORT if DETAIL_KEY in detail else ConsultationKind.OPENED
    if entry.object_type == "person-search" and uid in _listed(detail, "results"):
        return ConsultationKind.SEARCH
    if uid in _listed(detail, "persons"):
        return ConsultationKind.EXPORT
    return None


def _listed(detail: dict[str, Any], key: str) -> list[Any]:
    value = detail.get(key)
    return value if isinstance(value, list) else []


# Disclosures


def disclosures_of(uids: list[str], *, before_seq: int) -> list[Disclosure]:
    """Every envelope sent to a partner about these records (sends, updates, withdrawals,
    hit notices), oldest first, with what became of it."""
    entries = list(
        AuditEntry.objects.filter(
            action=AuditAction.DISCLOSE, object_id__in=uids, seq__lt=before_seq
        ).order_by("seq")
    )
    # The worker logs a partner's rejection as a second entry; the first one shows it.
    entries = [e for e in entries if (e.detail or {}).get("status") != "rejected"]
    envelopes = _envelopes(_envelope_ids(entries))
    return [_disclosure(e, envelopes.get(str(e.detail.get("envelope", "")))) for e in entries]


def _envelope_ids(entries: Iterable[AuditEntry]) -> list[UUID]:
    ids = []
    for entry in entries:
        try:
            ids.append(UUID(str((entry.detail or {}).get("envelope", ""))))
        except ValueError:
            continue
    return ids


def _envelopes(ids: list[UUID]) -> dict[str, OutboxEnvelope]:
    rows = OutboxEnvelope.objects.filter(envelope_id__in=ids)
    return {str(row.envelope_id): row for row in rows}


def _disclosure(entry: AuditEntry, envelope: OutboxEnvelope | None) -> Disclosure:
    detail = entry.detail or {}
    message_type = str(detail.get("type", ""))
    return Disclosure(
        seq=entry.seq,
        at=entry.at,
        partner=entry.peer_node,
        object_type=entry.object_type.split(".")[0],
        object_uid=entry.object_id,
        message_type=message_type,
        user=entry.actor_username,
        delivery=DeliveryState(envelope.state) if envelope else DeliveryState.UNKNOWN,
        delivered_at=envelope.delivered_at if envelope else None,
        receipt=envelope.receipt_status if envelope else "",
    )


def partner_copies_of(uids: list[str]) -> list[PartnerCopy]:
    shares: QuerySet[Share] = Share.objects.filter(object_uid__in=uids).select_related("peer")
    return [
        PartnerCopy(s.peer.node_id, s.object_type, str(s.object_uid), s.shared_at)
        for s in shares.order_by("peer__node_id", "object_type", "shared_at")
    ]


def as_json(report: SubjectAccessReport) -> dict[str, Any]:
    """The report as the API returns it (schemas.SubjectAccessOut)."""
    entry = report.production
    produced = {"seq": entry.seq, "at": entry.at, "user": entry.actor_username}
    produced |= {"agency": entry.actor_agency, "purpose": entry.purpose}
    return {
        "person": report.person.uid,
        "produced": produced | {"reference": entry.purpose_reference},
        "held": [{"record": r, "field": f, "value": v} for r, f, v in held_facts(report)],
        "consultations": [{**c.__dict__, "kind": c.kind.value} for c in report.consultations],
        "disclosures": [{**d.__dict__, "delivery": d.delivery.value} for d in report.disclosures],
        "partner_copies": [c.__dict__ for c in report.partner_copies],
    }


# CSV: one long table, a row per fact, so it reads in a spreadsheet and in a script alike.

CSV_HEADER = [
    "section",
    "record",
    "field",
    "value",
    "at",
    "user",
    "agency",
    "partner",
    "purpose",
    "reference",
    "delivery",
]


def csv_rows(report: SubjectAccessReport) -> Iterator[list[str]]:
    """The header, then every fact of the report, each cell made inert for spreadsheets."""
    yield CSV_HEADER
    rows = (
        *_report_rows(report),
        *_held_rows(report),
        *(_consultation_row(report.person, c) for c in report.consultations),
        *(_disclosure_row(d) for d in report.disclosures),
        *(_copy_row(p) for p in report.partner_copies),
    )
    for row in rows:
        yield [row.get(column, "") for column in CSV_HEADER]


def _at(value: datetime | None) -> str:
    return timestamp(value) if value is not None else ""


def _report_rows(report: SubjectAccessReport) -> list[dict[str, str]]:
    entry = report.production
    return [
        {
            "section": "report",
            "record": f"person:{report.person.uid}",
            "field": "produced",
            "value": f"audit entry {entry.seq}",
            "at": _at(entry.at),
            "user": entry.actor_username,
            "agency": entry.actor_agency,
            "purpose": entry.purpose,
            "reference": entry.purpose_reference,
        }
    ]


def _held_rows(report: SubjectAccessReport) -> list[dict[str, str]]:
    facts = held_facts(report)
    return [{"section": "held", "record": r, "field": f, "value": v} for r, f, v in facts]


Fact = tuple[str, str, str]  # (record as "type:uid", field, value)


def held_facts(report: SubjectAccessReport) -> list[Fact]:
    """What the node holds, one fact per field value (empty fields left out)."""
    return [
        *_person_facts(report.person),
        *(fact for w in report.warrants for fact in _warrant_facts(w)),
        *(fact for a in report.alerts for fact in _alert_facts(a)),
        *(fact for h in report.hits for fact in _hit_facts(h)),
    ]


def _shared_facts(record: Any, key: str) -> list[Fact]:
    """What every shared record carries: owner, version, handling, review and receipt dates."""
    return [
        (key, "owner_node", record.owner_node),
        (key, "version", str(record.version)),
        (key, "handling_code", f"{record.effective_handling_code} ({record.tlp_label})"),
        (key, "review_date", _date(record.review_date)),
        (key, "created_at", _at(record.created_at)),
        (key, "received_at", _at(record.received_at)),
    ]


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def _person_facts(person: Person) -> list[Fact]:
    key = f"person:{person.uid}"
    facts: list[Fact] = [
        (key, "category", person.category),
        (key, "sex", person.sex),
        *_shared_facts(person, key),
        *((key, "name", f"{n.full_name} [{n.script}, {n.kind}]") for n in person.names.all()),
        *((key, "date_of_birth", b.value) for b in person.birth_dates.all()),
        (key, "place_of_birth", person.place_of_birth),
        (key, "country_of_birth", person.country_of_birth),
        *((key, "nationality", code) for code in person.nationality_codes),
        *((key, "document", _document(d)) for d in person.documents.all()),
        (key, "distinguishing_marks", person.distinguishing_marks),
        (key, "external_reference", person.external_ref),
    ]
    return [fact for fact in facts if fact[2]]


def _document(document: Any) -> str:
    return f"{document.document_type} {document.number} ({document.issuing_country})"


def _warrant_facts(warrant: Warrant) -> list[Fact]:
    key = f"warrant:{warrant.uid}"
    facts: list[Fact] = [
        (key, "reference", warrant.reference),
        (key, "status", warrant.status),
        (key, "issuing_country", warrant.issuing_country),
        (key, "issuing_authority", warrant.issuing_authority),
        (key, "court", warrant.court),
        (key, "offences", "; ".join(warrant.offences)),
        (key, "offence_description", warrant.offence_description),
        (key, "legal_basis", warrant.legal_basis),
        (key, "issued_on", _date(warrant.issued_on)),
        (key, "expires_on", _date(warrant.expires_on)),
        (key, "extradition_sought", "yes" if warrant.extradition_sought else "no"),
        *_shared_facts(warrant, key),
    ]
    return [fact for fact in facts if fact[2]]


def _alert_facts(alert: Alert) -> list[Fact]:
    key = f"alert:{alert.uid}"
    facts: list[Fact] = [
        (key, "type", alert.alert_type),
        (key, "status", alert.status),
        (key, "warrant", f"warrant:{alert.warrant.uid}" if alert.warrant else ""),
        (key, "action_on_hit", alert.action_on_hit),
        (key, "facts", alert.facts),
        (key, "assessment", alert.assessment),
        *_shared_facts(alert, key),
    ]
    return [fact for fact in facts if fact[2]]


def _hit_facts(hit: Hit) -> list[Fact]:
    key = f"hit:{hit.uid}"
    facts: list[Fact] = [
        (key, "encountered_name", hit.encountered_name),
        (key, "encountered_on", _at(hit.encountered_on)),
        (key, "place", hit.place),
        (key, "context", hit.context),
        (key, "disposition", hit.disposition),
        (key, "action_taken", hit.action_taken),
        *_shared_facts(hit, key),
    ]
    return [fact for fact in facts if fact[2]]


def _consultation_row(person: Person, consultation: Consultation) -> dict[str, str]:
    return {
        "section": "consultation",
        "record": f"person:{person.uid}",
        "field": "kind",
        "value": consultation.kind.value,
        "at": _at(consultation.at),
        "user": consultation.user,
        "agency": consultation.agency,
        "purpose": consultation.purpose,
        "reference": consultation.reference,
    }


def _disclosure_row(disclosure: Disclosure) -> dict[str, str]:
    delivery = disclosure.delivery.value
    if disclosure.delivered_at is not None:
        delivery = f"{delivery} {_at(disclosure.delivered_at)} {disclosure.receipt}".strip()
    return {
        "section": "disclosure",
        "record": f"{disclosure.object_type}:{disclosure.object_uid}",
        "field": "message",
        "value": disclosure.message_type,
        "at": _at(disclosure.at),
        "user": disclosure.user,
        "partner": disclosure.partner,
        "delivery": delivery,
    }


def _copy_row(copy: PartnerCopy) -> dict[str, str]:
    return {
        "section": "partner_copy",
        "record": f"{copy.object_type}:{copy.object_uid}",
        "field": "held_by_partner",
        "value": copy.partner,
        "at": _at(copy.shared_at),
        "partner": copy.partner,
    }

"""Registry records in the sharing contract: envelope bodies, serialisers, appliers.

Message types (docs/federation.md): `person.upsert` carries a person with names, dates of
birth, nationalities and documents; its warrants and alerts follow as separate
`warrant.upsert` and `alert.upsert` envelopes (each has its own handling code, version
and policy decision). `person.withdraw`, `warrant.withdraw`, `alert.withdraw` remove a
partner's copy; `hit.notify` brings a partner's hit back to the person's owner.

Applying writes partners' copies only (owner_node = the sender, received_at set), keeps
the highest version per uid, and refuses envelopes about records the sender does not own.
The types are registered with the exchange in liaison/registry/sharing/__init__.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from pydantic import Field, model_validator

from liaison.core.field_rules import (
    Country,
    DateOfBirth,
    Identifier,
    Line,
    Name,
    OptionalCountry,
    Text,
)
from liaison.exchange.models import Peer
from liaison.exchange.protocol import MAX_COUNT, ProtocolError, Reason
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import owned_by_sender, shared_with
from liaison.records import (
    Body,
    Shared,
    copies_read_ahead,
    existing_copy,
    received_fields,
    save_copy,
    shared_fields,
    superseded,
)
from liaison.registry.actions import (
    DocumentData,
    NameData,
    Parts,
    RegistryError,
    stored_parts,
    write_person_parts,
)
from liaison.registry.choices import (
    IN_CUSTODY,
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
    Sex,
    WarrantStatus,
)
from liaison.registry.models import Alert, Hit, HitDecision, Person, Warrant

# Bodies: what `object` holds for each type. Unknown fields are refused; every field meets
# the same rules as at this node's own doors (liaison/core/field_rules.py).


class NameBody(Body):
    full_name: Name = Field(min_length=1, max_length=300)
    kind: NameKind
    given_names: Name = Field("", max_length=200)
    family_name: Name = Field("", max_length=200)


class DocumentBody(Body):
    document_type: DocumentType
    number: Identifier = Field(min_length=1, max_length=64)
    issuing_country: Country


class PersonBody(Shared):
    category: PersonCategory
    sex: Sex
    names: list[NameBody] = Field(min_length=1, max_length=20)
    birth_dates: list[DateOfBirth] = Field(max_length=10)
    place_of_birth: Line = Field(max_length=200)
    country_of_birth: OptionalCountry
    nationalities: list[Country] = Field(max_length=10)
    distinguishing_marks: Text = Field(max_length=2000)
    documents: list[DocumentBody] = Field(max_length=20)
    external_ref: Identifier = Field(max_length=64)


class WarrantBody(Shared):
    person: UUID
    status: WarrantStatus
    issuing_country: Country
    issuing_authority: Line = Field(max_length=200)
    court: Line = Field(max_length=200)
    reference: Identifier = Field(max_length=100)
    offences: list[OffenceCategory] = Field(max_length=20)
    offence_description: Text = Field(max_length=5000)
    legal_basis: Line = Field(max_length=300)
    issued_on: date
    expires_on: date | None
    extradition_sought: bool
    max_penalty_months: int | None = Field(ge=0, le=MAX_COUNT)
    remaining_sentence_months: int | None = Field(ge=0, le=MAX_COUNT)


class AlertBody(Shared):
    person: UUID
    warrant: UUID | None
    alert_type: AlertType
    status: AlertStatus
    action_on_hit: Text = Field(min_length=1, max_length=5000)
    facts: Text = Field(max_length=10000)
    assessment: Text = Field(max_length=10000)
    not_political_declared: bool


class HitBody(Shared):
    person: UUID
    alert: UUID | None
    encountered_name: Name = Field(min_length=1, max_length=300)
    encountered_on: datetime
    place: Line = Field(max_length=200)
    context: HitContext
    recorded_by_name: Line = Field(max_length=200)
    score: float | None = Field(ge=0, le=1)
    disposition: HitDisposition
    action_taken: Text = Field(max_length=5000)
    # The follow-up (record_hit_outcome); absent from a sender that predates it: none.
    outcome: HitOutcome | Literal[""] = ""
    outcome_on: date | None = None
    arrested_on: date | None = None

    @model_validator(mode="after")
    def _outcome_is_whole_and_in_order(self) -> HitBody:
        problem = outcome_problem(self)
        if problem:
            raise ValueError(problem)
        return self


# The nodes' time zones differ: a day's margin on the dates a partner sends.
DATE_MARGIN = timedelta(days=1)


def outcome_problem(body: HitBody) -> str:
    """What is wrong with the outcome fields of a hit's body; empty if nothing."""
    if bool(body.outcome) != (body.outcome_on is not None):
        return "an outcome goes with its date"
    custody = body.outcome in IN_CUSTODY
    if custody != (body.arrested_on is not None) and body.outcome != HitOutcome.RELEASED:
        return "an arrest date goes with an arrested, extradition or surrender outcome"
    met = body.encountered_on.astimezone(UTC).date() - DATE_MARGIN
    latest = datetime.now(UTC).date() + DATE_MARGIN
    for day in (body.outcome_on, body.arrested_on):
        if day is not None and not met <= day <= latest:
            return "an outcome date is before the hit or in the future"
    if body.arrested_on and body.outcome_on and body.arrested_on > body.outcome_on:
        return "the arrest is after the outcome"
    return ""


class HitDecisionBody(Shared):
    """The person's owner answers the recorder's hit (`hitdecision.upsert`)."""

    hit: UUID
    decision: HitDecisionKind
    message: Text = Field(min_length=1, max_length=5000)
    decided_by_name: Line = Field(max_length=200)
    decided_on: datetime


# Records to bodies (the sending side)


def _name_bodies(person: Person) -> list[NameBody]:
    return [
        NameBody(
            full_name=n.full_name,
            kind=NameKind(n.kind),
            given_names=n.given_names,
            family_name=n.family_name,
        )
        for n in person.names.order_by("id")
    ]


def _document_bodies(person: Person) -> list[DocumentBody]:
    return [
        DocumentBody(
            document_type=DocumentType(d.document_type),
            number=d.number,
            issuing_country=d.issuing_country,
        )
        for d in person.documents.order_by("id")
    ]


def person_object(person: Person) -> dict[str, Any]:
    body = PersonBody(
        **shared_fields(person),
        category=PersonCategory(person.category),
        sex=Sex(person.sex),
        names=_name_bodies(person),
        birth_dates=[b.value for b in person.birth_dates.all()],
        place_of_birth=person.place_of_birth,
        country_of_birth=person.country_of_birth,
        nationalities=sorted(n.code for n in person.nationalities.all()),
        distinguishing_marks=person.distinguishing_marks,
        documents=_document_bodies(person),
        external_ref=person.external_ref,
    )
    return body.model_dump(mode="json")


_WARRANT_FIELDS = [
    "status",
    "issuing_country",
    "issuing_authority",
    "court",
    "reference",
    "offences",
    "offence_description",
    "legal_basis",
    "issued_on",
    "expires_on",
    "extradition_sought",
    "max_penalty_months",
    "remaining_sentence_months",
]
_ALERT_FIELDS = [
    "alert_type",
    "status",
    "action_on_hit",
    "facts",
    "assessment",
    "not_political_declared",
]
_HIT_FIELDS = [
    "encountered_name",
    "encountered_on",
    "place",
    "context",
    "recorded_by_name",
    "score",
    "disposition",
    "action_taken",
    "outcome",
    "outcome_on",
    "arrested_on",
]


def warrant_object(warrant: Warrant) -> dict[str, Any]:
    values = {f: getattr(warrant, f) for f in _WARRANT_FIELDS}
    body = WarrantBody(**shared_fields(warrant), person=warrant.person.uid, **values)
    return body.model_dump(mode="json")


def alert_object(alert: Alert) -> dict[str, Any]:
    values = {f: getattr(alert, f) for f in _ALERT_FIELDS}
    warrant = alert.warrant.uid if alert.warrant_id and alert.warrant else None
    body = AlertBody(**shared_fields(alert), person=alert.person.uid, warrant=warrant, **values)
    return body.model_dump(mode="json")


def hit_object(hit: Hit) -> dict[str, Any]:
    values = {f: getattr(hit, f) for f in _HIT_FIELDS}
    alert = hit.alert.uid if hit.alert_id and hit.alert else None
    body = HitBody(**shared_fields(hit), person=hit.person.uid, alert=alert, **values)
    return body.model_dump(mode="json")


def decision_object(decision: HitDecision) -> dict[str, Any]:
    body = HitDecisionBody(
        **shared_fields(decision),
        hit=decision.hit.uid,
        decision=HitDecisionKind(decision.decision),
        message=decision.message,
        decided_by_name=decision.decided_by_name,
        decided_on=decision.decided_on,
    )
    return body.model_dump(mode="json")


# Applying received envelopes (the receiving side)


def _partner_person(sender: str, uid: UUID) -> Person:
    person = Person.objects.filter(uid=uid, owner_node=sender).first()
    if person is None:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"person {uid} is not here")
    return person


# The parts of the persons a batch will update, read with them (`persons_read_ahead`).
_PARTS_AHEAD: ContextVar[dict[int, Parts] | None] = ContextVar("parts_read_ahead", default=None)


@contextmanager
def persons_read_ahead(uids: Sequence[UUID]) -> Iterator[None]:
    """For a batch of person envelopes: the copies locked and read in one query, their
    parts in another, each taken once by the applier (then read again, as it may have
    changed them)."""
    with copies_read_ahead(Person, uids) as found:
        token = _PARTS_AHEAD.set(stored_parts([person.pk for person in found.values()]))
        try:
            yield
        finally:
            _PARTS_AHEAD.reset(token)


def apply_person(sender: str, body: PersonBody) -> Applied:
    owned_by_sender(sender, body.owner)
    person = existing_copy(Person, sender, body.uid)
    if superseded(person, body):
        return Applied("unchanged", "person", str(body.uid), body.version)
    values = received_fields(sender, body) | {
        "category": body.category,
        "sex": body.sex,
        "place_of_birth": body.place_of_birth,
        "country_of_birth": body.country_of_birth,
        "distinguishing_marks": body.distinguishing_marks,
        "external_ref": body.external_ref,
        "neutrality_flag": False,
    }
    effect = "created" if person is None else "updated"
    person = save_copy(Person, person, body.uid, values)
    _write_parts(person, body, created=effect == "created")
    return Applied(effect, "person", str(body.uid), body.version)


def _write_parts(person: Person, body: PersonBody, *, created: bool) -> None:
    """Through the registry's one writer of person parts (validated, only what changed)."""
    ahead = _PARTS_AHEAD.get()
    try:
        write_person_parts(
            person,
            names=[NameData(n.full_name, n.kind, n.given_names, n.family_name) for n in body.names],
            birth_dates=list(body.birth_dates),
            nationalities=list(body.nationalities),
            documents=[
                DocumentData(d.document_type, d.number, d.issuing_country) for d in body.documents
            ],
            created=created,
            stored=None if ahead is None else ahead.pop(person.pk, None),
        )
    except RegistryError as error:
        raise ProtocolError(Reason.BAD_SCHEMA, str(error)) from None


def apply_warrant(sender: str, body: WarrantBody) -> Applied:
    owned_by_sender(sender, body.owner)
    warrant = existing_copy(Warrant, sender, body.uid)
    if superseded(warrant, body):
        return Applied("unchanged", "warrant", str(body.uid), body.version)
    values = received_fields(sender, body) | {f: getattr(body, f) for f in _WARRANT_FIELDS}
    values["person"] = _partner_person(sender, body.person)
    effect = "created" if warrant is None else "updated"
    save_copy(Warrant, warrant, body.uid, values)
    return Applied(effect, "warrant", str(body.uid), body.version)


def apply_alert(sender: str, body: AlertBody) -> Applied:
    owned_by_sender(sender, body.owner)
    alert = existing_copy(Alert, sender, body.uid)
    if superseded(alert, body):
        return Applied("unchanged", "alert", str(body.uid), body.version)
    person = _partner_person(sender, body.person)
    values = received_fields(sender, body) | {f: getattr(body, f) for f in _ALERT_FIELDS}
    # A warrant the owner did not share with us (or withdrew) is simply not linked.
    values["warrant"] = person.warrants.filter(uid=body.warrant).first() if body.warrant else None
    values["person"] = person
    effect = "created" if alert is None else "updated"
    save_copy(Alert, alert, body.uid, values)
    return Applied(effect, "alert", str(body.uid), body.version)


def apply_hit(sender: str, body: HitBody) -> Applied:
    """A partner's hit on one of this node's persons: attached to it, read-only here."""
    if body.owner != sender:
        raise ProtocolError(Reason.NOT_OWNER, f"{sender} sent a hit owned by {body.owner}")
    person = Person.objects.filter(uid=body.person, owner_node=settings.NODE_ID).first()
    if person is None or not shared_with(sender, "person", person.uid):
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"person {body.person} was not shared")
    hit = existing_copy(Hit, sender, body.uid)
    if superseded(hit, body):
        return Applied("unchanged", "hit", str(body.uid), body.version)
    if body.outcome and not _confirmed_here(hit, body):
        raise ProtocolError(
            Reason.NOT_ACCEPTED, f"hit {body.uid}: an outcome on a hit not confirmed"
        )
    values = received_fields(sender, body) | {f: getattr(body, f) for f in _HIT_FIELDS}
    values["alert"] = person.alerts.filter(uid=body.alert).first() if body.alert else None
    values["person"] = person
    effect = "created" if hit is None else "updated"
    save_copy(Hit, hit, body.uid, values)
    return Applied(effect, "hit", str(body.uid), body.version)


def _confirmed_here(hit: Hit | None, body: HitBody) -> bool:
    """An outcome rests on a confirmed hit: confirmed by its recorder (the body says so) or
    by a decision of this node, the person's owner."""
    if body.disposition == HitDisposition.CONFIRMED:
        return True
    return hit is not None and hit.decisions.filter(decision=HitDecisionKind.CONFIRMED).exists()


def apply_hit_decision(sender: str, body: HitDecisionBody) -> Applied:
    """The owner's decision on a hit this node recorded on its person and sent to it."""
    owned_by_sender(sender, body.owner)
    hit = (
        Hit.objects.filter(uid=body.hit, owner_node=settings.NODE_ID)
        .select_related("person")
        .first()
    )
    if hit is None:
        # Gone here (erased with its person's copy, or lost before a resync): nothing to
        # attach the decision to, as a withdrawal of an absent record.
        return Applied("absent", "hitdecision", str(body.uid), body.version)
    if hit.person.owner_node != sender or not shared_with(sender, "hit", hit.uid):
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"hit {body.hit} was not sent to {sender}")
    decision = existing_copy(HitDecision, sender, body.uid)
    if superseded(decision, body):
        return Applied("unchanged", "hitdecision", str(body.uid), body.version)
    peer = Peer.objects.filter(node_id=sender).first()
    values = received_fields(sender, body) | {
        "hit": hit,
        "decision": body.decision,
        "message": body.message,
        "decided_by_name": body.decided_by_name,
        "decided_by_agency": (peer.agency if peer is not None else "") or sender,
        "decided_on": body.decided_on,
    }
    effect = "created" if decision is None else "updated"
    save_copy(HitDecision, decision, body.uid, values)
    return Applied(effect, "hitdecision", str(body.uid), body.version)


BODIES: dict[str, type[Shared]] = {
    "person": PersonBody,
    "warrant": WarrantBody,
    "alert": AlertBody,
}
SERIALISERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "person": person_object,
    "warrant": warrant_object,
    "alert": alert_object,
}
APPLIERS: dict[str, Callable[[str, Any], Applied]] = {
    "person": apply_person,
    "warrant": apply_warrant,
    "alert": apply_alert,
}

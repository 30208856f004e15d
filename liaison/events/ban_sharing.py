"""Bans in the sharing contract (liaison/exchange/sharing.py): body, serialiser, applier.

`ban.upsert` carries the ban with the person it concerns by uid and owner: the receiver
must hold that person (its own, or the sender's copy), or the envelope is refused as
`unknown_reference`; `share_ban` sends the person first when the partner lacks it. The
events concerned travel by uid and are linked where the receiver holds them. An expiry
is an upsert (status `expired`); a withdrawal (`ban.withdraw`) deletes the partner's copy.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import Field, model_validator

from liaison.core.field_rules import Line, Text
from liaison.events.models import Ban, BanKind, BanStatus, Event
from liaison.exchange.protocol import NODE_ID, ProtocolError, Reason
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import RecordType, owned_by_sender, register_record_type
from liaison.records import (
    Shared,
    disclose_refusal,
    existing_copy,
    finder,
    received_fields,
    save_copy,
    shared_fields,
    superseded,
    withdraw_applier,
)
from liaison.registry.models import Person

NodeId = Annotated[str, Field(pattern=NODE_ID)]
MAX_EVENTS = 50
FIELDS = ["kind", "issuing_authority", "valid_from", "valid_until", "grounds", "competitions"]


class BanBody(Shared):
    person: UUID
    person_owner: NodeId
    kind: BanKind
    issuing_authority: Line = Field(min_length=1, max_length=200)
    valid_from: date
    valid_until: date
    grounds: Text = Field(min_length=1, max_length=4000)
    competitions: Line = Field(max_length=500)
    events: list[UUID] = Field(max_length=MAX_EVENTS)
    # A withdrawn ban is not sent: its withdrawal deletes the partner's copy.
    status: BanStatus

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        if self.status == BanStatus.WITHDRAWN:
            raise ValueError("a withdrawn ban is withdrawn, not sent")
        return self


def ban_object(ban: Ban) -> dict[str, Any]:
    values = {name: getattr(ban, name) for name in FIELDS}
    person = ban.person
    return BanBody(
        **shared_fields(ban),
        **values,
        person=person.uid,
        person_owner=person.owner_node,
        events=[e.uid for e in ban.events.order_by("pk")],
        status=BanStatus(ban.status),
    ).model_dump(mode="json")


def _person(body: BanBody) -> Person:
    person = Person.objects.filter(uid=body.person, owner_node=body.person_owner).first()
    if person is None:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"person {body.person} is not here")
    return person


def apply_ban(sender: str, body: BanBody) -> Applied:
    owned_by_sender(sender, body.owner)
    ban = existing_copy(Ban, sender, body.uid)
    if superseded(ban, body):
        return Applied("unchanged", "ban", str(body.uid), body.version)
    values = received_fields(sender, body) | {name: getattr(body, name) for name in FIELDS}
    values |= {"person": _person(body), "status": body.status}
    effect = "created" if ban is None else "updated"
    ban = save_copy(Ban, ban, body.uid, values)
    # Events the sender did not share with us are simply not linked, as an alert's warrant.
    ban.events.set(Event.objects.filter(uid__in=body.events))
    return Applied(effect, "ban", str(body.uid), body.version)


def register() -> None:
    register_record_type(
        RecordType(
            name="ban",
            body=BanBody,
            serialise=ban_object,
            apply=apply_ban,
            find=finder(Ban),
            refusal=disclose_refusal,
            withdraw=withdraw_applier(Ban, "ban"),
            # After persons (0), warrants (1), alerts (2): a resync sends the person first.
            resync_order=3,
        )
    )

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

from django.conf import settings
from pydantic import Field, model_validator

from liaison.core.field_rules import Line, Text
from liaison.events.models import Ban, BanKind, BanStatus, Event
from liaison.exchange.protocol import NODE_ID, ProtocolError, Reason
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import (
    RecordType,
    owned_by_sender,
    register_record_type,
    shared_with,
)
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


def _person(sender: str, body: BanBody) -> Person:
    """The sender's own person, or one of ours that we share with the sender now; never a
    person of ours it was not sent (it would put it on our watchlist on its word alone),
    nor a third service's copy."""
    person = None
    if body.person_owner in (sender, settings.NODE_ID):
        person = Person.objects.filter(uid=body.person, owner_node=body.person_owner).first()
    if person is not None and person.owner_node == settings.NODE_ID:
        person = person if shared_with(sender, "person", person.uid) else None
    if person is None:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"person {body.person} was not shared")
    return person


def _events(sender: str, uids: list[UUID]) -> list[Event]:
    """The events named that the sender may name: its own, or ours shared with it. Others
    are simply not linked, as an alert's warrant."""
    named = Event.objects.filter(uid__in=uids)
    return [
        event
        for event in named
        if event.owner_node == sender
        or (event.owner_node == settings.NODE_ID and shared_with(sender, "event", event.uid))
    ]


def apply_ban(sender: str, body: BanBody) -> Applied:
    owned_by_sender(sender, body.owner)
    ban = existing_copy(Ban, sender, body.uid)
    if superseded(ban, body):
        return Applied("unchanged", "ban", str(body.uid), body.version)
    values = received_fields(sender, body) | {name: getattr(body, name) for name in FIELDS}
    values |= {"person": _person(sender, body), "status": body.status}
    effect = "created" if ban is None else "updated"
    ban = save_copy(Ban, ban, body.uid, values)
    ban.events.set(_events(sender, body.events))
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

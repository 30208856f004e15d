"""Events in the sharing contract (liaison/exchange/sharing.py): body, serialiser, applier.

`event.upsert` carries the event; `event.withdraw` removes a partner's copy. Registered
from EventsConfig.ready(); the exchange itself knows nothing of events.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field

from liaison.core.field_rules import Line, Text
from liaison.events.models import Event
from liaison.exchange.protocol import NODE_ID
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import RecordType, owned_by_sender, register_record_type
from liaison.records import (
    Shared,
    disclose_refusal,
    existing_copy,
    received_fields,
    save_copy,
    shared_fields,
    superseded,
    withdraw_applier,
)

NodeId = Annotated[str, Field(pattern=NODE_ID)]
MAX_VENUES = 50
FIELDS = ["name", "starts_on", "ends_on", "venues", "host_node", "partner_nodes", "description"]


class EventBody(Shared):
    name: Line = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date
    venues: list[Annotated[Line, Field(min_length=1, max_length=200)]] = Field(
        max_length=MAX_VENUES
    )
    host_node: NodeId
    partner_nodes: list[NodeId] = Field(max_length=20)
    description: Text = Field(max_length=4000)


def event_object(event: Event) -> dict[str, Any]:
    values = {name: getattr(event, name) for name in FIELDS}
    return EventBody(**shared_fields(event), **values).model_dump(mode="json")


def apply_event(sender: str, body: EventBody) -> Applied:
    owned_by_sender(sender, body.owner)
    event = existing_copy(Event, sender, body.uid)
    if superseded(event, body):
        return Applied("unchanged", "event", str(body.uid), body.version)
    values = received_fields(sender, body) | {name: getattr(body, name) for name in FIELDS}
    effect = "created" if event is None else "updated"
    save_copy(Event, event, body.uid, values)
    return Applied(effect, "event", str(body.uid), body.version)


def _find(uid: UUID) -> Event | None:
    return Event.objects.filter(uid=uid).first()


def register() -> None:
    register_record_type(
        RecordType(
            name="event",
            body=EventBody,
            serialise=event_object,
            apply=apply_event,
            find=_find,
            refusal=disclose_refusal,
            withdraw=withdraw_applier(Event, "event"),
        )
    )

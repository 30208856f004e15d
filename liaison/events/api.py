"""Events JSON API under /api/v1/events: the same actions and scoped queries as the pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictStr

from liaison.core import idempotency
from liaison.core.api_errors import error_responses
from liaison.core.api_input import ApiInput, IsoDate
from liaison.core.field_rules import Line, Text
from liaison.events import actions
from liaison.events.models import Event
from liaison.events.queries import events_visible_to, get_event_for_user
from liaison.events.sharing import MAX_VENUES
from liaison.exchange.protocol import NODE_ID
from liaison.policy import Action, HandlingCode, require

router = Router(tags=["events"])
LIST_ERRORS = error_responses(401, 403)
CREATE_ERRORS = error_responses(400, 401, 403, 413, *idempotency.ERRORS)
ADD_ERRORS = error_responses(400, 401, 403, 404, 413, *idempotency.ERRORS)
RECORD_ERRORS = error_responses(400, 401, 403, 404)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 413)
NodeId = Annotated[StrictStr, Field(pattern=NODE_ID)]


class EventIn(ApiInput):
    model_config = {"extra": "forbid"}

    name: Line = Field(min_length=1, max_length=200)
    starts_on: IsoDate
    ends_on: IsoDate
    host_node: NodeId
    venues: list[Annotated[Line, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=MAX_VENUES
    )
    partner_nodes: list[NodeId] = Field(default_factory=list, max_length=20)
    description: Text = Field("", max_length=4000)
    handling_code: HandlingCode = HandlingCode.H0


class EventOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    tlp: str
    name: str
    starts_on: date
    ends_on: date
    host_node: str
    venues: list[str]
    partner_nodes: list[str]
    description: str
    received_at: Any


class EventShareIn(ApiInput):
    model_config = {"extra": "forbid"}

    partner: NodeId


class EventShareOut(Schema):
    partner: str
    envelope: str


def event_out(event: Event) -> dict[str, Any]:
    fields = ["uid", "owner_node", "version", "name", "starts_on", "ends_on", "host_node"]
    fields += ["venues", "partner_nodes", "description", "received_at"]
    code = {"handling_code": event.effective_handling_code, "tlp": event.tlp_label}
    return {name: getattr(event, name) for name in fields} | code


@router.get("/events", response={200: list[EventOut], **LIST_ERRORS}, summary="List events")
def list_events(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="event")
    return [event_out(e) for e in events_visible_to(request.user)]


@router.post("/events", response={201: EventOut, **CREATE_ERRORS}, summary="Record an event")
@idempotency.idempotent
def create_event(request: HttpRequest, payload: EventIn) -> Any:
    data = actions.EventData(**payload.model_dump())
    return Status(
        201, event_out(actions.create_event(actor=request.user, data=data, request=request))
    )


@router.get("/events/{uid}", response={200: EventOut, **RECORD_ERRORS}, summary="Open an event")
def get_event(request: HttpRequest, uid: UUID) -> Any:
    return event_out(get_event_for_user(request.user, uid))


@router.put("/events/{uid}", response={200: EventOut, **CHANGE_ERRORS}, summary="Change an event")
def update_event(request: HttpRequest, uid: UUID, payload: EventIn) -> Any:
    event = get_event_for_user(request.user, uid)
    data = actions.EventData(**payload.model_dump())
    return event_out(
        actions.update_event(actor=request.user, event=event, data=data, request=request)
    )


@router.post(
    "/events/{uid}/shares",
    response={201: EventShareOut, **ADD_ERRORS},
    summary="Share an event with a partner node",
)
@idempotency.idempotent
def share_event(request: HttpRequest, uid: UUID, payload: EventShareIn) -> Any:
    event = get_event_for_user(request.user, uid)
    envelope = actions.share_event(
        actor=request.user, event=event, partner=payload.partner, request=request
    )
    return Status(201, {"partner": payload.partner, "envelope": envelope})

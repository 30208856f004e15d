"""Bans JSON API under /api/v1/bans: the same actions and scoped queries as the pages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictStr

from liaison.core import idempotency
from liaison.core.api_errors import error_responses
from liaison.core.api_input import ApiInput, IsoDate
from liaison.core.field_rules import Line, Text
from liaison.events import bans as actions
from liaison.events.ban_queries import bans_visible_to, events_of_ban, get_ban_for_user
from liaison.events.ban_sharing import MAX_EVENTS
from liaison.events.models import Ban, BanKind, Event
from liaison.events.queries import events_visible_to
from liaison.exchange.protocol import NODE_ID
from liaison.policy import Action, HandlingCode, require
from liaison.registry.queries import get_person_for_user

router = Router(tags=["bans"])
LIST_ERRORS = error_responses(401, 403)
CREATE_ERRORS = error_responses(400, 401, 403, 404, 413, *idempotency.ERRORS)
RECORD_ERRORS = error_responses(400, 401, 403, 404)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 413)
NodeId = Annotated[StrictStr, Field(pattern=NODE_ID)]


class BanFields(ApiInput):
    model_config = {"extra": "forbid"}

    kind: BanKind
    issuing_authority: Line = Field(min_length=1, max_length=200)
    valid_from: IsoDate
    valid_until: IsoDate
    grounds: Text = Field(min_length=1, max_length=4000)
    competitions: Line = Field("", max_length=500)
    events: list[UUID] = Field(default_factory=list, max_length=MAX_EVENTS)
    handling_code: HandlingCode | None = None  # the person's code


class BanIn(BanFields):
    person: UUID


class BanOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    tlp: str
    person: UUID
    kind: str
    issuing_authority: str
    valid_from: date
    valid_until: date
    grounds: str
    competitions: str
    events: list[UUID]
    status: str
    received_at: Any


class BanShareIn(ApiInput):
    model_config = {"extra": "forbid"}

    partner: NodeId


class BanShareOut(Schema):
    partner: str
    envelopes: list[str]


class BanWithdrawIn(ApiInput):
    model_config = {"extra": "forbid"}

    reason: Text = Field(min_length=1, max_length=2000)


def ban_out(ban: Ban, events: Iterable[Event]) -> dict[str, Any]:
    """The ban, with `events`: those it concerns that the reader may see."""
    fields = ["uid", "owner_node", "version", "kind", "issuing_authority", "valid_from"]
    fields += ["valid_until", "grounds", "competitions", "status", "received_at"]
    values = {name: getattr(ban, name) for name in fields}
    values |= {"handling_code": ban.effective_handling_code, "tlp": ban.tlp_label}
    return values | {"person": ban.person.uid, "events": [e.uid for e in events]}


def _out(request: HttpRequest, ban: Ban) -> dict[str, Any]:
    return ban_out(ban, events_of_ban(request.user, ban))


def _data(payload: BanFields) -> actions.BanData:
    values = payload.model_dump(exclude={"person"})
    return actions.BanData(**values | {"handling_code": values["handling_code"] or ""})


@router.get("/bans", response={200: list[BanOut], **LIST_ERRORS}, summary="List bans")
def list_bans(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type=actions.OBJECT)
    seen = events_visible_to(request.user, Action.VIEW).order_by("pk")
    bans = bans_visible_to(request.user).prefetch_related(
        Prefetch("events", seen, to_attr="seen_events")
    )
    return [ban_out(b, b.seen_events) for b in bans]


@router.post("/bans", response={201: BanOut, **CREATE_ERRORS}, summary="Record a ban")
@idempotency.idempotent
def create_ban(request: HttpRequest, payload: BanIn) -> Any:
    require(request, Action.CREATE, object_type=actions.OBJECT)
    person = get_person_for_user(request.user, payload.person)
    ban = actions.create_ban(
        actor=request.user, person=person, data=_data(payload), request=request
    )
    return Status(201, _out(request, ban))


@router.get("/bans/{uid}", response={200: BanOut, **RECORD_ERRORS}, summary="Open a ban")
def get_ban(request: HttpRequest, uid: UUID) -> Any:
    return _out(request, get_ban_for_user(request.user, uid))


@router.put("/bans/{uid}", response={200: BanOut, **CHANGE_ERRORS}, summary="Change a ban")
def update_ban(request: HttpRequest, uid: UUID, payload: BanFields) -> Any:
    ban = get_ban_for_user(request.user, uid)
    ban = actions.update_ban(actor=request.user, ban=ban, data=_data(payload), request=request)
    return _out(request, ban)


@router.post(
    "/bans/{uid}/shares",
    response={201: BanShareOut, **CREATE_ERRORS},
    summary="Share a ban (and its person if needed) with a partner node",
)
@idempotency.idempotent
def share_ban(request: HttpRequest, uid: UUID, payload: BanShareIn) -> Any:
    ban = get_ban_for_user(request.user, uid)
    result = actions.share_ban(
        actor=request.user, ban=ban, partner=payload.partner, request=request
    )
    return Status(201, {"partner": result.partner, "envelopes": result.envelopes})


@router.post(
    "/bans/{uid}/withdrawal",
    response={200: BanOut, **CHANGE_ERRORS},
    summary="Withdraw a ban (partners delete their copy)",
)
def withdraw_ban(request: HttpRequest, uid: UUID, payload: BanWithdrawIn) -> Any:
    ban = get_ban_for_user(request.user, uid)
    ban = actions.withdraw_ban(actor=request.user, ban=ban, reason=payload.reason, request=request)
    return _out(request, ban)

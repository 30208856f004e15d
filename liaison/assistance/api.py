"""Requests for assistance JSON API under /api/v1/requests: the same actions and scoped
queries as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field, StrictStr

from liaison.assistance import actions
from liaison.assistance.choices import RefusalCategory, RequestType, Step, Urgency
from liaison.assistance.models import AssistanceRequest
from liaison.assistance.queries import get_request_for_user, requests_visible_to
from liaison.assistance.sharing import MAX_PERSONS
from liaison.assistance.timing import timing
from liaison.attachments.api import add_attachment_routes
from liaison.core.api_errors import error_responses
from liaison.core.api_input import ApiInput, IsoDateTime
from liaison.core.field_rules import Line, Text
from liaison.exchange.protocol import NODE_ID
from liaison.policy import Action, HandlingCode, require

router = Router(tags=["requests"])
LIST_ERRORS = error_responses(401, 403)
CREATE_ERRORS = error_responses(400, 401, 403, 413)
RECORD_ERRORS = error_responses(400, 401, 403, 404)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 413)
NodeId = Annotated[StrictStr, Field(pattern=NODE_ID)]


class RequestIn(ApiInput):
    model_config = {"extra": "forbid"}

    recipient_node: NodeId
    request_type: RequestType
    subject: Line = Field(min_length=1, max_length=200)
    text: Text = Field(min_length=1, max_length=8000)
    urgency: Urgency
    agreed_due: IsoDateTime | None = None
    persons: list[UUID] = Field(default_factory=list, max_length=MAX_PERSONS)
    handling_code: HandlingCode = HandlingCode.H0


class StepIn(ApiInput):
    model_config = {"extra": "forbid"}

    step: Step
    note: Text = Field("", max_length=8000)
    persons: list[UUID] = Field(default_factory=list, max_length=MAX_PERSONS)
    refusal_category: RefusalCategory | None = Field(
        None, description="Required with the step refuse, and only with it."
    )


class TimelineEntry(Schema):
    at: str
    step: str
    note: str
    by: str


class RequestOut(Schema):
    uid: UUID
    owner_node: str
    recipient_node: str
    version: int
    handling_code: str
    tlp: str
    request_type: str
    subject: str
    text: str
    urgency: str
    agreed_due: datetime | None
    persons: list[str]
    requested_by_name: str
    status: str
    received_on: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    paused: bool
    overdue: bool
    escalated: bool
    time_taken_seconds: int | None
    reply_text: str
    reply_persons: list[str]
    refusal_category: RefusalCategory | None = Field(
        description="Why the recipient refused (its category), when it did; null otherwise, "
        "and for refusals recorded before categories existed."
    )
    timeline: list[TimelineEntry]


def request_out(record: AssistanceRequest) -> dict[str, Any]:
    fields = ["uid", "owner_node", "recipient_node", "version", "request_type", "subject"]
    fields += ["text", "urgency", "agreed_due", "persons", "requested_by_name", "status"]
    clock = timing(record, timezone.now())
    reply = record.reply_or_none()
    taken = clock.time_taken
    return {name: getattr(record, name) for name in fields} | {
        "handling_code": record.effective_handling_code,
        "tlp": record.tlp_label,
        "received_on": clock.received_on,
        "acknowledged_at": clock.acknowledged_at,
        "closed_at": clock.stopped_at,
        "due_at": clock.due_at,
        "paused": clock.paused,
        "overdue": clock.overdue,
        "escalated": clock.escalated,
        "time_taken_seconds": int(taken.total_seconds()) if taken is not None else None,
        "reply_text": reply.text if reply else "",
        "reply_persons": reply.persons if reply else [],
        "refusal_category": (reply.refusal_category or None) if reply else None,
        "timeline": sorted(
            [*record.history, *(reply.history if reply else [])], key=lambda e: e["at"]
        ),
    }


@router.get(
    "/requests",
    response={200: list[RequestOut], **LIST_ERRORS},
    summary="List requests for assistance (sent and received)",
)
def list_requests(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="request")
    return [request_out(r) for r in requests_visible_to(request.user)]


@router.post(
    "/requests",
    response={201: RequestOut, **CREATE_ERRORS},
    summary="Send a request for assistance to a partner service",
)
def create_request(request: HttpRequest, payload: RequestIn) -> Any:
    values = payload.model_dump()
    values["persons"] = [str(uid) for uid in payload.persons]
    data = actions.RequestData(**values)
    record = actions.send_request(actor=request.user, data=data, request=request)
    return Status(201, request_out(get_request_for_user(request.user, record.uid)))


@router.get(
    "/requests/{uid}",
    response={200: RequestOut, **RECORD_ERRORS},
    summary="Open a request for assistance",
)
def get_request(request: HttpRequest, uid: UUID) -> Any:
    return request_out(get_request_for_user(request.user, uid))


@router.post(
    "/requests/{uid}/steps",
    response={200: RequestOut, **CHANGE_ERRORS},
    summary="Take a step on a request: acknowledge, ask, answer, refuse, supply, withdraw",
)
def take_step(request: HttpRequest, uid: UUID, payload: StepIn) -> Any:
    record = get_request_for_user(request.user, uid)
    actions.take_step(
        actor=request.user,
        record=record,
        step=payload.step,
        note=payload.note,
        persons=[str(uid) for uid in payload.persons],
        refusal_category=payload.refusal_category or "",
        request=request,
    )
    return request_out(get_request_for_user(request.user, uid))


add_attachment_routes(router, "request", "requests")

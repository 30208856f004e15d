"""Joint cases JSON API under /api/v1/cases: the same actions and scoped queries as the
pages."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from liaison.cooperation import case_actions
from liaison.cooperation.choices import CaseStatus, LinkKind, TaskStatus
from liaison.cooperation.models import JointCase
from liaison.cooperation.queries import (
    case_view,
    cases_visible_to,
    get_case_for_user,
    get_group_for_user,
)
from liaison.core import idempotency
from liaison.core.api_errors import error_responses
from liaison.core.api_input import ApiInput, IsoDate
from liaison.core.field_rules import Line, Text
from liaison.exchange.protocol import NODE_ID
from liaison.policy import Action, HandlingCode, require

router = Router(tags=["cases"])
LIST_ERRORS = error_responses(401, 403)
CREATE_ERRORS = error_responses(400, 401, 403, 404, 413, *idempotency.ERRORS)
RECORD_ERRORS = error_responses(400, 401, 403, 404)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 413)


class CaseIn(ApiInput):
    model_config = {"extra": "forbid"}

    group: UUID
    title: Line = Field(min_length=1, max_length=200)
    summary: Text = Field(min_length=1, max_length=8000)
    handling_code: HandlingCode = HandlingCode.H0


class MoveIn(ApiInput):
    model_config = {"extra": "forbid"}

    status: CaseStatus


class LinkIn(ApiInput):
    model_config = {"extra": "forbid"}

    kind: LinkKind
    uid: UUID


class CommentIn(ApiInput):
    model_config = {"extra": "forbid"}

    text: Text = Field(min_length=1, max_length=4000)


class TaskIn(ApiInput):
    model_config = {"extra": "forbid"}

    title: Line = Field(min_length=1, max_length=200)
    assignee_node: str = Field(pattern=NODE_ID)
    assignee: Line = Field("", max_length=200)
    due_on: IsoDate | None = None


class ProgressIn(ApiInput):
    model_config = {"extra": "forbid"}

    status: TaskStatus


class CommentOut(Schema):
    at: str
    by: str
    node: str
    text: str


class TaskOut(Schema):
    uid: str
    title: str
    node: str
    assignee_node: str
    assignee: str
    due_on: date | None
    status: str
    meeting: UUID | None = None


class LinkOut(Schema):
    kind: str
    uid: UUID
    owner_node: str


class CaseOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    tlp: str
    group: UUID
    title: str
    summary: str
    status: str
    received_at: Any
    timeline: list[CommentOut]
    tasks: list[TaskOut]
    links: list[LinkOut]


def case_out(request: HttpRequest, case: JointCase) -> dict[str, Any]:
    view = case_view(request.user, case)
    fields = ["uid", "owner_node", "version", "title", "summary", "status", "received_at"]
    return {name: getattr(case, name) for name in fields} | {
        "handling_code": case.effective_handling_code,
        "tlp": case.tlp_label,
        "group": case.group.uid,
        "timeline": view.timeline,
        "tasks": view.tasks,
        "links": [
            {"kind": kind, "uid": row.uid, "owner_node": row.owner_node} for kind, row in view.links
        ],
    }


def _fresh(request: HttpRequest, case: JointCase) -> dict[str, Any]:
    return case_out(request, get_case_for_user(request.user, case.uid))


@router.get("/cases", response={200: list[CaseOut], **LIST_ERRORS}, summary="List joint cases")
def list_cases(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="case")
    rows = cases_visible_to(request.user).prefetch_related("parts")
    return [case_out(request, case) for case in rows]


@router.post("/cases", response={201: CaseOut, **CREATE_ERRORS}, summary="Open a joint case")
@idempotency.idempotent
def open_case(request: HttpRequest, payload: CaseIn) -> Any:
    group = get_group_for_user(request.user, payload.group)
    values = payload.model_dump(exclude={"group"})
    case = case_actions.open_case(actor=request.user, group=group, request=request, **values)
    return Status(201, _fresh(request, case))


@router.get("/cases/{uid}", response={200: CaseOut, **RECORD_ERRORS}, summary="Open a case")
def get_case(request: HttpRequest, uid: UUID) -> Any:
    return case_out(request, get_case_for_user(request.user, uid))


@router.put("/cases/{uid}/status", response={200: CaseOut, **CHANGE_ERRORS}, summary="Move a case")
def move_case(request: HttpRequest, uid: UUID, payload: MoveIn) -> Any:
    case = get_case_for_user(request.user, uid)
    case_actions.move_case(actor=request.user, case=case, status=payload.status, request=request)
    return _fresh(request, case)


@router.post(
    "/cases/{uid}/links", response={201: CaseOut, **CHANGE_ERRORS}, summary="Link a record"
)
def link_record(request: HttpRequest, uid: UUID, payload: LinkIn) -> Any:
    case = get_case_for_user(request.user, uid)
    case_actions.link_record(
        actor=request.user, case=case, kind=payload.kind, uid=str(payload.uid), request=request
    )
    return Status(201, _fresh(request, case))


@router.post("/cases/{uid}/comments", response={201: CaseOut, **CHANGE_ERRORS}, summary="Comment")
def comment(request: HttpRequest, uid: UUID, payload: CommentIn) -> Any:
    case = get_case_for_user(request.user, uid)
    case_actions.comment(actor=request.user, case=case, body=payload.text, request=request)
    return Status(201, _fresh(request, case))


@router.post("/cases/{uid}/tasks", response={201: CaseOut, **CHANGE_ERRORS}, summary="Add a task")
def add_task(request: HttpRequest, uid: UUID, payload: TaskIn) -> Any:
    case = get_case_for_user(request.user, uid)
    case_actions.add_task(actor=request.user, case=case, request=request, **payload.model_dump())
    return Status(201, _fresh(request, case))


@router.put(
    "/cases/{uid}/tasks/{task}/status",
    response={200: CaseOut, **CHANGE_ERRORS},
    summary="Report progress on a task assigned to this service",
)
def report_progress(request: HttpRequest, uid: UUID, task: UUID, payload: ProgressIn) -> Any:
    case = get_case_for_user(request.user, uid)
    case_actions.report_progress(
        actor=request.user, case=case, task=str(task), status=payload.status, request=request
    )
    return _fresh(request, case)

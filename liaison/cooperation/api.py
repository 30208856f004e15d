"""Working groups JSON API under /api/v1/groups: the same actions and scoped queries as
the pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictStr

from liaison.cooperation import actions
from liaison.cooperation.case_actions import TaskData
from liaison.cooperation.choices import GroupStatus, Theme
from liaison.cooperation.models import WorkingGroup
from liaison.cooperation.queries import get_group_for_user, groups_visible_to, with_members
from liaison.cooperation.sharing import MAX_MEMBERS, MAX_PARTICIPANTS, MAX_TASKS
from liaison.core import idempotency
from liaison.core.api_errors import error_responses
from liaison.core.api_input import ApiInput, IsoDate
from liaison.core.field_rules import Line, Text
from liaison.exchange.protocol import NODE_ID
from liaison.policy import Action, HandlingCode, require

router = Router(tags=["groups"])
LIST_ERRORS = error_responses(401, 403)
CREATE_ERRORS = error_responses(400, 401, 403, 413, *idempotency.ERRORS)
RECORD_ERRORS = error_responses(400, 401, 403, 404)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 413)
NodeId = Annotated[StrictStr, Field(pattern=NODE_ID)]


class GroupIn(ApiInput):
    model_config = {"extra": "forbid"}

    name: Line = Field(min_length=1, max_length=200)
    theme: Theme
    mandate: Text = Field(min_length=1, max_length=8000)
    participant_nodes: list[NodeId] = Field(min_length=1, max_length=MAX_PARTICIPANTS)
    status: GroupStatus = GroupStatus.ACTIVE
    handling_code: HandlingCode = HandlingCode.H0


class MemberIn(ApiInput):
    model_config = {"extra": "forbid"}

    name: Line = Field(min_length=1, max_length=200)
    function: Line = Field("", max_length=200)
    lead: bool = False


class MembersIn(ApiInput):
    model_config = {"extra": "forbid"}

    members: list[MemberIn] = Field(max_length=MAX_MEMBERS)


class FollowUpIn(ApiInput):
    """A follow-up action: a task in one of the group's joint cases."""

    model_config = {"extra": "forbid"}

    case: UUID
    title: Line = Field(min_length=1, max_length=200)
    assignee_node: NodeId
    assignee: Line = Field("", max_length=200)
    due_on: IsoDate | None = None

    def to_data(self) -> actions.FollowUpData:
        task = TaskData(self.title, self.assignee_node, self.assignee, self.due_on)
        return actions.FollowUpData(case=str(self.case), task=task)


class MeetingIn(ApiInput):
    model_config = {"extra": "forbid"}

    held_on: IsoDate
    participants: Text = Field(min_length=1, max_length=4000)
    decisions: Text = Field(min_length=1, max_length=8000)
    follow_ups: list[FollowUpIn] = Field([], max_length=MAX_TASKS)


class MemberOut(Schema):
    name: str
    function: str
    lead: bool


class NodeMembersOut(Schema):
    node: str
    version: int
    members: list[MemberOut]


class MeetingOut(Schema):
    uid: UUID
    held_on: date
    participants: str
    decisions: str


class GroupOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    tlp: str
    name: str
    theme: str
    mandate: str
    status: str
    participant_nodes: list[str]
    members: list[NodeMembersOut]
    meetings: list[MeetingOut]
    received_at: Any


def group_out(group: WorkingGroup) -> dict[str, Any]:
    fields = ["uid", "owner_node", "version", "name", "theme", "mandate", "status"]
    fields += ["participant_nodes", "received_at"]
    members = [
        {
            "node": part.owner_node,
            "version": part.version,
            "members": [
                {"name": m.name, "function": m.function, "lead": m.is_lead}
                for m in part.members.all()
            ],
        }
        for part in group.member_lists.all()
    ]
    meetings = [
        {
            "uid": m.uid,
            "held_on": m.held_on,
            "participants": m.participants,
            "decisions": m.decisions,
        }
        for m in group.meetings.all()
    ]
    code = {"handling_code": group.effective_handling_code, "tlp": group.tlp_label}
    return (
        {n: getattr(group, n) for n in fields} | code | {"members": members, "meetings": meetings}
    )


def _detailed(request: HttpRequest, group: WorkingGroup) -> dict[str, Any]:
    return group_out(get_group_for_user(request.user, group.uid, detailed=True))


@router.get("/groups", response={200: list[GroupOut], **LIST_ERRORS}, summary="List groups")
def list_groups(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="group")
    return [group_out(g) for g in with_members(groups_visible_to(request.user))]


@router.post("/groups", response={201: GroupOut, **CREATE_ERRORS}, summary="Set up a working group")
@idempotency.idempotent
def create_group(request: HttpRequest, payload: GroupIn) -> Any:
    data = actions.GroupData(**payload.model_dump())
    group = actions.create_group(actor=request.user, data=data, request=request)
    return Status(201, _detailed(request, group))


@router.get("/groups/{uid}", response={200: GroupOut, **RECORD_ERRORS}, summary="Open a group")
def get_group(request: HttpRequest, uid: UUID) -> Any:
    return group_out(get_group_for_user(request.user, uid, detailed=True))


@router.put("/groups/{uid}", response={200: GroupOut, **CHANGE_ERRORS}, summary="Change a group")
def update_group(request: HttpRequest, uid: UUID, payload: GroupIn) -> Any:
    group = get_group_for_user(request.user, uid)
    data = actions.GroupData(**payload.model_dump())
    actions.update_group(actor=request.user, group=group, data=data, request=request)
    return _detailed(request, group)


@router.put(
    "/groups/{uid}/members",
    response={200: GroupOut, **CHANGE_ERRORS},
    summary="Set this service's members of a group",
)
def set_members(request: HttpRequest, uid: UUID, payload: MembersIn) -> Any:
    group = get_group_for_user(request.user, uid)
    members = [actions.MemberData(**m.model_dump()) for m in payload.members]
    actions.set_members(actor=request.user, group=group, members=members, request=request)
    return _detailed(request, group)


@router.post(
    "/groups/{uid}/meetings",
    response={201: GroupOut, **CHANGE_ERRORS},
    summary="Record a meeting of a group",
)
def record_meeting(request: HttpRequest, uid: UUID, payload: MeetingIn) -> Any:
    group = get_group_for_user(request.user, uid)
    values = payload.model_dump(exclude={"follow_ups"})
    follow_ups = [f.to_data() for f in payload.follow_ups]
    actions.record_meeting(
        actor=request.user, group=group, follow_ups=follow_ups, request=request, **values
    )
    return Status(201, _detailed(request, group))


@router.post(
    "/groups/{uid}/meetings/{meeting}/follow-ups",
    response={201: GroupOut, **CHANGE_ERRORS},
    summary="Add a follow-up action to a meeting (a task of a joint case)",
)
def add_follow_up(request: HttpRequest, uid: UUID, meeting: UUID, payload: FollowUpIn) -> Any:
    group = get_group_for_user(request.user, uid)
    actions.add_follow_up(
        actor=request.user,
        group=group,
        meeting=str(meeting),
        follow_up=payload.to_data(),
        request=request,
    )
    return Status(201, _detailed(request, group))

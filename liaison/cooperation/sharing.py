"""Working groups in the sharing contract (liaison/exchange/sharing.py).

`group.upsert` carries the convener's group (theme, mandate, status, participating nodes,
meeting log) to each participating node; `group.members` carries one node's member list
for the group to every other participating node. Each node applies a group only from its
owner and only if it takes part, and a member list only from the node that owns it, for a
group it holds that the sender takes part in: no node can write another node's members.
`case.upsert` carries a joint case (owned by the node that opened it) and `case.part`
one node's part of it (its links, comments, tasks and progress) to every other
participating node, under the same rules: a part is applied only from its owner, for a
case held here whose group the sender takes part in.
Registered from CooperationConfig.ready().
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid5

from django.conf import settings
from pydantic import Field

from liaison.cooperation.choices import CaseStatus, GroupStatus, LinkKind, TaskStatus, Theme
from liaison.cooperation.models import (
    CasePart,
    JointCase,
    Meeting,
    Member,
    MemberList,
    WorkingGroup,
)
from liaison.cooperation.task_rows import index_tasks
from liaison.core.field_rules import Line, Text
from liaison.exchange.models import Share
from liaison.exchange.protocol import NODE_ID, ProtocolError, Reason
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import RecordType, owned_by_sender, register_record_type
from liaison.policy import Action, HandlingCode, decide
from liaison.records import (
    Body,
    Shared,
    existing_copy,
    received_fields,
    save_copy,
    shared_fields,
    superseded,
    withdraw_applier,
)

NodeId = Annotated[str, Field(pattern=NODE_ID)]
MAX_PARTICIPANTS = 20
MAX_MEETINGS = 200
MAX_MEMBERS = 100
GROUP_FIELDS = ["name", "theme", "mandate", "status", "participant_nodes"]
CASE_FIELDS = ["title", "summary", "status"]
PART_FIELDS = ["links", "comments", "tasks", "progress"]
MAX_LINKS = 100
MAX_COMMENTS = 300
MAX_TASKS = 100


class MeetingBody(Body):
    # Absent from a node that predates follow-up actions: see meeting_uid.
    uid: UUID | None = None
    held_on: date
    participants: Text = Field(max_length=4000)
    decisions: Text = Field(max_length=8000)


class GroupBody(Shared):
    name: Line = Field(min_length=1, max_length=200)
    theme: Theme
    mandate: Text = Field(min_length=1, max_length=8000)
    status: GroupStatus
    participant_nodes: list[NodeId] = Field(max_length=MAX_PARTICIPANTS)
    meetings: list[MeetingBody] = Field(max_length=MAX_MEETINGS)


class MemberBody(Body):
    name: Line = Field(min_length=1, max_length=200)
    function: Line = Field("", max_length=200)
    lead: bool = False


class MemberListBody(Shared):
    group: UUID
    members: list[MemberBody] = Field(max_length=MAX_MEMBERS)


class CaseBody(Shared):
    group: UUID
    title: Line = Field(min_length=1, max_length=200)
    summary: Text = Field(min_length=1, max_length=8000)
    status: CaseStatus


class LinkBody(Body):
    kind: LinkKind
    uid: UUID


class CommentBody(Body):
    at: datetime
    by: Line = Field(max_length=200)
    text: Text = Field(min_length=1, max_length=4000)


class TaskBody(Body):
    uid: UUID
    title: Line = Field(min_length=1, max_length=200)
    assignee_node: NodeId
    assignee: Line = Field("", max_length=200)
    due_on: date | None = None
    at: datetime
    by: Line = Field(max_length=200)
    # The convener's meeting whose follow-up action this task is (its part sets it).
    meeting: UUID | None = None


class ProgressBody(Body):
    task: UUID
    status: TaskStatus
    at: datetime
    by: Line = Field(max_length=200)


class CasePartBody(Shared):
    case: UUID
    links: list[LinkBody] = Field(max_length=MAX_LINKS)
    comments: list[CommentBody] = Field(max_length=MAX_COMMENTS)
    tasks: list[TaskBody] = Field(max_length=MAX_TASKS)
    progress: list[ProgressBody] = Field(max_length=MAX_TASKS * 10)


def group_object(group: WorkingGroup) -> dict[str, Any]:
    values = {name: getattr(group, name) for name in GROUP_FIELDS}
    meetings = [
        MeetingBody(
            uid=m.uid, held_on=m.held_on, participants=m.participants, decisions=m.decisions
        )
        for m in group.meetings.order_by("held_on", "id")
    ]
    return GroupBody(**shared_fields(group), **values, meetings=meetings).model_dump(mode="json")


def meeting_uid(group: UUID, place: int, meeting: MeetingBody) -> UUID:
    """The meeting's uid, or for a meeting sent without one the uid every node gives it
    (from the group and its place in the log; migration 0003 named older meetings so)."""
    return meeting.uid or uuid5(group, f"meeting {place}")


def member_list_object(member_list: MemberList) -> dict[str, Any]:
    members = [
        MemberBody(name=m.name, function=m.function, lead=m.is_lead)
        for m in member_list.members.order_by("id")
    ]
    body = MemberListBody(
        **shared_fields(member_list), group=member_list.group.uid, members=members
    )
    return body.model_dump(mode="json")


def apply_group(sender: str, body: GroupBody) -> Applied:
    """The convener's group, here only if this node takes part in it."""
    owned_by_sender(sender, body.owner)
    if settings.NODE_ID not in body.participant_nodes:
        raise ProtocolError(
            Reason.WRONG_RECIPIENT, f"{settings.NODE_ID} is not in group {body.uid}"
        )
    group = existing_copy(WorkingGroup, sender, body.uid)
    if superseded(group, body):
        return Applied("unchanged", "group", str(body.uid), body.version)
    values = received_fields(sender, body) | {name: getattr(body, name) for name in GROUP_FIELDS}
    effect = "created" if group is None else "updated"
    group = save_copy(WorkingGroup, group, body.uid, values)
    group.meetings.all().delete()
    Meeting.objects.bulk_create(
        Meeting(group=group, **m.model_dump() | {"uid": meeting_uid(body.uid, n, m)})
        for n, m in enumerate(body.meetings, start=1)
    )
    return Applied(effect, "group", str(body.uid), body.version)


def apply_member_list(sender: str, body: MemberListBody) -> Applied:
    """A participating node's own members of a group held here."""
    owned_by_sender(sender, body.owner)
    group = WorkingGroup.objects.filter(uid=body.group).first()
    if group is None:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"group {body.group} is not held here")
    if sender not in group.nodes:
        raise ProtocolError(Reason.NOT_OWNER, f"{sender} does not take part in {body.group}")
    member_list = existing_copy(MemberList, sender, body.uid)
    other = MemberList.objects.filter(group=group, owner_node=sender).exclude(uid=body.uid)
    if other.exists():
        raise ProtocolError(Reason.NOT_OWNER, f"{sender} has another member list for the group")
    if superseded(member_list, body):
        return Applied("unchanged", "group_members", str(body.uid), body.version)
    effect = "created" if member_list is None else "updated"
    values = received_fields(sender, body) | {"group": group}
    member_list = save_copy(MemberList, member_list, body.uid, values)
    replace_members(member_list, [m.model_dump() for m in body.members])
    return Applied(effect, "group_members", str(body.uid), body.version)


def case_object(case: JointCase) -> dict[str, Any]:
    values = {name: getattr(case, name) for name in CASE_FIELDS}
    return CaseBody(**shared_fields(case), group=case.group.uid, **values).model_dump(mode="json")


def case_part_object(part: CasePart) -> dict[str, Any]:
    values = {name: getattr(part, name) for name in PART_FIELDS}
    return CasePartBody(**shared_fields(part), case=part.case.uid, **values).model_dump(mode="json")


def apply_case(sender: str, body: CaseBody) -> Applied:
    """A joint case opened by a participant of a group held here."""
    owned_by_sender(sender, body.owner)
    group = _group_of(sender, WorkingGroup.objects.filter(uid=body.group).first(), body.group)
    case = existing_copy(JointCase, sender, body.uid)
    if case is not None and case.group_id != group.pk:
        raise ProtocolError(Reason.NOT_OWNER, f"case {body.uid} belongs to another group")
    if superseded(case, body):
        return Applied("unchanged", "case", str(body.uid), body.version)
    values = received_fields(sender, body) | {name: getattr(body, name) for name in CASE_FIELDS}
    effect = "created" if case is None else "updated"
    save_copy(JointCase, case, body.uid, values | {"group": group})
    return Applied(effect, "case", str(body.uid), body.version)


def _group_of(sender: str, group: WorkingGroup | None, uid: UUID) -> WorkingGroup:
    if group is None:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"group {uid} is not held here")
    if sender not in group.nodes:
        raise ProtocolError(Reason.NOT_OWNER, f"{sender} does not take part in {uid}")
    return group


def apply_case_part(sender: str, body: CasePartBody) -> Applied:
    """A participating node's own part of a case held here."""
    owned_by_sender(sender, body.owner)
    case = JointCase.objects.select_related("group").filter(uid=body.case).first()
    if case is None:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"case {body.case} is not held here")
    _group_of(sender, case.group, case.group.uid)
    part = existing_copy(CasePart, sender, body.uid)
    if CasePart.objects.filter(case=case, owner_node=sender).exclude(uid=body.uid).exists():
        raise ProtocolError(Reason.NOT_OWNER, f"{sender} has another part of the case")
    if superseded(part, body):
        return Applied("unchanged", "case_part", str(body.uid), body.version)
    values = received_fields(sender, body) | {"case": case}
    values |= {
        name: [i.model_dump(mode="json") for i in getattr(body, name)] for name in PART_FIELDS
    }
    effect = "created" if part is None else "updated"
    save_copy(CasePart, part, body.uid, values)
    index_tasks(case)
    return Applied(effect, "case_part", str(body.uid), body.version)


def replace_members(member_list: MemberList, members: list[dict[str, Any]]) -> None:
    """The one writer of a member list's members (actions and the applier call it)."""
    member_list.members.all().delete()
    Member.objects.bulk_create(
        Member(
            member_list=member_list,
            name=m["name"],
            function=m.get("function", ""),
            is_lead=bool(m.get("lead")),
        )
        for m in members
    )


def refusal(share: Share, record: WorkingGroup | MemberList | JointCase | CasePart) -> str:
    """Why the record may no longer go to the partner (as its sharer); empty if it may."""
    if record.effective_handling_code == HandlingCode.H3:
        return "H3"
    decision = decide(share.shared_by, Action.DISCLOSE, record)
    return "" if decision else str(decision.reason)


def register() -> None:
    register_record_type(
        RecordType(
            name="group",
            body=GroupBody,
            serialise=group_object,
            apply=apply_group,
            find=lambda uid: WorkingGroup.objects.filter(uid=uid).first(),
            refusal=refusal,
            withdraw=withdraw_applier(WorkingGroup, "group"),
            resync_order=20,
        )
    )
    register_record_type(
        RecordType(
            name="group_members",
            body=MemberListBody,
            serialise=member_list_object,
            apply=apply_member_list,
            find=lambda uid: MemberList.objects.filter(uid=uid).first(),
            refusal=refusal,
            withdraw=withdraw_applier(MemberList, "group_members"),
            message="group.members",
            resync_order=21,
        )
    )
    register_record_type(
        RecordType(
            name="case",
            body=CaseBody,
            serialise=case_object,
            apply=apply_case,
            find=lambda uid: JointCase.objects.filter(uid=uid).first(),
            refusal=refusal,
            withdraw=withdraw_applier(JointCase, "case"),
            resync_order=22,
        )
    )
    register_record_type(
        RecordType(
            name="case_part",
            body=CasePartBody,
            serialise=case_part_object,
            apply=apply_case_part,
            find=lambda uid: CasePart.objects.filter(uid=uid).first(),
            refusal=refusal,
            withdraw=withdraw_applier(CasePart, "case_part"),
            message="case.part",
            resync_order=23,
        )
    )

"""Every change to working groups: atomic, permission-checked, versioned, audited, and sent
to the participating nodes through the sharing contract in the same transaction.

The convener (the group's owner node) sets up and changes the group and keeps its meeting
log; every participating node sets its own members and lead. Each goes to the partners as
the liaison officer's work (`disclose`): a group exists to be shared.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor, User
from liaison.audit.actions import log_event
from liaison.cooperation.case_actions import TaskData, our_part, set_tasks
from liaison.cooperation.errors import GroupError
from liaison.cooperation.models import JointCase, Meeting, Member, MemberList, WorkingGroup
from liaison.cooperation.sharing import (
    GROUP_FIELDS,
    MAX_MEMBERS,
    MAX_PARTICIPANTS,
    replace_members,
)
from liaison.exchange import sharing
from liaison.exchange.models import Peer
from liaison.policy import Action, HandlingCode, atomic_action, authorise
from liaison.records import clean_or_refuse


@dataclass
class GroupData:
    name: str
    theme: str
    mandate: str
    participant_nodes: list[str] = field(default_factory=list)
    status: str = "active"
    handling_code: str = HandlingCode.H0


@dataclass
class MemberData:
    name: str
    function: str = ""
    lead: bool = False


def _participants(data: GroupData) -> list[str]:
    """The partners named, each a pinned partner node, without this node."""
    named = sorted({n.strip() for n in data.participant_nodes if n.strip()} - {settings.NODE_ID})
    if not named:
        raise GroupError(_("Name at least one partner service."), field="participant_nodes")
    if len(named) > MAX_PARTICIPANTS:
        message = _("At most %(n)d partner services.") % {"n": MAX_PARTICIPANTS}
        raise GroupError(message, field="participant_nodes")
    for node in named:
        try:
            sharing.peer_for(node)
        except sharing.ExchangeError as error:
            raise GroupError(str(error), field="participant_nodes") from None
    return named


def _not_h3(code: str) -> None:
    if code == HandlingCode.H3:
        raise GroupError(
            _(
                "A working group is shared with its partners: H3 records stay here. "
                "Choose H0 to H2."
            ),
            field="handling_code",
        )


def _values(data: GroupData) -> dict[str, Any]:
    _not_h3(data.handling_code)
    values = {name: getattr(data, name) for name in GROUP_FIELDS}
    return values | {
        "name": data.name.strip(),
        "mandate": data.mandate.strip(),
        "participant_nodes": _participants(data),
        "handling_code": data.handling_code,
    }


def _log(request: HttpRequest | None, actor: Actor, action: str, record: Any, **extra: Any) -> None:
    object_type = "group" if isinstance(record, WorkingGroup) else "group_members"
    log_event(
        action=action,
        request=request,
        actor=actor,
        object_type=object_type,
        object_id=str(record.uid),
        **extra,
    )


@atomic_action
def create_group(
    *, actor: Actor, data: GroupData, request: HttpRequest | None = None
) -> WorkingGroup:
    """Set up a working group convened by this node; each participant gets it."""
    user = authorise(
        actor,
        Action.DISCLOSE,
        handling_code=data.handling_code,
        request=request,
        object_type="group",
    )
    group = WorkingGroup(owner_node=settings.NODE_ID, created_by=user, **_values(data))
    clean_or_refuse(group, GroupError)
    group.save()
    _log(request, user, "collect", group, detail={"participants": group.participant_nodes})
    for node in group.participant_nodes:
        sharing.send(sharing.peer_for(node), "group", group, actor=user, request=request)
    return group


def _convener(
    actor: Actor, group: WorkingGroup, request: HttpRequest | None, code: str | None = None
) -> tuple[User, WorkingGroup]:
    """The group locked, if `actor` may change it and send it (this node's own only)."""
    locked = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    authorise(
        actor, Action.CHANGE, locked, handling_code=code, request=request, object_type="group"
    )
    user = authorise(actor, Action.DISCLOSE, locked, request=request, object_type="group")
    return user, locked


@atomic_action
def update_group(
    *,
    actor: Actor,
    group: WorkingGroup,
    data: GroupData,
    request: HttpRequest | None = None,
) -> WorkingGroup:
    """Change the group; every participant gets the new version, new participants too."""
    user, group = _convener(actor, group, request, data.handling_code)
    values = _values(data)
    dropped = sorted(set(group.participant_nodes) - set(values["participant_nodes"]))
    if dropped:
        message = _("A partner service cannot leave the group (%(nodes)s); close it instead.")
        raise GroupError(message % {"nodes": ", ".join(dropped)}, field="participant_nodes")
    before = {name: getattr(group, name) for name in values}
    for name, value in values.items():
        setattr(group, name, value)
    clean_or_refuse(group, GroupError)
    changes = {k: [v, getattr(group, k)] for k, v in before.items() if v != getattr(group, k)}
    if not changes:
        return group
    added = sorted(set(group.participant_nodes) - set(before["participant_nodes"]))
    _send_new_version(user, group, request, added=added)
    _log(request, user, "alter", group, changes=changes, detail={"version": group.version})
    return group


def _send_new_version(
    user: User, group: WorkingGroup, request: HttpRequest | None, *, added: list[str] | None = None
) -> None:
    """Save the next version; partners holding the group get it, new participants get it
    with this node's members."""
    group.version += 1
    group.save()
    sharing.push_update("group", group)
    ours = MemberList.objects.filter(group=group, owner_node=settings.NODE_ID).first()
    for peer in Peer.objects.filter(node_id__in=added or []):
        sharing.send(peer, "group", group, actor=user, request=request)
        if ours is not None:
            sharing.send(peer, "group_members", ours, actor=user, request=request)


@dataclass
class FollowUpData:
    """A follow-up action decided at a meeting: a task of one of the group's joint cases."""

    case: str  # the case's uid
    task: TaskData


@atomic_action
def record_meeting(
    *,
    actor: Actor,
    group: WorkingGroup,
    held_on: date,
    participants: str,
    decisions: str,
    follow_ups: Sequence[FollowUpData] = (),
    request: HttpRequest | None = None,
) -> Meeting:
    """Add a meeting to the group's log (the convener's); participants get the new version.
    Its follow-up actions become tasks in this node's part of the cases named, in the same
    transaction: one refused, nothing is recorded."""
    user, group = _convener(actor, group, request)
    meeting = Meeting(
        group=group,
        held_on=held_on,
        participants=participants.strip(),
        decisions=decisions.strip(),
    )
    clean_or_refuse(meeting, GroupError)
    meeting.save()
    _send_new_version(user, group, request)
    detail = {"version": group.version, "meeting": held_on.isoformat()}
    _log(request, user, "alter", group, detail=detail)
    _follow_up(user, meeting, follow_ups, request)
    return meeting


@atomic_action
def add_follow_up(
    *,
    actor: Actor,
    group: WorkingGroup,
    meeting: str,
    follow_up: FollowUpData,
    request: HttpRequest | None = None,
) -> Meeting:
    """Add a follow-up action to a meeting already in the log (the convener's)."""
    user, group = _convener(actor, group, request)
    found = group.meetings.filter(uid=_uuid(meeting, "meeting")).first()
    if found is None:
        raise GroupError(_("No such meeting in the group's log."), field="meeting")
    _follow_up(user, found, [follow_up], request)
    return found


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise GroupError(_("Give the identifier (a UUID)."), field=field) from None


def _follow_up(
    user: User, meeting: Meeting, follow_ups: Sequence[FollowUpData], request: HttpRequest | None
) -> None:
    """Each case named gets its follow-up tasks in this node's part, once (one new
    version of the part per case)."""
    per_case: dict[uuid.UUID, list[TaskData]] = {}
    for item in follow_ups:
        per_case.setdefault(_uuid(item.case, "case"), []).append(item.task)
    for case_uid, tasks in per_case.items():
        case = JointCase.objects.select_related("group").filter(group=meeting.group, uid=case_uid)
        if not case:
            raise GroupError(_("Choose a joint case of this group."), field="case")
        _user, part = our_part(user, case[0], request)
        set_tasks(user, part, tasks, request, meeting=str(meeting.uid))


@atomic_action
def set_members(
    *,
    actor: Actor,
    group: WorkingGroup,
    members: list[MemberData],
    request: HttpRequest | None = None,
) -> MemberList:
    """Set this node's members of the group and its lead; every other participating node
    gets the list. Only this node's list: another node's is never written here."""
    authorise(actor, Action.VIEW, group, request=request, object_type="group")
    if settings.NODE_ID not in group.nodes:
        raise GroupError(_("This service does not take part in the group."))
    rows = _checked_members(members)
    member_list, created = MemberList.objects.select_for_update().get_or_create(
        group=group,
        owner_node=settings.NODE_ID,
        defaults={"handling_code": group.handling_code, "created_by": _user(actor)},
    )
    user = authorise(
        actor, Action.DISCLOSE, member_list, request=request, object_type="group_members"
    )
    before = [(m.name, m.function, m.is_lead) for m in member_list.members.all()]
    if not created and before == [(m["name"], m["function"], m["lead"]) for m in rows]:
        return member_list
    if not created:
        member_list.version += 1
        member_list.save(update_fields=["version", "updated_at"])
    replace_members(member_list, rows)
    detail = {"version": member_list.version, "members": len(rows)}
    _log(request, user, "collect" if created else "alter", member_list, detail=detail)
    # Every other participant this node is partnered with (a third service it does not
    # know gets the list from no one: N-party groups need each pair partnered).
    for peer in Peer.objects.filter(node_id__in=group.nodes).exclude(node_id=settings.NODE_ID):
        sharing.send(peer, "group_members", member_list, actor=user, request=request)
    return member_list


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _checked_members(members: list[MemberData]) -> list[dict[str, Any]]:
    if len(members) > MAX_MEMBERS:
        raise GroupError(_("At most %(n)d members.") % {"n": MAX_MEMBERS}, field="members")
    if sum(1 for m in members if m.lead) > 1:
        raise GroupError(_("Name one lead for this service, not several."), field="lead")
    rows = []
    for data in members:
        member = Member(name=data.name.strip(), function=data.function.strip(), is_lead=data.lead)
        clean_or_refuse(member, GroupError, exclude=("member_list",))
        rows.append({"name": member.name, "function": member.function, "lead": member.is_lead})
    return rows

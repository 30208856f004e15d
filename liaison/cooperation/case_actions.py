"""Every change to joint cases: atomic, permission-checked, versioned, audited, and sent to
the group's other participating nodes in the same transaction.

The node that opens a case owns it (title, summary, status on the board); every
participating node owns its part of the case: the records it links, its comments, the
tasks it sets, and its progress on the tasks assigned to it. A link carries a record's uid
only: each node shows the linked records it holds that the user may see, so a link never
discloses a record (an H3 one stays with its named recipients; it is never shared).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor, User
from liaison.audit.actions import log_event
from liaison.cooperation.choices import CaseStatus, GroupStatus, TaskStatus
from liaison.cooperation.errors import GroupError
from liaison.cooperation.models import CasePart, JointCase, WorkingGroup
from liaison.cooperation.queries import LINKABLE
from liaison.cooperation.sharing import MAX_COMMENTS, MAX_LINKS, MAX_TASKS
from liaison.cooperation.task_rows import index_tasks
from liaison.core.field_rules import FieldRuleError, line, text
from liaison.exchange import sharing
from liaison.exchange.models import Peer
from liaison.policy import Action, HandlingCode, atomic_action, authorise, restrict
from liaison.records import clean_or_refuse


def _checked(rule: Any, value: str, field: str) -> str:
    try:
        return str(rule(value.strip()))
    except FieldRuleError as error:
        raise GroupError(str(error), field=field) from None


def _send(user: User, record: JointCase | CasePart, group: WorkingGroup, name: str) -> None:
    """To every other participating node this node is partnered with."""
    for peer in Peer.objects.filter(node_id__in=group.nodes).exclude(node_id=settings.NODE_ID):
        sharing.send(peer, name, record, actor=user)


def _log(request: HttpRequest | None, user: User, action: str, record: Any, **detail: Any) -> None:
    object_type = "case" if isinstance(record, JointCase) else "case_part"
    log_event(
        action=action,
        request=request,
        actor=user,
        object_type=object_type,
        object_id=str(record.uid),
        detail=detail,
    )


@atomic_action
def open_case(
    *,
    actor: Actor,
    group: WorkingGroup,
    title: str,
    summary: str,
    handling_code: str = HandlingCode.H0,
    request: HttpRequest | None = None,
) -> JointCase:
    """Open a joint case in a group this node takes part in; every participant gets it."""
    authorise(actor, Action.VIEW, group, request=request, object_type="group")
    user = authorise(
        actor, Action.DISCLOSE, handling_code=handling_code, request=request, object_type="case"
    )
    if settings.NODE_ID not in group.nodes:
        raise GroupError(_("This service does not take part in the group."))
    if group.status == GroupStatus.CLOSED:
        raise GroupError(_("The group is closed: no new case."))
    if handling_code == HandlingCode.H3:
        raise GroupError(
            _("A joint case is shared with the group: H3 records stay here. Choose H0 to H2."),
            field="handling_code",
        )
    case = JointCase(
        owner_node=settings.NODE_ID,
        created_by=user,
        group=group,
        title=title.strip(),
        summary=summary.strip(),
        handling_code=handling_code,
    )
    clean_or_refuse(case, GroupError)
    case.save()
    _log(request, user, "collect", case, group=str(group.uid))
    _send(user, case, group, "case")
    return case


@atomic_action
def move_case(
    *, actor: Actor, case: JointCase, status: str, request: HttpRequest | None = None
) -> JointCase:
    """Move the case on the board (the opening node's own cases only)."""
    # Only the case's row (its group's is not changed: locking it too invites deadlocks).
    case = JointCase.objects.select_for_update(of=("self",)).select_related("group").get(pk=case.pk)
    authorise(actor, Action.CHANGE, case, request=request, object_type="case")
    user = authorise(actor, Action.DISCLOSE, case, request=request, object_type="case")
    if status not in CaseStatus.values:
        raise GroupError(_("Choose a status of the board."), field="status")
    if status == case.status:
        return case
    before, case.status = case.status, status
    case.version += 1
    case.save(update_fields=["status", "version", "updated_at"])
    sharing.push_update("case", case)
    _log(request, user, "alter", case, version=case.version, status=[before, status])
    return case


def our_part(actor: Actor, case: JointCase, request: HttpRequest | None) -> tuple[User, CasePart]:
    """This node's part of the case, locked (made on first use), if `actor` may write it."""
    authorise(actor, Action.VIEW, case, request=request, object_type="case")
    if settings.NODE_ID not in case.group.nodes:
        raise GroupError(_("This service does not take part in the group."))
    part, _created = CasePart.objects.select_for_update().get_or_create(
        case=case,
        owner_node=settings.NODE_ID,
        defaults={"handling_code": HandlingCode.H0, "version": 0},
    )
    user = authorise(actor, Action.DISCLOSE, part, request=request, object_type="case_part")
    return user, part


def _save_part(user: User, part: CasePart, request: HttpRequest | None, **detail: Any) -> CasePart:
    part.version += 1
    part.save()
    _log(request, user, "collect" if part.version == 1 else "alter", part, **detail)
    index_tasks(part.case)
    _send(user, part, part.case.group, "case_part")
    return part


def _case(case: JointCase) -> JointCase:
    return JointCase.objects.select_related("group").get(pk=case.pk)


@atomic_action
def link_record(
    *, actor: Actor, case: JointCase, kind: str, uid: str, request: HttpRequest | None = None
) -> CasePart:
    """Link a person, warrant, alert or intelligence report this user may see to the case
    (its uid only)."""
    case = _case(case)
    user, part = our_part(actor, case, request)
    model = LINKABLE.get(kind)
    if model is None:
        raise GroupError(
            _("Link a person, a warrant, an alert or an intelligence report."), field="kind"
        )
    try:
        wanted = str(uuid.UUID(str(uid).strip()))
    except ValueError:
        raise GroupError(_("Give the record's identifier (a UUID)."), field="uid") from None
    if not restrict(model._default_manager.filter(uid=wanted), user, Action.VIEW).exists():
        raise GroupError(_("No such record that you may see."), field="uid")
    if any(link["uid"] == wanted for link in part.links):
        return part
    if len(part.links) >= MAX_LINKS:
        raise GroupError(_("At most %(n)d links.") % {"n": MAX_LINKS}, field="uid")
    part.links = [*part.links, {"kind": kind, "uid": wanted}]
    return _save_part(user, part, request, link=f"{kind} {wanted}")


@atomic_action
def comment(
    *, actor: Actor, case: JointCase, body: str, request: HttpRequest | None = None
) -> CasePart:
    """Add a comment to the case's timeline."""
    case = _case(case)
    user, part = our_part(actor, case, request)
    said = _checked(text, body, "text")
    if not said:
        raise GroupError(_("Write the comment."), field="text")
    if len(said) > 4000 or len(part.comments) >= MAX_COMMENTS:
        raise GroupError(_("The comment is too long, or the case has too many."), field="text")
    entry = {"at": timezone.now().isoformat(), "by": user.get_username(), "text": said}
    part.comments = [*part.comments, entry]
    return _save_part(user, part, request, comments=len(part.comments))


@dataclass
class TaskData:
    title: str
    assignee_node: str
    assignee: str = ""
    due_on: date | None = None


@atomic_action
def add_task(
    *,
    actor: Actor,
    case: JointCase,
    title: str,
    assignee_node: str,
    assignee: str = "",
    due_on: date | None = None,
    request: HttpRequest | None = None,
) -> CasePart:
    """Set a task for a service of the group (this one or a partner's), with a due date."""
    case = _case(case)
    user, part = our_part(actor, case, request)
    return set_tasks(user, part, [TaskData(title, assignee_node, assignee, due_on)], request)


def set_tasks(
    user: User,
    part: CasePart,
    tasks: list[TaskData],
    request: HttpRequest | None,
    *,
    meeting: str | None = None,
) -> CasePart:
    """Add tasks to this node's part (locked by `our_part`), as one new version; `meeting`
    names the meeting whose follow-up actions they are. Call inside an action."""
    if len(part.tasks) + len(tasks) > MAX_TASKS:
        raise GroupError(_("At most %(n)d tasks.") % {"n": MAX_TASKS}, field="title")
    added = [
        _task(user, part.case, data) | ({"meeting": meeting} if meeting else {}) for data in tasks
    ]
    part.tasks = [*part.tasks, *added]
    detail: dict[str, Any] = {"task": ", ".join(t["uid"] for t in added)}
    return _save_part(user, part, request, **detail | ({"meeting": meeting} if meeting else {}))


def _task(user: User, case: JointCase, data: TaskData) -> dict[str, Any]:
    if data.assignee_node not in case.group.nodes:
        raise GroupError(_("Assign the task to a service of the group."), field="assignee_node")
    named = _checked(line, data.title, "title")
    if not named or len(named) > 200:
        raise GroupError(_("Give the task a title (at most 200 characters)."), field="title")
    return {
        "uid": str(uuid.uuid4()),
        "title": named,
        "assignee_node": data.assignee_node,
        "assignee": _checked(line, data.assignee, "assignee")[:200],
        "due_on": data.due_on.isoformat() if data.due_on else None,
        "at": timezone.now().isoformat(),
        "by": user.get_username(),
    }


@atomic_action
def report_progress(
    *,
    actor: Actor,
    case: JointCase,
    task: str,
    status: str,
    request: HttpRequest | None = None,
) -> CasePart:
    """The assignee's service moves a task assigned to it (to do, in progress, done...)."""
    case = _case(case)
    user, part = our_part(actor, case, request)
    found = next((t for p in case.parts.all() for t in p.tasks if t["uid"] == str(task)), None)
    if found is None:
        raise GroupError(_("No such task in this case."), field="task")
    if found["assignee_node"] != settings.NODE_ID:
        raise GroupError(_("Only the service the task is assigned to reports its progress."))
    if status not in TaskStatus.values:
        raise GroupError(_("Choose a status of the task."), field="status")
    if len(part.progress) >= MAX_TASKS * 10:
        raise GroupError(_("At most %(n)d tasks.") % {"n": MAX_TASKS}, field="status")
    entry = {"task": found["uid"], "status": status, "at": timezone.now().isoformat()}
    part.progress = [*part.progress, entry | {"by": user.get_username()}]
    return _save_part(user, part, request, task=found["uid"], status=status)

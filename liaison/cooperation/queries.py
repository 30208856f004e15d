"""Permission-scoped reads of working groups. Views and the API never fetch by primary key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404

from liaison.accounts.models import Actor
from liaison.cooperation.choices import LinkKind, TaskStatus
from liaison.cooperation.models import JointCase, Meeting, Member, MemberList, Task, WorkingGroup
from liaison.intel.models import Report
from liaison.intel.queries import reports_naming
from liaison.intel.recipients import CASES, GROUPS, Audience, register_audience
from liaison.policy import Action, restrict
from liaison.registry.models import Alert, Person, Warrant

# What a case may link: a record of this node or one a partner shared with it.
LINKABLE: dict[str, type[Model]] = {
    LinkKind.PERSON: Person,
    LinkKind.WARRANT: Warrant,
    LinkKind.ALERT: Alert,
    LinkKind.REPORT: Report,
}
# What each shows of itself (its name): read with it, not once per link.
NAMES: dict[str, list[str]] = {
    LinkKind.PERSON: ["names"],
    LinkKind.WARRANT: [],
    LinkKind.ALERT: ["person__names"],
    LinkKind.REPORT: [],
}


def groups_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[WorkingGroup]:
    return restrict(WorkingGroup.objects.all(), user, action)


def with_members(rows: QuerySet[WorkingGroup]) -> QuerySet[WorkingGroup]:
    """The groups with every node's members and the meeting log (three more queries)."""
    lists = MemberList.objects.order_by("owner_node").prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("-is_lead", "id"))
    )
    return rows.prefetch_related(Prefetch("member_lists", queryset=lists), "meetings")


def get_group_for_user(user: Actor, uid: Any, *, detailed: bool = False) -> WorkingGroup:
    """The group if `user` may see it; 404 otherwise (never reveal that it exists)."""
    rows = groups_visible_to(user, Action.VIEW)
    try:
        return (with_members(rows) if detailed else rows).get(uid=uid)
    except (WorkingGroup.DoesNotExist, ValueError):
        raise Http404 from None


# Joint cases


def cases_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[JointCase]:
    return restrict(JointCase.objects.select_related("group"), user, action)


def get_case_for_user(user: Actor, uid: Any) -> JointCase:
    """The case if `user` may see it (and its group); 404 otherwise."""
    rows = cases_visible_to(user, Action.VIEW).prefetch_related("parts")
    try:
        return rows.get(uid=uid)
    except (JointCase.DoesNotExist, ValueError):
        raise Http404 from None


@dataclass(frozen=True)
class CaseView:
    """What the case page and the API show, read from every node's part."""

    timeline: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    links: list[tuple[str, Any]]


def case_view(user: Actor, case: JointCase) -> CaseView:
    """Comments and tasks of every node's part; each task's status as its assignee's node
    reports it; only the linked records this node holds and `user` may see."""
    parts = list(case.parts.all())
    timeline = sorted(
        ({**c, "node": p.owner_node} for p in parts for c in p.comments), key=lambda c: c["at"]
    )
    progress = {p.owner_node: {e["task"]: e["status"] for e in p.progress} for p in parts}
    tasks = []
    for part in parts:
        for task in part.tasks:
            status = progress.get(task["assignee_node"], {}).get(task["uid"], TaskStatus.TODO)
            label = str(TaskStatus(status).label)
            tasks.append({**task, "node": part.owner_node, "status": status, "status_label": label})
    return CaseView(timeline, tasks, _links(user, [link for p in parts for link in p.links]))


def _links(user: Actor, links: list[dict[str, str]]) -> list[tuple[str, Any]]:
    shown: list[tuple[str, Any]] = []
    for kind, model in LINKABLE.items():
        uids = [link["uid"] for link in links if link["kind"] == kind]
        if uids:
            rows = restrict(model._default_manager.filter(uid__in=uids), user, Action.VIEW)
            rows = rows.prefetch_related(*NAMES[kind]).order_by("id")
            shown += [(str(kind), row) for row in rows]
    return shown


def meetings_with_follow_ups(user: Actor, group: WorkingGroup) -> list[tuple[Meeting, list[Task]]]:
    """The group's meeting log (prefetched), each meeting with its follow-up tasks in the
    cases `user` may see, as this node reads their status (one query)."""
    cases = cases_visible_to(user, Action.VIEW).filter(group=group).values("pk")
    rows = Task.objects.filter(case__in=cases, meeting__isnull=False).select_related("case")
    per_meeting: dict[Any, list[Task]] = {}
    for task in rows.order_by("due_on", "id"):
        per_meeting.setdefault(task.meeting, []).append(task)
    return [(m, per_meeting.get(m.uid, [])) for m in group.meetings.all()]


# Groups and cases as a report's recipients (liaison/intel/recipients.py)


def _groups_held(user: Actor | None) -> QuerySet[WorkingGroup]:
    return WorkingGroup.objects.all() if user is None else groups_visible_to(user, Action.VIEW)


def _cases_held(user: Actor | None) -> QuerySet[JointCase]:
    rows = JointCase.objects.select_related("group")
    return rows if user is None else cases_visible_to(user, Action.VIEW)


def _group_nodes(group: WorkingGroup) -> list[str]:
    """A group's nodes, if this node takes part in it (a partner's group is held here only
    while it does: withdrawn, its copy is deleted)."""
    return group.nodes if settings.NODE_ID in group.nodes else []


def _case_label(case: JointCase) -> str:
    return f"{case.title} ({case.group.name})"


def register_report_recipients() -> None:
    register_audience(
        Audience(
            field=GROUPS,
            held=_groups_held,
            nodes=_group_nodes,
            label=str,
            url_name="cooperation:detail",
        )
    )
    register_audience(
        Audience(
            field=CASES,
            held=_cases_held,
            nodes=lambda case: _group_nodes(case.group),
            label=_case_label,
            url_name="cooperation:case",
        )
    )


def reports_for(user: Actor, record: WorkingGroup | JointCase) -> QuerySet[Report]:
    """The reports naming the group (case) as a recipient that `user` may read: the intel
    scoping, never a report the user could not open (one query)."""
    return reports_naming(user, GROUPS if isinstance(record, WorkingGroup) else CASES, record.uid)

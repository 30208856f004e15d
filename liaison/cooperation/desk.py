"""Joint cases on the desk (liaison/desk/sources.py): cases partners opened in our groups
and each change of a partner's part of a case (a link, a comment, a task, progress on a
task), and the tasks assigned to this service that are due soon or overdue, for the
liaison officers who work them. Registered from CooperationConfig.ready()."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.cooperation.models import CasePart, JointCase, Task
from liaison.cooperation.task_rows import open_tasks
from liaison.desk.sources import (
    DeskItem,
    DeskSource,
    Feed,
    first_arrival,
    partner_of,
    register_desk_source,
    since,
    with_partner_name,
)
from liaison.policy import Action, restrict

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from liaison.accounts.models import User


def _case_item(case: JointCase) -> DeskItem:
    first = first_arrival(case)
    return DeskItem(
        key=case.uid,
        version=case.version,
        title=_("Joint case opened by a partner") if first else _("Joint case moved by a partner"),
        label=case.title,
        at=case.received_at,
        partner=partner_of(case),
        url=reverse("cooperation:case", kwargs={"uid": case.uid}),
    )


def _part_item(part: CasePart) -> DeskItem:
    return DeskItem(
        key=part.uid,
        version=part.version,
        title=_("A partner added to a joint case"),
        label=part.case.title,
        at=part.received_at,
        partner=partner_of(part),
        url=reverse("cooperation:case", kwargs={"uid": part.case.uid}),
    )


def _feeds(user: User) -> list[Feed]:
    cases = JointCase.objects.exclude(owner_node=settings.NODE_ID).filter(received_at__gte=since())
    parts = CasePart.objects.exclude(owner_node=settings.NODE_ID).filter(received_at__gte=since())
    parts = parts.select_related("case")
    return [
        Feed(with_partner_name(restrict(cases, user, Action.LIST)), _case_item),
        Feed(with_partner_name(restrict(parts, user, Action.LIST)), _part_item),
    ]


def tasks_due(today_plus: int | None = None) -> QuerySet[Task]:
    """Open tasks assigned to this service, due within LIAISON_TASK_REMINDER_DAYS (or
    overdue), not yet scoped to a user."""
    days = settings.TASK_REMINDER_DAYS if today_plus is None else today_plus
    horizon = timezone.localdate() + timedelta(days=days)
    return open_tasks(settings.NODE_ID).filter(due_on__lte=horizon)


def _due_item(task: Task) -> DeskItem:
    late = task.due_on is not None and task.due_on < timezone.localdate()
    return DeskItem(
        key=task.uid,
        version=0,
        title=_("Overdue task") if late else _("Task due soon"),
        label=task.title,
        detail=task.case.title,
        at=task.due_on,
        url=reverse("cooperation:case", kwargs={"uid": task.case.uid}),
    )


def _due_feeds(user: User) -> list[Feed]:
    visible = restrict(JointCase.objects.filter(pk=OuterRef("case_id")), user, Action.VIEW)
    rows = tasks_due().filter(Exists(visible)).select_related("case")
    return [Feed(rows, _due_item, version=None, order_by="due_on")]


def _works_cases(user: User) -> bool:
    return user.has_perm("accounts.disclose_records")


def register() -> None:
    register_desk_source(
        DeskSource(
            key="cases",
            title=_("Joint cases: partners' news"),
            may_see=_works_cases,
            feeds=_feeds,
            order=45,
            empty=_("Nothing new from partners on joint cases in the last 30 days."),
        )
    )
    register_desk_source(
        DeskSource(
            key="tasks_due",
            title=_("Tasks of joint cases due"),
            may_see=_works_cases,
            feeds=_due_feeds,
            order=44,
            oldest_first=True,
            empty=_("No task assigned to this service is due soon."),
        )
    )

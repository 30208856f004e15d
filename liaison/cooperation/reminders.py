"""Reminders of the tasks assigned to this service (the worker, every
LIAISON_TASK_REMINDER_SECONDS; `liaison tasks-remind`): a task of a joint case assigned to
this node, still to do or in progress, due within LIAISON_TASK_REMINDER_DAYS (or overdue),
is reminded once per due date: audited, and announced by e-mail to the liaison officers
who may see its case (when notifications are on). A second run sends nothing new."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from liaison.audit.actions import log_event
from liaison.cooperation.models import Task, TaskReminder
from liaison.cooperation.task_rows import open_tasks
from liaison.desk.mail import notify, users_with


def remind_due_tasks(now: datetime | None = None) -> int:
    """Remind each task due soon not reminded yet for its due date; returns how many."""
    now = now or timezone.now()
    horizon = timezone.localdate(now) + timedelta(days=settings.TASK_REMINDER_DAYS)
    due = open_tasks(settings.NODE_ID).filter(due_on__lte=horizon).select_related("case")
    reminded = set(
        TaskReminder.objects.filter(task__in=[t.uid for t in due]).values_list("task", "due_on")
    )
    return sum(_remind(task, now) for task in due if (task.uid, task.due_on) not in reminded)


def _remind(task: Task, now: datetime) -> int:
    if task.due_on is None:  # never: only tasks with a due date are due
        return 0
    try:
        with transaction.atomic():
            TaskReminder.objects.create(task=task.uid, due_on=task.due_on, sent_at=now)
            path = reverse("cooperation:case", kwargs={"uid": task.case.uid})
            notify("task_due", users_with("accounts.disclose_records", task.case), path)
            log_event(
                action="alter",
                object_type="case",
                object_id=str(task.case.uid),
                detail={"step": "reminded", "task": str(task.uid), "due": str(task.due_on)},
                origin="task",
            )
    except IntegrityError:  # another worker reminded it first
        return 0
    return 1

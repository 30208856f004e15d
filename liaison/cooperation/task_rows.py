"""The one writer of `Task` rows: a case's tasks as this node reads them from every node's
part (each task from its setter's part, its status from its assignee's part). Called
whenever a part of the case is saved here or a partner's part is applied."""

from __future__ import annotations

from django.db.models import QuerySet

from liaison.cooperation.choices import TaskStatus
from liaison.cooperation.models import CasePart, JointCase, Task

OPEN = (TaskStatus.TODO, TaskStatus.DOING)


def index_tasks(case: JointCase) -> None:
    """Rebuild the case's task rows from its parts (two queries and one insert)."""
    parts = list(CasePart.objects.filter(case=case))
    progress = {p.owner_node: {e["task"]: e["status"] for e in p.progress} for p in parts}
    rows = [
        Task(
            uid=task["uid"],
            case=case,
            part=part,
            title=task["title"],
            assignee_node=task["assignee_node"],
            due_on=task.get("due_on"),
            meeting=task.get("meeting"),
            status=progress.get(task["assignee_node"], {}).get(task["uid"], TaskStatus.TODO),
        )
        for part in parts
        for task in part.tasks
    ]
    Task.objects.filter(case=case).delete()
    Task.objects.bulk_create(rows)


def open_tasks(node: str) -> QuerySet[Task]:
    """Tasks assigned to `node` and not yet done or cancelled."""
    return Task.objects.filter(assignee_node=node, status__in=OPEN)

"""Joint working groups between services: the group, its meeting log, and each
participating service's own list of members; joint cases of a group, with each
participating service's own part of the case (links, comments, tasks, progress).

Each node writes only what it owns. The convening node owns the `WorkingGroup` (theme,
mandate, status, participating services, meeting log); every participating node owns its
`MemberList` for the group (its members and its lead). Both travel through the sharing
contract (sharing.py): a node's member list can never be changed by another node, since a
receiver applies a list only from the node that owns it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from liaison.cooperation.choices import CaseStatus, GroupStatus, TaskStatus, Theme
from liaison.core.field_rules import validate_line, validate_text
from liaison.records import SharedRecord


class WorkingGroup(SharedRecord):
    """A joint working group, convened by its owner node with the participating nodes."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_line])
    theme = models.CharField(_("theme"), max_length=32, choices=Theme.choices)
    mandate = models.TextField(_("mandate"), max_length=8000, validators=[validate_text])
    status = models.CharField(
        _("status"), max_length=16, choices=GroupStatus.choices, default=GroupStatus.ACTIVE
    )
    # The other services taking part (node ids); the convener is the owner node.
    participant_nodes = models.JSONField(_("participating services"), default=list, blank=True)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def nodes(self) -> list[str]:
        """Every participating node, the convener first."""
        return [self.owner_node, *self.participant_nodes]


class Meeting(models.Model):
    """One entry of a group's meeting log, written by the convener (part of the group)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="meetings")
    # Travels with the group: the follow-up tasks set at the meeting name it.
    uid = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    held_on = models.DateField(_("date"))
    participants = models.TextField(_("participants"), max_length=4000, validators=[validate_text])
    decisions = models.TextField(_("decisions"), max_length=8000, validators=[validate_text])

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d}"


class MemberList(SharedRecord):
    """One participating node's members of a group: owned, changed and sent only by it."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("group",)
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="member_lists")

    class Meta:
        verbose_name = _("members of a working group")
        verbose_name_plural = _("members of working groups")
        ordering = ["owner_node"]
        constraints = [
            models.UniqueConstraint(fields=["group", "owner_node"], name="one_member_list_per_node")
        ]

    def __str__(self) -> str:
        return f"{self.group_id} · {self.owner_node}"


class Member(models.Model):
    """A member of a group for one node; at most one is that node's lead."""

    member_list = models.ForeignKey(MemberList, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=200, validators=[validate_line])
    function = models.CharField(
        _("function"), max_length=200, blank=True, validators=[validate_line]
    )
    is_lead = models.BooleanField(_("lead"), default=False)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_list"], condition=models.Q(is_lead=True), name="one_lead_per_node"
            )
        ]

    def __str__(self) -> str:
        return self.name


class JointCase(SharedRecord):
    """A case worked jointly by a group's services; opened (and owned) by one of them."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("group",)
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="cases")
    title = models.CharField(_("title"), max_length=200, validators=[validate_line])
    summary = models.TextField(_("summary"), max_length=8000, validators=[validate_text])
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )

    class Meta:
        verbose_name = _("joint case")
        verbose_name_plural = _("joint cases")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CasePart(SharedRecord):
    """One participating node's part of a joint case: the records it links (uids only),
    its comments, the tasks it sets and its progress on the tasks assigned to it. Owned,
    changed and sent only by that node."""

    handling_parent_fields: ClassVar[Sequence[str]] = ("case",)
    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="parts")
    # [{"kind": "person"|"warrant"|"alert", "uid"}]
    links = models.JSONField(_("linked records"), default=list, blank=True)
    # [{"at", "by", "text"}]
    comments = models.JSONField(_("comments"), default=list, blank=True)
    # [{"uid", "title", "assignee_node", "assignee", "due_on", "at", "by"}]
    tasks = models.JSONField(_("tasks"), default=list, blank=True)
    # The progress this node reports on tasks assigned to it: [{"task", "status", "at", "by"}]
    progress = models.JSONField(_("progress on tasks"), default=list, blank=True)

    class Meta:
        verbose_name = _("part of a joint case")
        verbose_name_plural = _("parts of joint cases")
        ordering = ["owner_node"]
        constraints = [
            models.UniqueConstraint(fields=["case", "owner_node"], name="one_case_part_per_node")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.owner_node}"


class Task(models.Model):
    """A task of a joint case as this node reads it from every node's part: the task as
    its setter's part says, its status as its assignee's part reports. Derived, never
    written by hand: `liaison.cooperation.tasks_index.index_tasks` rebuilds a case's rows
    whenever one of its parts changes here or arrives, so that the desk and the reminders
    can query tasks (the parts keep them as JSON)."""

    uid = models.UUIDField(db_index=True)
    case = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="task_rows")
    part = models.ForeignKey(CasePart, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("task"), max_length=200)
    assignee_node = models.CharField(_("assigned to the service"), max_length=32)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # The meeting whose follow-up action this is (its uid), if any.
    meeting = models.UUIDField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assignee_node", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title


class TaskReminder(models.Model):
    """This node reminded its users of a task assigned to it, due on `due_on`: once per
    task and due date (the reminder job is idempotent). Stays on this node."""

    task = models.UUIDField()
    due_on = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "due_on"], name="one_reminder_per_task_due")
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.due_on:%Y-%m-%d}"

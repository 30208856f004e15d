"""Permission-scoped reads of working groups. Views and the API never fetch by primary key."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from liaison.accounts.models import Actor
from liaison.cooperation.models import Member, MemberList, WorkingGroup
from liaison.policy import Action, restrict


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

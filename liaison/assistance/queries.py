"""Permission-scoped reads of requests for assistance. Views and the API never fetch by
primary key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from liaison.accounts.models import Actor
from liaison.assistance.choices import OPEN
from liaison.assistance.models import AssistanceRequest
from liaison.policy import Action, restrict
from liaison.registry.models import Person

OPEN_HERE = Q(reply__status__in=OPEN, withdrawn_at__isnull=True)


def requests_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[AssistanceRequest]:
    rows = AssistanceRequest.objects.select_related("reply")
    return restrict(rows, user, action)


def inbox(user: Actor) -> QuerySet[AssistanceRequest]:
    """Requests partners sent to this node: open ones first, the least time left first."""
    rows = requests_visible_to(user).filter(recipient_node=settings.NODE_ID)
    rows = rows.exclude(owner_node=settings.NODE_ID)
    closed = Case(When(OPEN_HERE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return rows.annotate(closed=closed).order_by("closed", F("reply__due_at").asc(nulls_last=True))


def outbox(user: Actor) -> QuerySet[AssistanceRequest]:
    """Requests this node sent, the newest first."""
    return requests_visible_to(user).filter(owner_node=settings.NODE_ID).order_by("-created_at")


def get_request_for_user(user: Actor, uid: Any) -> AssistanceRequest:
    """The request if `user` may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return requests_visible_to(user, Action.VIEW).get(uid=uid)
    except (AssistanceRequest.DoesNotExist, ValueError):
        raise Http404 from None


def linked_persons(user: Actor, uids: list[str]) -> list[Person]:
    """The linked persons this node holds and `user` may see (others are not named)."""
    if not uids:
        return []
    return list(restrict(Person.objects.filter(uid__in=uids), user, Action.VIEW).order_by("id"))

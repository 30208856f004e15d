"""Permission-scoped reads of events. Views and the API never fetch by primary key."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from liaison.accounts.models import Actor
from liaison.events.models import Event
from liaison.policy import Action, restrict


def events_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[Event]:
    return restrict(Event.objects.all(), user, action)


def get_event_for_user(user: Actor, uid: Any) -> Event:
    """The event if `user` may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return events_visible_to(user, Action.VIEW).get(uid=uid)
    except (Event.DoesNotExist, ValueError):
        raise Http404 from None

"""Permission-scoped reads of bans, and the persons screening checks because of one.

A ban belongs to its person (`handling_parent_fields`): it is never more visible than the
person, so a user who may not see an H3 person sees none of its bans."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from liaison.accounts.models import Actor
from liaison.events.models import Ban, BanStatus, Event
from liaison.events.queries import events_visible_to
from liaison.matching.types import Identity
from liaison.policy import Action, decide, restrict
from liaison.registry.choices import AlertStatus
from liaison.registry.models import Person
from liaison.registry.queries import identities_of, watchlist_identities


def in_force(today: date | None = None) -> Q:
    """Bans screened on `today`: active, from their first day to their last. A ban past its
    end is not screened even before the worker marks it expired."""
    today = today or timezone.localdate()
    return Q(status=BanStatus.ACTIVE, valid_from__lte=today, valid_until__gte=today)


def bans_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[Ban]:
    return restrict(Ban.objects.all(), user, action).select_related("person")


def get_ban_for_user(user: Actor, uid: Any) -> Ban:
    """The ban if `user` may see it (and its person); 404 otherwise."""
    try:
        return bans_visible_to(user, Action.VIEW).get(uid=uid)
    except (Ban.DoesNotExist, ValueError):
        raise Http404 from None


def banned_identities(today: date | None = None) -> Iterator[Identity]:
    """Persons with a ban in force and no active alert (those are on the watchlist already),
    own and received: what event screening checks besides the alerts."""
    banned = Person.objects.filter(bans__in=Ban.objects.filter(in_force(today)))
    yield from identities_of(banned.exclude(alerts__status=AlertStatus.ACTIVE))


def screening_watchlist() -> Iterator[Identity]:
    """What an accreditation list is screened against: active alerts, then bans in force."""
    yield from watchlist_identities()
    yield from banned_identities()


def bans_in_force(user: Actor) -> QuerySet[Ban]:
    """The bans in force that `user` may see (for the review queue's cards: a candidate
    found because of a ban says so, with its authority and validity)."""
    return restrict(Ban.objects.filter(in_force()), user, Action.VIEW).order_by("valid_until", "pk")


def person_panel(user: Actor, person: Person) -> dict[str, Any] | None:
    """The person page's "Stadium bans" panel: the bans on the person that `user` may see,
    and a link to record one for those who may; None (left out) when neither."""
    may_record = bool(decide(user, Action.CREATE))
    # No query without the capability to view (restrict gives none()).
    bans = list(bans_visible_to(user, Action.VIEW).filter(person=person))
    if not bans and not may_record:
        return None
    context = {"bans": bans, "may_record": may_record, "person_uid": person.uid}
    return {"template": "events/person_bans.html"} | context


def events_of_ban(user: Actor, ban: Ban) -> QuerySet[Event]:
    """The events a ban concerns that `user` may see: an H3 event linked to a ban stays
    hidden from whom may not see it, its name and its uid."""
    return ban.events.filter(pk__in=events_visible_to(user, Action.VIEW)).order_by("pk")

"""Permission-scoped reads of events. Views and the API never fetch by primary key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from liaison.accounts.models import Actor
from liaison.events.models import AccreditationList, Candidate, CandidateStatus, Event
from liaison.policy import Action, decide, restrict
from liaison.registry.models import Person


def events_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[Event]:
    return restrict(Event.objects.all(), user, action)


def get_event_for_user(user: Actor, uid: Any) -> Event:
    """The event if `user` may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return events_visible_to(user, Action.VIEW).get(uid=uid)
    except (Event.DoesNotExist, ValueError):
        raise Http404 from None


def lists_visible_to(user: Actor, event: Event) -> QuerySet[AccreditationList]:
    """The event's accreditation lists, for those who may search (screening is a search)."""
    if not decide(user, Action.SEARCH):
        return AccreditationList.objects.none()
    return event.lists.select_related("uploaded_by")


def visible_candidates(user: Actor, lst: AccreditationList) -> QuerySet[Candidate]:
    """The list's candidates on persons `user` may see: a count over the others would tell
    that a name matched a record hidden from the user (H3).

    Each candidate's own person is looked up (a correlated EXISTS), not `person IN (every
    person the user may see)`: that set costs a scan of the whole watchlist per query,
    whatever the page shows (the queue page read it three times; policy.py, `_visible`)."""
    persons = restrict(Person.objects.all(), user, Action.VIEW)
    return lst.candidates.filter(Exists(persons.filter(pk=OuterRef("person"))))


def lists_with_counts(user: Actor, event: Event) -> QuerySet[AccreditationList]:
    """The event's lists, each with `found`: its last run's candidates `user` may see."""
    persons = restrict(Person.objects.all(), user, Action.VIEW)
    seen = Q(candidates__run=F("run"), candidates__person__in=persons)
    return lists_visible_to(user, event).annotate(found=Count("candidates", filter=seen))


def lists_with_progress(user: Actor, event: Event) -> QuerySet[AccreditationList]:
    """As lists_with_counts, with `pending` and `proposed`: the candidates `user` may see
    that wait for a decision or for a second confirmation (any run)."""
    seen = Q(candidates__person__in=restrict(Person.objects.all(), user, Action.VIEW))
    status = "candidates__status"
    return lists_with_counts(user, event).annotate(
        pending=Count("candidates", filter=seen & Q(**{status: CandidateStatus.PENDING})),
        proposed=Count("candidates", filter=seen & Q(**{status: CandidateStatus.PROPOSED})),
    )


def may_decide_candidates(user: Actor) -> bool:
    """Whether the user's role may review candidates: screening is a search, and a
    confirmation records a hit."""
    return bool(decide(user, Action.SEARCH) and decide(user, Action.CREATE))


def lists_awaiting_second_officer(user: Actor) -> QuerySet[AccreditationList]:
    """The lists with confirmations `user` may give as the second officer: proposed by
    someone else, on persons `user` may see, in events `user` may see (the desk). Each
    with `waiting` (how many) and `last_proposed` (the latest proposal)."""
    if not may_decide_candidates(user):
        return AccreditationList.objects.none()
    persons = restrict(Person.objects.all(), user, Action.VIEW)
    waiting = (
        Candidate.objects.filter(list=OuterRef("pk"), status=CandidateStatus.PROPOSED)
        .exclude(proposed_by=user.pk)
        .filter(Exists(persons.filter(pk=OuterRef("person"))))
        .order_by()
        .values("list")
    )
    lists = AccreditationList.objects.filter(event__in=events_visible_to(user, Action.VIEW))
    return (
        lists.annotate(
            waiting=Subquery(waiting.annotate(n=Count("pk")).values("n")),
            last_proposed=Subquery(waiting.annotate(last=Max("proposed_at")).values("last")),
        )
        .filter(waiting__gt=0)
        .select_related("event")
    )


def review_candidates(user: Actor, lst: AccreditationList, status: str) -> QuerySet[Candidate]:
    """The review queue: the list's candidates in `status` on persons `user` may see, best
    score first, with what the queue shows of the applicant and the person."""
    related = ("names", "birth_dates", "nationalities", "documents")
    return (
        visible_candidates(user, lst)
        .filter(status=status)
        .select_related("applicant", "person", "decided_by", "proposed_by", "rejected_by")
        .prefetch_related(*(f"person__{name}" for name in related))
        .order_by("-score", "pk")
    )


def get_list_for_user(user: Actor, event_uid: Any, list_uid: Any) -> AccreditationList:
    """The list if `user` may see its event and search; 404 otherwise."""
    event = get_event_for_user(user, event_uid)
    try:
        return lists_visible_to(user, event).get(uid=list_uid)
    except (AccreditationList.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def get_candidate_for_user(user: Actor, lst: AccreditationList, pk: Any) -> Candidate:
    """The candidate if `user` may see its person; 404 otherwise, as for a missing one."""
    try:
        return visible_candidates(user, lst).select_related("applicant", "person").get(pk=pk)
    except (Candidate.DoesNotExist, ValueError):
        raise Http404 from None

"""Permission-scoped reads of reports and consents. Views and the API never fetch by key."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from liaison.accounts.models import Actor
from liaison.intel.models import ConsentRequest, MentionState, Report, ReportMention
from liaison.policy import Action, restrict
from liaison.registry.queries import persons_visible_to


def reports_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[Report]:
    return restrict(Report.objects.all(), user, action)


def get_report_for_user(user: Actor, uid: Any) -> Report:
    """The report if `user` may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return reports_visible_to(user, Action.VIEW).get(uid=uid)
    except (Report.DoesNotExist, ValueError):
        raise Http404 from None


def search_reports(user: Actor, text: str) -> QuerySet[Report]:
    """Reports whose title, summary or facts contain `text` (any case), among those the
    user may search. The assessment is not searched: it is an opinion, not a fact."""
    words = text.split()
    found = reports_visible_to(user, Action.SEARCH)
    for word in words:
        found = found.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(facts__icontains=word)
        )
    return found


def consents_visible_to(user: Actor) -> QuerySet[ConsentRequest]:
    rows = ConsentRequest.objects.select_related("report").prefetch_related("decisions")
    return restrict(rows, user, Action.VIEW)


def get_consent_for_user(user: Actor, uid: Any) -> ConsentRequest:
    try:
        return consents_visible_to(user).get(uid=uid)
    except (ConsentRequest.DoesNotExist, ValueError):
        raise Http404 from None


def get_mention_for_user(user: Actor, uid: Any, pk: Any) -> ReportMention:
    """A suggestion on a report the user may see, of a person they may see; 404 otherwise
    (a rejected one is gone from view as well)."""
    report = get_report_for_user(user, uid)
    rows = ReportMention.objects.filter(report=report, person__in=persons_visible_to(user))
    try:
        mention = rows.exclude(state=MentionState.REJECTED).select_related("person").get(pk=pk)
    except (ReportMention.DoesNotExist, ValueError):
        raise Http404 from None
    mention.report = report
    return mention

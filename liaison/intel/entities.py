"""What a report's text names: registry persons (suggested, then confirmed or rejected by
an analyst) and typed indicators (phone numbers, e-mail addresses, document numbers,
vehicle plates, places, organisations). The persons come from the registry search's matcher
(liaison.registry.search.mentioned_persons), the indicators from liaison/intel/indicators.py.

Both are this node's reading of the report: kept per report, never sent to partners.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liaison.accounts.models import Actor
from liaison.intel import indicators
from liaison.intel.models import MentionState, Report, ReportIndicator, ReportMention
from liaison.intel.queries import phone_region, reports_visible_to
from liaison.policy import Action
from liaison.registry.models import Person
from liaison.registry.queries import persons_visible_to
from liaison.registry.search import Mentioned, mentioned_persons

# Where names and indicators are looked for, in this order (a person found in several
# fields is suggested once, at the best score; the first field wins a tie).
READ_FIELDS = ("title", "summary", "facts", "assessment")
FIELD_LABELS = {
    "title": _("title"),
    "summary": _("summary"),
    "facts": _("facts"),
    "assessment": _("assessment"),
}


def refresh_indicators(report: Report) -> list[ReportIndicator]:
    """Read the report's indicators again (every version: the text may have changed).
    Those imported with it from a STIX bundle are kept."""
    held = ReportIndicator.objects.filter(report=report)
    held.exclude(field=ReportIndicator.IMPORTED).delete()
    seen = {(i.kind, i.normalised) for i in held.filter(field=ReportIndicator.IMPORTED)}
    rows: list[ReportIndicator] = []
    for name in READ_FIELDS:
        for found in indicators.extract(getattr(report, name), phone_region()):
            if (found.kind, found.normalised) in seen:
                continue
            seen.add((found.kind, found.normalised))
            rows.append(
                ReportIndicator(
                    report=report,
                    kind=found.kind,
                    value=found.value[:200],
                    normalised=found.normalised[:200],
                    field=name,
                )
            )
    return ReportIndicator.objects.bulk_create(rows[: indicators.MAX_PER_REPORT])


def _best_per_person(report: Report, scope: QuerySet[Person]) -> dict[int, tuple[str, Mentioned]]:
    best: dict[int, tuple[str, Mentioned]] = {}
    for name in READ_FIELDS:
        for found in mentioned_persons(getattr(report, name), scope):
            known = best.get(found.person_id)
            if known is None or found.found.score > known[1].found.score:
                best[found.person_id] = (name, found)
    return best


def suggest(report: Report, scope: QuerySet[Person]) -> list[ReportMention]:
    """New suggestions for the persons of `scope` the report names; a person already
    suggested, confirmed or rejected for this report is not suggested again."""
    best = _best_per_person(report, scope)
    known = set(
        ReportMention.objects.filter(report=report, person_id__in=best).values_list(
            "person_id", flat=True
        )
    )
    rows = [
        ReportMention(
            report=report,
            person_id=pk,
            field=name,
            span=found.text[:200],
            score=round(found.found.score, 4),
            evidence=found.found.as_dict(),
        )
        for pk, (name, found) in best.items()
        if pk not in known
    ]
    return ReportMention.objects.bulk_create(rows)


def mentions_for(user: Actor, report: Report) -> list[ReportMention]:
    """The report's suggestions and confirmed links the user may see (never a person
    hidden from them, never a rejected suggestion), best first."""
    rows = (
        ReportMention.objects.filter(report=report, person__in=persons_visible_to(user))
        .exclude(state=MentionState.REJECTED)
        .select_related("person")
        .prefetch_related("person__names")
        .order_by("state", "-score", "id")
    )
    return [with_words(row) for row in rows]


def with_words(row: ReportMention) -> ReportMention:
    """The mention with its explanation in the user's language, and its field's name."""
    from liaison.matching.mentions import lookup_of
    from liaison.registry.explain import explain

    row.words = explain(lookup_of(row.evidence))  # type: ignore[attr-defined]
    row.field_label = FIELD_LABELS.get(row.field, row.field)  # type: ignore[attr-defined]
    return row


def reports_mentioning(user: Actor, person: Person) -> list[ReportMention]:
    """Confirmed links of `person` to the reports `user` may see (handling codes apply:
    an H3 report only for its named recipients)."""
    return list(
        ReportMention.objects.filter(
            person=person,
            state=MentionState.CONFIRMED,
            report__in=reports_visible_to(user, Action.VIEW),
        )
        .select_related("report")
        .order_by("-report__created_at", "-id")
    )


def person_panel(user: Actor, person: Person) -> dict[str, Any] | None:
    """The person page's "Mentioned in reports" panel, or None when there is nothing the
    user may see (the panel is then left out)."""
    mentions = reports_mentioning(user, person)
    if not mentions:
        return None
    return {"template": "intel/person_mentions.html", "mentions": mentions}

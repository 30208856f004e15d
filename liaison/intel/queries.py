"""Permission-scoped reads of reports and consents. Views and the API never fetch by key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import pgettext

from liaison.accounts.models import Actor
from liaison.intel import gazetteer, indicators
from liaison.intel.choices import IndicatorKind
from liaison.intel.models import (
    ConsentRequest,
    MentionState,
    Report,
    ReportIndicator,
    ReportMention,
)
from liaison.policy import Action, restrict
from liaison.registry.queries import persons_visible_to
from liaison.registry.search import search_persons

# Persons a search's name may find (the registry search's first page): enough for
# homonyms, few enough that the reports' query stays small.
MAX_SEARCH_PERSONS = 50


def reports_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[Report]:
    return restrict(Report.objects.all(), user, action)


def reports_naming(user: Actor, field: str, uid: Any) -> QuerySet[Report]:
    """The reports `user` may open that name this group or case (`field`: "recipient_groups"
    or "recipient_cases") as a recipient, newest first. The uids are a JSON list: a text
    search for the uid finds them on SQLite and PostgreSQL alike (a uid is never part of
    another), which `contains` on a JSON list does not (SQLite has no such lookup)."""
    rows = reports_visible_to(user, Action.VIEW)
    return rows.filter(**{f"{field}__icontains": str(uid)}).order_by("-created_at", "-id")


def get_report_for_user(user: Actor, uid: Any) -> Report:
    """The report if `user` may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return reports_visible_to(user, Action.VIEW).get(uid=uid)
    except (Report.DoesNotExist, ValueError):
        raise Http404 from None


@dataclass(frozen=True)
class ReportSearch:
    """What a text search looks for: its words (in the title, summary or facts), the
    indicators the text is read as (normalised as a report's are), and the persons the
    user may see that the registry search finds by the text as a name (pk -> name)."""

    text: str
    words: tuple[str, ...]
    indicators: frozenset[tuple[str, str]]
    persons: dict[int, str] = field(default_factory=dict)


def phone_region() -> str | None:
    """The node's country, to read phone numbers written without a country code."""
    code = (settings.INTEL_PHONE_REGION or settings.NODE_ID).upper()
    return code if len(code) == 2 and code.isalpha() else None


def _indicators_in(text: str) -> set[tuple[str, str]]:
    """The indicators `text` is read as: what the report's extraction finds in it, the
    documents and plates typed in small letters, and a place or organisation named by
    any alias of the gazetteers, whatever its case."""
    found = {(i.kind, i.normalised) for i in indicators.extract(text, phone_region())}
    found |= {
        (i.kind, i.normalised)
        for i in indicators.extract(text.upper())
        if i.kind in (indicators.DOCUMENT, indicators.PLATE)
    }
    if place := gazetteer.places().lookup(text):
        found.add((indicators.PLACE, place.name))
    if org := gazetteer.organisations().lookup(text):
        found.add((indicators.ORGANISATION, org.name))
    return found


def read_search(user: Actor, text: str) -> ReportSearch:
    """The search `text` stands for. The persons are looked for only among those the
    user may search in the registry: a hidden person never finds a report."""
    persons: dict[int, str] = {}
    if text.strip():
        outcome = search_persons(
            persons_visible_to(user, Action.SEARCH), name=text, limit=MAX_SEARCH_PERSONS
        )
        persons = {r.person.pk: str(r.person) for r in outcome.results}
    return ReportSearch(text, tuple(text.split()), frozenset(_indicators_in(text)), persons)


def _words_q(words: tuple[str, ...]) -> Q:
    found = Q()
    for word in words:
        found &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(facts__icontains=word)
    return found


def _indicators_q(pairs: frozenset[tuple[str, str]]) -> Q:
    found = Q()
    for kind, value in sorted(pairs):
        found |= Q(kind=kind, normalised=value)
    return found


def search_reports(user: Actor, text: str, search: ReportSearch | None = None) -> QuerySet[Report]:
    """Reports the user may search that the text finds: by words in the title, summary or
    facts (each word, any case), by an indicator read from them, or through a confirmed
    link to a person the registry search finds by the text as a name. The assessment is
    not searched: it is an opinion, not a fact. `text_match` says whether the words did."""
    search = search or read_search(user, text)
    found = reports_visible_to(user, Action.SEARCH)
    if not search.words:
        return found.none()
    by_words = _words_q(search.words)
    matched = by_words
    if search.indicators:
        pairs = ReportIndicator.objects.filter(_indicators_q(search.indicators))
        matched |= Q(Exists(pairs.filter(report=OuterRef("pk"))))
    if search.persons:
        linked = ReportMention.objects.filter(
            state=MentionState.CONFIRMED, person_id__in=list(search.persons)
        )
        matched |= Q(Exists(linked.filter(report=OuterRef("pk"))))
    text_match = ExpressionWrapper(by_words, output_field=BooleanField())
    return found.annotate(text_match=text_match).filter(matched)


def with_reasons(reports: list[Report], search: ReportSearch) -> list[Report]:
    """Each report with `reasons`: why the search found it, in words (two queries, however
    many reports)."""
    pks = [r.pk for r in reports]
    if not pks:
        return reports
    kinds = dict(IndicatorKind.choices)
    held: dict[int, list[str]] = {pk: [] for pk in pks}
    rows = ReportIndicator.objects.filter(_indicators_q(search.indicators), report_id__in=pks)
    if not search.indicators:
        rows = rows.none()
    ordered = rows.order_by("kind", "normalised").values_list("report_id", "kind", "normalised")
    for pk, kind, value in ordered.distinct():
        held[pk].append(
            pgettext("report found by", "%(kind)s %(value)s")
            % {"kind": kinds.get(kind, kind), "value": value}
        )
    linked = ReportMention.objects.filter(
        report_id__in=pks, state=MentionState.CONFIRMED, person_id__in=list(search.persons)
    ).order_by("person_id")
    for pk, person in linked.values_list("report_id", "person_id"):
        held[pk].append(
            pgettext("report found by", "linked person %(name)s") % {"name": search.persons[person]}
        )
    words = pgettext("report found by", "words in the title, summary or facts")
    for report in reports:
        reasons = [words] if report.text_match else []  # type: ignore[attr-defined]
        report.reasons = reasons + held[report.pk]  # type: ignore[attr-defined]
    return reports


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

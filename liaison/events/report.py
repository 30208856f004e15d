"""The event report: per accreditation list and per applicant category, the rows screened,
bad rows, candidates and what became of them, the clearing reasons and the timings; as a
page (printable), CSV (through liaison.safecsv) and PDF (WeasyPrint, as the plan's review
pack).

Only what the reader may see: the lists need `search_records` (as their pages), and a
candidate on a person the reader may not see (H3 not named) is left out of every count and
of the reasons, with nothing saying it was left out (a count would tell that a name matched
a hidden record). Four queries, whatever the number of lists and candidates.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor
from liaison.core.pdf import render as render_pdf
from liaison.events.models import (
    AccreditationList,
    Applicant,
    ApplicantCategory,
    Candidate,
    CandidateStatus,
    Event,
)
from liaison.events.queries import lists_visible_to
from liaison.policy import Action, restrict
from liaison.registry.models import Person
from liaison.safecsv import SafeWriter

PDF_TYPE = "application/pdf"
CATEGORIES = ["", *ApplicantCategory.values]


@dataclass
class Counts:
    rows: int = 0
    screened: int = 0
    candidates: int = 0
    pending: int = 0
    proposed: int = 0
    confirmed: int = 0
    cleared: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ListReport:
    lst: AccreditationList
    total: Counts = field(default_factory=Counts)
    categories: dict[str, Counts] = field(default_factory=dict)
    first_decision: datetime | None = None
    last_decision: datetime | None = None

    @property
    def bad_rows(self) -> int:
        return len(self.lst.bad_rows)

    @property
    def duration(self) -> timedelta | None:
        started, finished = self.lst.started_at, self.lst.finished_at
        return finished - started if started and finished else None

    def by_category(self) -> list[tuple[str, str, Counts]]:
        return [
            (c, category_label(c), self.categories[c]) for c in CATEGORIES if c in self.categories
        ]


@dataclass
class EventReport:
    event: Event
    lists: list[ListReport]
    reasons: list[tuple[str, int]]
    generated_at: datetime

    @property
    def total(self) -> Counts:
        total = Counts()
        for item in self.lists:
            total.add(item.total)
        return total

    @property
    def bad_rows(self) -> int:
        return sum(item.bad_rows for item in self.lists)

    def by_category(self) -> list[tuple[str, str, Counts]]:
        found: dict[str, Counts] = defaultdict(Counts)
        for item in self.lists:
            for key, counts in item.categories.items():
                found[key].add(counts)
        return [(c, category_label(c), found[c]) for c in CATEGORIES if c in found]


def category_label(key: str) -> str:
    return str(ApplicantCategory(key).label) if key else _("Not given")


def build(user: Actor, event: Event) -> EventReport:
    lists = {lst.pk: ListReport(lst) for lst in lists_visible_to(user, event).order_by("pk")}
    _rows(lists)
    _candidates(user, lists)
    return EventReport(event, list(lists.values()), _reasons(user, lists), timezone.now())


def _rows(lists: dict[int, ListReport]) -> None:
    screened = Q(position__lt=F("list__rows_screened"))
    found = (
        Applicant.objects.filter(list_id__in=lists)
        .values("list_id", "category")
        .annotate(rows=Count("pk"), screened=Count("pk", filter=screened))
        .order_by()
    )
    for row in found:
        item = lists[row["list_id"]]
        counts = item.categories.setdefault(row["category"], Counts())
        counts.rows, counts.screened = row["rows"], row["screened"]
        item.total.rows += row["rows"]
        item.total.screened += row["screened"]


def _visible(user: Actor, lists: dict[int, ListReport]) -> Any:
    persons = restrict(Person.objects.all(), user, Action.VIEW)
    return Candidate.objects.filter(list_id__in=lists, person__in=persons)


def _candidates(user: Actor, lists: dict[int, ListReport]) -> None:
    found = (
        _visible(user, lists)
        .values("list_id", "applicant__category", "status")
        .annotate(n=Count("pk"), first=Min("decided_at"), last=Max("decided_at"))
        .order_by()
    )
    for row in found:
        item = lists[row["list_id"]]
        for counts in (
            item.categories.setdefault(row["applicant__category"], Counts()),
            item.total,
        ):
            counts.candidates += row["n"]
            setattr(counts, row["status"], getattr(counts, row["status"]) + row["n"])
        if row["first"] is not None:
            item.first_decision = min(filter(None, [item.first_decision, row["first"]]))
            item.last_decision = max(filter(None, [item.last_decision, row["last"]]))


def _reasons(user: Actor, lists: dict[int, ListReport]) -> list[tuple[str, int]]:
    found = (
        _visible(user, lists)
        .filter(status=CandidateStatus.CLEARED)
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
    )
    return [(row["reason"], row["n"]) for row in found]


HEADER = [
    "list",
    "category",
    "rows",
    "rows_screened",
    "bad_rows",
    "candidates",
    "pending",
    "awaiting_second_confirmation",
    "confirmed",
    "cleared",
    "uploaded_at",
    "screening_started_at",
    "screening_finished_at",
    "screening_seconds",
    "first_decision_at",
    "last_decision_at",
]


def csv_text(report: EventReport) -> str:
    """One line per list (category "all") and per list and category; then the reasons."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(HEADER)
    for item in report.lists:
        writer.writerow(_line(item, "all", item.total, item.bad_rows))
        for key, _label, counts in item.by_category():
            writer.writerow(_line(item, key or "not_given", counts, None))
    writer.writerow([])
    writer.writerow(["clearing_reason", "cleared"])
    writer.writerows(report.reasons)
    return out.getvalue()


def _line(item: ListReport, category: str, counts: Counts, bad: int | None) -> list[object]:
    lst, duration = item.lst, item.duration
    return [
        lst.name,
        category,
        counts.rows,
        counts.screened,
        bad,
        counts.candidates,
        counts.pending,
        counts.proposed,
        counts.confirmed,
        counts.cleared,
        *_times(lst.uploaded_at, lst.started_at, lst.finished_at),
        int(duration.total_seconds()) if duration is not None else None,
        *_times(item.first_decision, item.last_decision),
    ]


def _times(*values: datetime | None) -> Iterator[str | None]:
    for value in values:
        yield value.isoformat(timespec="seconds") if value is not None else None


def pdf(report: EventReport) -> bytes:
    """The report's PDF, in the active language (right to left in Arabic)."""
    context = {"report": report, "node": settings.NODE_ID, "rtl": get_language_bidi()}
    html = render_to_string("events/report_pdf.html", context)
    return render_pdf(html)

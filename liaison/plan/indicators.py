"""The plan's indicators, computed from the node's own data, never typed in.

Each indicator is a table: one row per quarter (or per working group, or per type of
request) and one column per series. Its definition (`DEFINITIONS`, shown on the dashboard
and in docs/plan.md) says exactly what it counts. Figures that rest on records count only
those the viewer may see (`policy.restrict`): a count over H3 records the viewer is not
named on would tell that they exist. The exchange's envelopes never carry H3 records, so
their counts are the same for every viewer.

The quarter of a row is the quarter of one date, named in each definition, in the node's
time zone. A record counts once per indicator: a hit confirmed both by its recorder and
by the person's owner is one confirmed hit; a warrant executed after three hits is one
warrant, in the quarter it was executed.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liaison.accounts.models import Actor
from liaison.assistance import clock
from liaison.assistance.choices import RefusalCategory, RequestType, Status
from liaison.assistance.models import AssistanceRequest
from liaison.audit.models import AuditEntry
from liaison.events.models import AccreditationList, Candidate, CandidateStatus, Event
from liaison.exchange.models import InboxEnvelope, OutboxEnvelope, OutboxState
from liaison.plan.choices import ActionStatus, AssistanceStatus
from liaison.plan.milestones import OPEN, milestones_of
from liaison.plan.models import ActionVersion, PlanAction, TechnicalAssistance, Training
from liaison.policy import Action, decide, restrict
from liaison.registry.choices import (
    AlertStatus,
    HitDecisionKind,
    HitDisposition,
    HitOutcome,
    WarrantStatus,
)
from liaison.registry.models import Hit, HitDecision, Person, Warrant

Figure = int | float | None


# Quarters


def quarter_of(moment: date | datetime) -> str:
    """ "2026-Q1": the quarter of a date, or of a time in the node's time zone."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _quarter(moment: datetime | None) -> str:
    """The quarter of a time filtered to be in the period (so never None)."""
    assert moment is not None
    return quarter_of(moment)


def quarter_start(label: str) -> date:
    year, number = label.split("-Q")
    return date(int(year), 3 * int(number) - 2, 1)


def next_quarter(label: str) -> str:
    year, number = (int(part) for part in label.split("-Q"))
    return f"{year + 1}-Q1" if number == 4 else f"{year}-Q{number + 1}"


# Ten years: each quarter is a condition in the queries, so a period is bounded.
MAX_QUARTERS = 40


@dataclass(frozen=True)
class Period:
    """From the first day of `first` to the last day of `last` (quarters, inclusive)."""

    first: str
    last: str

    @classmethod
    def parse(cls, first: str, last: str) -> Period:
        """A period from two quarter labels; ValueError when either is not one, or when
        they are in the wrong order."""
        for label in (first, last):
            year, _sep, number = label.partition("-Q")
            if not (year.isdigit() and len(year) == 4 and number in {"1", "2", "3", "4"}):
                raise ValueError(label)
        start, end = quarter_start(first), quarter_start(next_quarter(last))  # ValueError
        if start >= end:
            raise ValueError(f"{first} > {last}")
        if (end.year - start.year) * 4 + (end.month - start.month) // 3 > MAX_QUARTERS:
            raise ValueError(f"more than {MAX_QUARTERS} quarters")
        return cls(first, last)

    @classmethod
    def recent(cls, quarters: int = 8, today: date | None = None) -> Period:
        """The last `quarters` quarters, the current one included."""
        last = quarter_of(today or timezone.localdate())
        start = quarter_start(last)
        months = start.year * 12 + start.month - 1 - 3 * (quarters - 1)
        return cls(quarter_of(date(months // 12, months % 12 + 1, 1)), last)

    @property
    def quarters(self) -> list[str]:
        labels, label = [self.first], self.first
        while label != self.last:
            label = next_quarter(label)
            labels.append(label)
        return labels

    @property
    def start(self) -> datetime:
        return _aware(quarter_start(self.first))

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return _aware(quarter_start(next_quarter(self.last)))

    @property
    def start_date(self) -> date:
        return quarter_start(self.first)

    @property
    def end_date(self) -> date:
        """The first day after the period."""
        return quarter_start(next_quarter(self.last))


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


# Results


@dataclass
class Indicator:
    """One table: `rows` label its lines (quarters unless `by` says otherwise), `series`
    its columns, `values[row][i]` the figure of series i on that row."""

    key: str
    title: str | Promise
    definition: str | Promise
    series: Sequence[str | Promise]
    rows: list[str]
    values: dict[str, list[Figure]] = field(default_factory=dict)
    by: str = "quarter"
    row_labels: dict[str, str | Promise] = field(default_factory=dict)
    # Series drawn on the chart (by index); the others only in the table (times, shares).
    charted: tuple[int, ...] = ()

    def row(self, label: str) -> list[Figure]:
        return self.values.get(label, [0] * len(self.series))

    def table(self) -> list[tuple[str | Promise, list[Figure]]]:
        return [(self.row_labels.get(r, r), self.row(r)) for r in self.rows]

    def column(self, index: int) -> list[Figure]:
        return [self.row(r)[index] for r in self.rows]

    def total(self, index: int) -> int:
        return sum(int(v or 0) for v in self.column(index))


def _counts(rows: Iterable[tuple[Any, ...]]) -> dict[str, Counter[str]]:
    """{quarter: Counter(series)} from (moment, series) pairs."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for moment, series in rows:
        if moment is not None:
            found[quarter_of(moment)][series] += 1
    return found


def _fill(indicator: Indicator, found: dict[str, Counter[str]], names: list[str]) -> Indicator:
    for quarter in indicator.rows:
        counter = found.get(quarter, Counter())
        indicator.values[quarter] = [counter[name] for name in names]
    return indicator


# 1. Records shared each way, and how long delivery took

RECORDS = ~Q(message_type__endswith=".withdraw") & ~Q(message_type__startswith="node.")


def shares(period: Period) -> Indicator:
    sent = OutboxEnvelope.objects.filter(
        RECORDS, state=OutboxState.DELIVERED, delivered_at__gte=period.start
    ).filter(delivered_at__lt=period.end)
    received = InboxEnvelope.objects.filter(
        RECORDS, status="applied", received_at__gte=period.start, received_at__lt=period.end
    )
    rejected = OutboxEnvelope.objects.filter(
        RECORDS, state=OutboxState.REJECTED, created_at__gte=period.start
    ).filter(created_at__lt=period.end)
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for name, rows, moment in (
        ("sent", sent, "delivered_at"),
        ("received", received, "received_at"),
        ("rejected", rejected, "created_at"),
    ):
        for quarter, n in _per_quarter(rows, moment, period).items():
            found[quarter][name] += n
    indicator = Indicator(
        "shares",
        _("Records shared each way"),
        DEFINITIONS["shares"],
        [_("Sent to partners"), _("Received from partners"), _("Refused by partners")],
        period.quarters,
        charted=(0, 1),
    )
    return _fill(indicator, found, ["sent", "received", "rejected"])


def _per_quarter(rows: QuerySet[Any], moment: str, period: Period) -> dict[str, int]:
    """Rows per quarter of `moment`, counted and grouped in the database (times compared
    natively: TruncQuarter calls Python once per row on SQLite)."""
    grouped = (
        rows.filter(**{f"{moment}__gte": period.start, f"{moment}__lt": period.end})
        .annotate(quarter=quarter_index(moment, period))
        .values("quarter")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {period.quarters[row["quarter"]]: row["n"] for row in grouped}


def quarter_index(moment: str, period: Period) -> Case:
    """The index in `period.quarters` of the quarter of `moment` (compared natively)."""
    whens = [
        When(
            Q(**{f"{moment}__gte": _aware(quarter_start(quarter))})
            & Q(**{f"{moment}__lt": _aware(quarter_start(next_quarter(quarter)))}),
            then=Value(index),
        )
        for index, quarter in enumerate(period.quarters)
    ]
    return Case(*whens, default=Value(None), output_field=IntegerField())


class Seconds(Func):
    """Seconds from the second time to the first, as a float, in the database's own
    arithmetic (Django's duration on SQLite calls Python once per row)."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "((julianday(%(expressions)s)) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ")


def delivery_times(period: Period) -> Indicator:
    rows = OutboxEnvelope.objects.filter(
        RECORDS, state=OutboxState.DELIVERED, delivered_at__gte=period.start
    ).filter(delivered_at__lt=period.end)
    rows = rows.annotate(
        quarter=quarter_index("delivered_at", period),
        seconds=Seconds(F("delivered_at"), F("created_at")),
    )
    quarters = period.quarters
    waits: dict[str, list[float]] = defaultdict(list)
    for index, seconds in rows.values_list("quarter", "seconds").iterator(5000):
        waits[quarters[index]].append(seconds)
    indicator = Indicator(
        "delivery",
        _("Delivery time to partners (seconds)"),
        DEFINITIONS["delivery"],
        [_("Median"), _("95th percentile"), _("Longest")],
        period.quarters,
        charted=(0, 1),
    )
    for quarter in indicator.rows:
        times = sorted(waits.get(quarter, []))
        indicator.values[quarter] = (
            [_round(statistics.median(times)), _round(_p95(times)), _round(times[-1])]
            if times
            else [None, None, None]
        )
    return indicator


def _p95(values: list[float]) -> float:
    return values[min(len(values) - 1, int(0.95 * len(values)))]


def _round(value: float) -> float:
    return round(value, 1)


# 2. Hits on shared records and their outcomes; warrants executed after a partner's hit


def _confirmed() -> Q:
    decided = HitDecision.objects.filter(hit=OuterRef("pk"), decision=HitDecisionKind.CONFIRMED)
    return Q(disposition=HitDisposition.CONFIRMED) | Q(Exists(decided))


def _false_positive() -> Q:
    decided = HitDecision.objects.filter(
        hit=OuterRef("pk"), decision=HitDecisionKind.FALSE_POSITIVE
    )
    return (Q(disposition=HitDisposition.FALSE_POSITIVE) | Q(Exists(decided))) & ~_confirmed()


def shared_hits(user: Actor, period: Period) -> QuerySet[Hit]:
    """Hits the user may see, in the period, where the hit and its person belong to two
    different services: one side met the person the other shared."""
    return (
        restrict(Hit.objects.all(), user, Action.LIST)
        .filter(encountered_on__gte=period.start, encountered_on__lt=period.end)
        .exclude(owner_node=F("person__owner_node"))
    )


def hits(user: Actor, period: Period) -> Indicator:
    here = settings.NODE_ID
    # Counted in the database, grouped by quarter: no row of the 20,000 comes to Python.
    grouped = (
        shared_hits(user, period)
        .annotate(quarter=quarter_index("encountered_on", period))
        .values("quarter")
        .annotate(
            ours=Count("pk", filter=Q(owner_node=here)),
            theirs=Count("pk", filter=~Q(owner_node=here)),
            confirmed=Count("pk", filter=_confirmed()),
            false_positive=Count("pk", filter=_false_positive()),
            located=Count("pk", filter=Q(alert__status=AlertStatus.LOCATED)),
            arrested=Count("pk", filter=Q(arrested_on__isnull=False)),
            extradited=Count("pk", filter=Q(outcome=HitOutcome.EXTRADITED)),
        )
        .order_by()
    )
    found: dict[str, Counter[str]] = defaultdict(Counter)
    names = ["ours", "theirs", "confirmed", "false_positive", "located", "arrested", "extradited"]
    for row in grouped:
        counts: dict[str, int] = dict(row)  # type: ignore[arg-type]  # counts, and the index
        found[period.quarters[counts["quarter"]]].update({n: counts[n] for n in names})
    indicator = Indicator(
        "hits",
        _("Hits on shared records and their outcomes"),
        DEFINITIONS["hits"],
        [
            _("Our hits on partners' records"),
            _("Partners' hits on our records"),
            _("Confirmed"),
            _("False positive"),
            _("Alert located"),
            _("Arrested"),
            _("Extradited"),
        ],
        period.quarters,
        charted=(0, 1, 2, 5, 6),
    )
    return _fill(indicator, found, names)


def executions(user: Actor, period: Period) -> dict[int, datetime]:
    """When each of this node's executed warrants (visible to the user) was executed: the
    time of the audited change of its status to executed."""
    warrants = restrict(Warrant.objects.all(), user, Action.LIST).filter(
        owner_node=settings.NODE_ID, status=WarrantStatus.EXECUTED
    )
    by_uid = dict(warrants.values_list("uid", "pk"))
    entries = AuditEntry.objects.filter(
        action="alter", object_type="warrant", object_id__in=[str(u) for u in by_uid]
    ).values_list("object_id", "at", "changes")
    found: dict[int, datetime] = {}
    for uid, at, changes in entries:
        status = (changes or {}).get("status")
        if status and status[-1] == WarrantStatus.EXECUTED and period.start <= at < period.end:
            found[by_uid[UUID(uid)]] = at
    return found


def warrants_after_hits(user: Actor, period: Period) -> Indicator:
    executed = executions(user, period)
    partner_hits = (
        restrict(Hit.objects.all(), user, Action.LIST)
        .exclude(owner_node=settings.NODE_ID)
        .filter(person__warrants__in=list(executed))
        .values_list("person__warrants", "encountered_on")
    )
    first_hit: dict[int, datetime] = {}
    for warrant_id, met in partner_hits:
        if (
            warrant_id in executed
            and met <= executed[warrant_id]
            and (warrant_id not in first_hit or met < first_hit[warrant_id])
        ):
            first_hit[warrant_id] = met
    found = _counts((executed[w], "after_hit") for w in first_hit)
    for moment in executed.values():
        found[quarter_of(moment)]["executed"] += 1
    indicator = Indicator(
        "warrants",
        _("Warrants executed after a partner's hit"),
        DEFINITIONS["warrants"],
        [_("Our warrants executed"), _("… after a partner's hit")],
        period.quarters,
        charted=(0, 1),
    )
    return _fill(indicator, found, ["executed", "after_hit"])


# 3. Requests for assistance


@dataclass(frozen=True)
class RequestRow:
    """What the indicators read of a request and its reply (one query for all three)."""

    owner_node: str
    request_type: str
    received_on: datetime
    status: str
    clock: clock.Clock
    refusal_category: str = ""


@dataclass
class _RequestFigures:
    count: int = 0
    closed: int = 0
    in_time: int = 0
    refused: int = 0
    hours: list[float] = field(default_factory=list)

    def add(self, row: RequestRow) -> None:
        self.count += 1
        stopped = row.clock.stopped_at
        if stopped is None:
            return
        self.closed += 1
        self.refused += row.status == Status.REFUSED
        self.in_time += not clock.overdue(row.clock, stopped)
        taken = clock.time_taken(row.clock)
        if taken is not None:
            self.hours.append(taken.total_seconds() / 3600)

    def row(self) -> list[Figure]:
        share = round(100 * self.in_time / self.closed, 1) if self.closed else None
        median = round(statistics.median(self.hours), 1) if self.hours else None
        return [self.count, self.closed, share, median, self.refused]


REQUEST_SERIES = [
    _("Requests"),
    _("Answered or refused"),
    _("Within the deadline (%)"),
    _("Median time (hours)"),
    _("Refused"),
]
REQUEST_FIELDS = (
    "owner_node",
    "request_type",
    "reply__received_on",
    "reply__status",
    "reply__due_at",
    "reply__paused_since",
    "reply__paused_seconds",
    "reply__closed_at",
    "reply__refusal_category",
)


def request_rows(user: Actor, period: Period) -> list[RequestRow]:
    """The requests the user may see that the recipient's node received in the period."""
    rows = restrict(AssistanceRequest.objects.order_by(), user, Action.LIST).filter(
        reply__received_on__gte=period.start, reply__received_on__lt=period.end
    )
    return [
        RequestRow(owner, kind, received, status, clock.Clock(received, *timing), category)
        for owner, kind, received, status, *timing, category in rows.values_list(*REQUEST_FIELDS)
    ]


def requests(
    user: Actor, period: Period, *, received: bool, rows: list[RequestRow] | None = None
) -> Indicator:
    here = settings.NODE_ID
    figures: dict[str, _RequestFigures] = defaultdict(_RequestFigures)
    for row in request_rows(user, period) if rows is None else rows:
        if (row.owner_node != here) == received:
            figures[quarter_of(row.received_on)].add(row)
    key = "requests_received" if received else "requests_sent"
    title = _("Requests received from partners") if received else _("Requests sent to partners")
    indicator = Indicator(key, title, DEFINITIONS["requests"], REQUEST_SERIES, period.quarters)
    indicator.charted = (0, 1, 4)
    for quarter in indicator.rows:
        indicator.values[quarter] = figures.get(quarter, _RequestFigures()).row()
    return indicator


def requests_by_type(
    user: Actor, period: Period, rows: list[RequestRow] | None = None
) -> Indicator:
    figures: dict[str, _RequestFigures] = defaultdict(_RequestFigures)
    for row in request_rows(user, period) if rows is None else rows:
        figures[row.request_type].add(row)
    indicator = Indicator(
        "requests_by_type",
        _("Requests for assistance by type, both ways"),
        DEFINITIONS["requests"],
        REQUEST_SERIES,
        list(RequestType.values),
        by="type",
        row_labels=dict(RequestType.choices),
        charted=(0, 4),
    )
    for kind in indicator.rows:
        indicator.values[kind] = figures.get(kind, _RequestFigures()).row()
    return indicator


# Refusals before categories existed (and a partner's node that sends none): one row.
UNCATEGORISED = "uncategorised"


def refusals(user: Actor, period: Period, rows: list[RequestRow] | None = None) -> Indicator:
    here = settings.NODE_ID
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for row in request_rows(user, period) if rows is None else rows:
        if row.status == Status.REFUSED and row.clock.stopped_at is not None:
            side = "by_us" if row.owner_node != here else "by_partners"
            found[row.refusal_category or UNCATEGORISED][side] += 1
    categories = list(RefusalCategory.values)
    indicator = Indicator(
        "refusals",
        _("Requests for assistance refused, by reason"),
        DEFINITIONS["refusals"],
        [_("Refused by this service"), _("Refused by partners")],
        categories + ([UNCATEGORISED] if UNCATEGORISED in found else []),
        by="refusal_category",
        row_labels={**dict(RefusalCategory.choices), UNCATEGORISED: _("No category given")},
        charted=(0, 1),
    )
    return _fill(indicator, found, ["by_us", "by_partners"])


# 4. Events screened and candidates reviewed


def screening(user: Actor, period: Period) -> Indicator:
    indicator = Indicator(
        "screening",
        _("Major events: lists screened and candidates reviewed"),
        DEFINITIONS["screening"],
        [
            _("Lists screened"),
            _("Applicants screened"),
            _("Candidates"),
            _("Confirmed"),
            _("Cleared"),
        ],
        period.quarters,
        charted=(2, 3, 4),
    )
    if not decide(user, Action.SEARCH):
        return _fill(indicator, {}, [])
    events = restrict(Event.objects.all(), user, Action.LIST)
    lists = AccreditationList.objects.filter(
        event__in=events, finished_at__gte=period.start, finished_at__lt=period.end
    )
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for moment, screened in lists.values_list("finished_at", "rows_screened"):
        found[_quarter(moment)]["lists"] += 1
        found[_quarter(moment)]["applicants"] += screened
    persons = restrict(Person.objects.all(), user, Action.VIEW)
    candidates = Candidate.objects.filter(list__in=lists, run=F("list__run"), person__in=persons)
    for moment, status in candidates.values_list("list__finished_at", "status"):
        found[_quarter(moment)]["candidates"] += 1
        found[_quarter(moment)][status] += 1
    names = [
        "lists",
        "applicants",
        "candidates",
        CandidateStatus.CONFIRMED,
        CandidateStatus.CLEARED,
    ]
    return _fill(indicator, found, names)


# 5. Trainings, technical assistance


def trainings(user: Actor, period: Period) -> Indicator:
    here = settings.NODE_ID
    rows = restrict(Training.objects.all(), user, Action.LIST).filter(
        starts_on__gte=period.start_date, starts_on__lt=period.end_date
    )
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for starts, provider, participants, attended in rows.values_list(
        "starts_on", "provider_node", "participants", "attended"
    ):
        counter = found[quarter_of(starts)]
        counter["given" if provider == here else "received"] += 1
        counter["participants"] += participants
        counter["attended"] += attended or 0
    indicator = Indicator(
        "trainings",
        _("Training sessions and participants"),
        DEFINITIONS["trainings"],
        [
            _("Sessions given"),
            _("Sessions received"),
            _("Participants"),
            _("Attended"),
        ],
        period.quarters,
        charted=(0, 1),
    )
    return _fill(indicator, found, ["given", "received", "participants", "attended"])


def assistance(user: Actor, period: Period) -> Indicator:
    here = settings.NODE_ID
    rows = (
        restrict(TechnicalAssistance.objects.all(), user, Action.LIST)
        .filter(starts_on__gte=period.start_date, starts_on__lt=period.end_date)
        .filter(status=AssistanceStatus.DELIVERED)
    )
    grouped = rows.values("starts_on", "provider_node").annotate(
        n=Count("id"), value=Sum("value_eur"), effort=Sum("effort_days")
    )
    found: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in grouped:
        sums = found[quarter_of(row["starts_on"])]
        sums["given" if row["provider_node"] == here else "received"] += row["n"]
        sums["value"] += float(row["value"] or 0)
        sums["effort"] += float(row["effort"] or 0)
    indicator = Indicator(
        "assistance",
        _("Technical assistance delivered"),
        DEFINITIONS["assistance"],
        [_("Given"), _("Received"), _("Value (EUR)"), _("Effort (person-days)")],
        period.quarters,
        charted=(0, 1),
    )
    for quarter in indicator.rows:
        sums = found.get(quarter, {})
        indicator.values[quarter] = [
            int(sums.get("given", 0)),
            int(sums.get("received", 0)),
            round(sums.get("value", 0.0), 2),
            round(sums.get("effort", 0.0), 1),
        ]
    return indicator


# 6. Actions on time or late, per working group


def done_on(actions: list[PlanAction]) -> dict[int, date]:
    """When each done action was done: the first version on this node that set its status
    to done (or its first version, when it was recorded done)."""
    first: dict[int, date] = {}
    done: dict[int, date] = {}
    versions = ActionVersion.objects.filter(action__in=actions).order_by("version")
    for action_id, changes, at in versions.values_list("action_id", "changes", "at"):
        day = timezone.localtime(at).date()
        first.setdefault(action_id, day)
        status = (changes or {}).get("status")
        if status and status[-1] == ActionStatus.DONE:
            done.setdefault(action_id, day)
    return {action_id: done.get(action_id, day) for action_id, day in first.items()}


ACTION_SERIES = ["on_time", "late", "overdue", "open", "stopped"]
ACTION_LABELS = (
    _("Done on time"),
    _("Done late"),
    _("Overdue"),
    _("Not yet due"),
    _("Suspended or cancelled"),
)


# Milestones (liaison/plan/milestones.py) of the same actions: reached on time, late,
# overdue (not reached, past due); those not yet due are not shown.
MILESTONE_SERIES = ["milestone_on_time", "milestone_late", "milestone_overdue"]
MILESTONE_LABELS = (
    _("Milestones reached on time"),
    _("Milestones reached late"),
    _("Milestones overdue"),
)


def action_states(user: Actor, period: Period, today: date | None = None) -> Indicator:
    today = today or timezone.localdate()
    # The actions whose dates overlap the period: their milestones may be due in it.
    overlapping = restrict(PlanAction.objects.all(), user, Action.LIST).filter(
        starts_on__lt=period.end_date, due_on__gte=period.start_date
    )
    rows = list(overlapping)
    actions = [a for a in rows if period.start_date <= a.due_on < period.end_date]
    finished = done_on([a for a in actions if a.status == ActionStatus.DONE])
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for action in actions:
        found[action.working_group or "—"][
            action_state(action, finished.get(action.pk), today)
        ] += 1
    for action in rows:
        _count_milestones(found[action.working_group or "—"], action, period, today)
    groups = sorted(group for group, counts in found.items() if counts.total())
    indicator = Indicator(
        "actions",
        _("Actions on time or late, per working group"),
        DEFINITIONS["actions"],
        [*ACTION_LABELS, *MILESTONE_LABELS],
        groups,
        by="working_group",
        charted=(0, 1, 2, 3),
    )
    return _fill(indicator, found, [*ACTION_SERIES, *MILESTONE_SERIES])


def _count_milestones(
    counts: Counter[str], action: PlanAction, period: Period, today: date
) -> None:
    """The action's milestones due in the period, by state (those not yet due: none)."""
    for milestone in milestones_of(action.milestones):
        if period.start_date <= milestone.due_on < period.end_date:
            state = milestone.state(today)
            if state != OPEN:
                counts[f"milestone_{state}"] += 1


def action_state(action: PlanAction, done: date | None, today: date) -> str:
    if action.status in (ActionStatus.SUSPENDED, ActionStatus.CANCELLED):
        return "stopped"
    if action.status == ActionStatus.DONE:
        return "on_time" if done is None or done <= action.due_on else "late"
    return "overdue" if action.due_on < today else "open"


# All of them


def compute(user: Actor, period: Period) -> list[Indicator]:
    """Every indicator for the period, as `user` may see them. The caller has checked that
    the user may see the plan (view_records)."""
    assistance_rows = request_rows(user, period)
    return [
        shares(period),
        delivery_times(period),
        hits(user, period),
        warrants_after_hits(user, period),
        requests(user, period, received=True, rows=assistance_rows),
        requests(user, period, received=False, rows=assistance_rows),
        requests_by_type(user, period, assistance_rows),
        refusals(user, period, assistance_rows),
        screening(user, period),
        trainings(user, period),
        assistance(user, period),
        action_states(user, period),
    ]


DEFINITIONS: dict[str, str | Promise] = {
    "shares": _(
        "Envelopes carrying a record or a new version of one (not withdrawals), per quarter: "
        "sent = delivered to a partner with a receipt (quarter of delivery); received = "
        "applied on this node (quarter of receipt); refused = rejected by the partner "
        "(quarter written). A record sent to two partners counts twice; each new version "
        "of a record counts again."
    ),
    "delivery": _(
        "For the envelopes counted as sent: the time from the change being written on this "
        "node to the partner's signed receipt, in seconds (median, 95th percentile, longest), "
        "per quarter of delivery. Retries and a partner's downtime are in it."
    ),
    "hits": _(
        "Hits you may see where the person met belongs to the other service (quarter of the "
        "encounter). Confirmed: by its recorder or by the person's owner (counted once); "
        "false positive: said so and never confirmed; alert located: the hit's alert is now "
        "located; arrested: its recorder has recorded an arrest after it, at any date so far "
        "(a hit counts once, in the quarter of the encounter, even if later extradited or "
        "released); extradited: its recorder has recorded the extradition. The outcomes are "
        "those the recorder last sent: a partner's outcome counts once its update arrives."
    ),
    "warrants": _(
        "This node's warrants you may see whose status was changed to executed in the quarter "
        "(the time of that audited change), and among them those with at least one hit "
        "recorded by a partner on the same person before the execution. Each warrant counts "
        "once, however many hits preceded it."
    ),
    "requests": _(
        "Requests for assistance you may see, per quarter in which the recipient's node "
        "received them. Answered or refused: closed (answered, partly answered or refused); "
        "within the deadline: share of those closed no later than their deadline, the time "
        "waiting for more information excluded; median time: from receipt to closing, the "
        "same pauses excluded. Refusals by category: the next table."
    ),
    "refusals": _(
        "The requests counted as refused (closed by a refusal), per category of refusal the "
        "recipient chose (the written reason is in each request), refused by this service "
        "or by partners, all quarters of the period together (the quarter in which the "
        "recipient's node received the request). Refusals recorded before categories "
        "existed are counted under no category given."
    ),
    "screening": _(
        "Accreditation lists of the events you may see whose screening finished in the "
        "quarter, the applicants screened in them, and the candidates of their last run on "
        "persons you may see, by their review status (confirmed, cleared; the rest wait)."
    ),
    "trainings": _(
        "Training sessions you may see, per quarter of their first day: given by this "
        "service or received from a partner, the participants and how many attended."
    ),
    "assistance": _(
        "Technical assistance you may see whose status is delivered, per quarter of its "
        "start: given or received, its value in euros and effort in person-days where known."
    ),
    "actions": _(
        "Actions you may see due in the period, per working group: done on time (done on or "
        "before the due date, by the first version on this node that marked them done), done "
        "late, overdue (not done and past due today), not yet due, suspended or cancelled. "
        "Then the milestones due in the period of the actions you may see (whatever the "
        "action's own due date): reached on time (on or before their due date), reached "
        "late, overdue (not reached and past due today); those not yet due are not counted."
    ),
}


# Cached: the dashboard page and its charts read the same figures

CACHE_SECONDS = 300


def cached(user: Actor, period: Period) -> list[Indicator]:
    """`compute`, kept for CACHE_SECONDS per user and period in the node's cache (the
    figures rest on what this user may see): the page and its charts read it once."""
    key = f"plan-indicators:{user.pk}:{period.first}:{period.last}:{settings.NODE_ID}"
    found: list[Indicator] | None = cache.get(key)
    if found is None:
        found = compute(user, period)
        cache.set(key, found, CACHE_SECONDS)
    return found

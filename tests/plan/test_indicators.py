"""The plan's indicators on known events: a partner's hit on our wanted person, confirmed
by its recorder and by us, then our warrant executed. Each counts once, in its quarter."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from liaison.accounts.models import User
from liaison.exchange.models import Peer
from liaison.plan import indicators
from liaison.plan.indicators import Period, quarter_of
from liaison.registry import actions
from liaison.registry.models import Alert, Hit, Person, Warrant
from liaison.registry.sharing import records
from liaison.registry.sharing.share import share_person
from tests.registry.conftest import person_data, warrant_data

pytestmark = pytest.mark.django_db

PERIOD = Period("2025-Q1", "2026-Q4")
SPRING = timezone.make_aware(datetime(2026, 5, 12, 9, 30))


def test_quarters_are_labelled_and_listed_in_order() -> None:
    assert quarter_of(date(2026, 3, 31)) == "2026-Q1"
    assert quarter_of(date(2026, 4, 1)) == "2026-Q2"
    assert Period("2025-Q4", "2026-Q2").quarters == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert Period.recent(4, today=date(2026, 2, 1)).quarters == [
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
    ]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-Q5", "2026-Q1"),
        ("2026", "2026-Q1"),
        ("2026-Q3", "2026-Q1"),
        ("x", ""),
        ("2016-Q1", "2026-Q1"),
        ("9999-Q1", "9999-Q4"),
    ],
)
def test_a_bad_period_is_refused(first: str, last: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(first, last)


def test_a_period_of_ten_years_is_the_longest() -> None:
    assert len(Period.parse("2016-Q1", "2025-Q4").quarters) == 40


@pytest.fixture
def lo(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)


@pytest.fixture
def wanted(lo: User, fr: Peer) -> dict[str, Any]:
    person = actions.create_person(actor=lo, data=person_data("Karim Tazi", "كريم التازي"))
    warrant = actions.create_warrant(actor=lo, person=person, data=warrant_data())
    alert = actions.create_alert(
        actor=lo,
        person=person,
        data=actions.AlertData(alert_type="locate", action_on_hit="Inform Rabat at once."),
    )
    share_person(actor=lo, person=person, partner="fr")
    return {"person": person, "warrant": warrant, "alert": alert}


def partner_hit(person: Person, alert: Alert | None, when: datetime, **extra: Any) -> Hit:
    """fr's hit on our person, applied as fr's envelope is."""
    body = records.HitBody(
        uid=uuid.uuid4(),
        owner="fr",
        version=1,
        handling_code="H0",
        person=person.uid,
        alert=alert.uid if alert else None,
        encountered_name="Karim Tazi",
        encountered_on=when,
        place="Marseille, port",
        context="border_check",
        recorded_by_name="fr-officer",
        score=0.97,
        disposition=extra.get("disposition", "pending"),
        action_taken="Held for checks.",
    )
    records.apply_hit("fr", body)
    return Hit.objects.get(uid=body.uid)


def _executed(lo: User, warrant: Warrant) -> None:
    actions.set_warrant_status(
        actor=lo, warrant=warrant, status="executed", reason="Arrested at Tanger Med."
    )


def test_a_confirmed_hit_and_the_warrant_executed_count_once_in_their_quarters(
    lo: User, wanted: dict[str, Any]
) -> None:
    # fr confirmed it itself (its disposition) and we confirm it too: one confirmed hit.
    hit = partner_hit(wanted["person"], wanted["alert"], SPRING, disposition="confirmed")
    actions.decide_hit(actor=lo, hit=hit, decision="confirmed", message="It is him: arrest.")
    # A second, earlier hit on the same person: the warrant still counts once.
    partner_hit(wanted["person"], None, SPRING.replace(month=4))
    _executed(lo, wanted["warrant"])
    now = quarter_of(timezone.now())

    hits = indicators.hits(lo, PERIOD)
    # ours, theirs, confirmed, false, located, arrested, extradited
    assert hits.row("2026-Q2") == [0, 2, 1, 0, 1, 0, 0]
    assert sum(hits.total(i) for i in range(7)) == 4
    warrants = indicators.warrants_after_hits(lo, PERIOD)
    assert warrants.row(now) == [1, 1]
    assert warrants.total(0) == warrants.total(1) == 1


def test_a_warrant_executed_before_any_hit_is_not_counted_as_after_one(
    lo: User, wanted: dict[str, Any]
) -> None:
    _executed(lo, wanted["warrant"])
    partner_hit(wanted["person"], None, timezone.now().replace(year=2027))
    warrants = indicators.warrants_after_hits(lo, Period("2026-Q1", "2027-Q4"))
    assert (warrants.total(0), warrants.total(1)) == (1, 0)


def test_our_own_hit_on_our_own_person_is_not_a_hit_on_a_shared_record(
    lo: User, wanted: dict[str, Any]
) -> None:
    data = actions.HitData(
        encountered_name="Karim Tazi",
        encountered_on=SPRING,
        place="Rabat",
        context="investigation",
    )
    actions.record_hit(actor=lo, person=wanted["person"], data=data)
    assert indicators.hits(lo, PERIOD).total(1) == 0
    assert Hit.objects.count() == 1


def test_hits_on_an_h3_person_are_not_counted_for_those_not_named(
    lo: User, wanted: dict[str, Any], make_user: Callable[..., User]
) -> None:
    partner_hit(wanted["person"], None, SPRING)
    colleague = make_user("colleague", "officer")
    assert indicators.hits(colleague, PERIOD).total(1) == 1
    Person.objects.filter(pk=wanted["person"].pk).update(handling_code="H3")
    assert indicators.hits(colleague, PERIOD).total(1) == 0
    assert indicators.hits(lo, PERIOD).total(1) == 1  # its creator is named on it


def test_those_who_may_not_see_records_get_no_figures(
    lo: User, wanted: dict[str, Any], make_user: Callable[..., User]
) -> None:
    partner_hit(wanted["person"], None, SPRING)
    auditor = make_user("aud", "auditor")
    assert indicators.hits(auditor, PERIOD).total(1) == 0


def test_records_shared_count_delivered_envelopes_each_way_and_their_delivery_time(
    lo: User, wanted: dict[str, Any]
) -> None:
    from liaison.exchange.models import InboxEnvelope, OutboxEnvelope

    # Sharing the person queued its envelope: not counted until the partner's receipt.
    queued = OutboxEnvelope.objects.filter(message_type="person.upsert")
    assert queued.count() == 1 and indicators.shares(PERIOD).total(0) == 0
    written = queued.get().created_at
    queued.update(state="delivered", delivered_at=written + timedelta(seconds=12))
    InboxEnvelope.objects.create(
        envelope_id=uuid.uuid4(),
        sender="fr",
        seq=1,
        message_type="hit.notify",
        status="applied",
        sent_at=SPRING,
    )
    InboxEnvelope.objects.create(
        envelope_id=uuid.uuid4(),
        sender="fr",
        seq=2,
        message_type="warrant.withdraw",
        status="applied",
        sent_at=SPRING,
    )
    now = quarter_of(timezone.now())
    assert indicators.shares(PERIOD).row(now) == [1, 1, 0]  # the withdrawal is no record
    assert indicators.delivery_times(PERIOD).row(now) == [12.0, 12.0, 12.0]


def _request(
    lo: User,
    hours: float | None,
    status: str,
    *,
    paused: int = 0,
    category: str = "",
    owner: str = "fr",
) -> None:
    from liaison.assistance.models import AssistanceRequest, Reply

    request = AssistanceRequest.objects.create(
        owner_node=owner,
        recipient_node="fr" if owner == "ma" else "ma",
        request_type="locate",
        subject="Locate K.T.",
        text="Where is he?",
        urgency="urgent",
        requested_by_name="fr-officer",
    )
    Reply.objects.create(
        request=request,
        owner_node="fr" if owner == "ma" else "ma",
        status=status,
        refusal_category=category,
        received_on=SPRING,
        due_at=SPRING + timedelta(hours=72 + paused / 3600),
        paused_seconds=paused,
        closed_at=None if hours is None else SPRING + timedelta(hours=hours),
    )


def test_requests_answered_within_the_deadline_exclude_the_time_paused(lo: User) -> None:
    _request(lo, 10, "answered")
    _request(lo, 100, "answered", paused=40 * 3600)  # 60 h of work: in time
    _request(lo, 80, "refused")  # after the 72 h deadline
    _request(lo, None, "acknowledged")
    received = indicators.requests(lo, PERIOD, received=True)
    assert received.row("2026-Q2") == [4, 3, 66.7, 60.0, 1]
    assert indicators.requests(lo, PERIOD, received=False).total(0) == 0
    by_type = indicators.requests_by_type(lo, PERIOD)
    assert by_type.row("locate")[:2] == [4, 3] and by_type.total(0) == 4


def test_actions_are_on_time_or_late_by_the_version_that_marked_them_done(
    officer: User, shared_objective: Any
) -> None:
    from liaison.plan.actions import create_action, update_action
    from tests.plan.conftest import action_data

    due = date(2026, 6, 30)
    late = create_action(actor=officer, objective=shared_objective, data=action_data(due_on=due))
    create_action(
        actor=officer,
        objective=shared_objective,
        data=action_data(working_group="Cybercrime", status="done", due_on=due),
    )
    actions_ = indicators.action_states(officer, PERIOD, today=date(2026, 7, 1))
    assert actions_.rows == ["Cybercrime", "Fugitifs"]
    # The one recorded done was done on its first version (today, after its due date).
    assert actions_.row("Cybercrime") == [0, 1, 0, 0, 0, 0, 0, 0]
    assert actions_.row("Fugitifs") == [0, 0, 1, 0, 0, 0, 0, 0]
    update_action(actor=officer, action=late, data=action_data(due_on=due, status="done"))
    after = indicators.action_states(officer, PERIOD, today=date(2026, 7, 1))
    assert after.row("Fugitifs") == [0, 1, 0, 0, 0, 0, 0, 0]


def test_milestones_due_in_the_period_count_reached_on_time_late_or_overdue(
    officer: User, shared_objective: Any
) -> None:
    from liaison.plan.actions import create_action
    from tests.plan.conftest import action_data

    def milestone(title: str, due: date, reached: date | None = None) -> dict[str, Any]:
        return {"title": title, "due_on": due, "reached_on": reached}

    # An action due after the period: its milestones due in the period still count.
    create_action(
        actor=officer,
        objective=shared_objective,
        data=action_data(
            starts_on=date(2026, 1, 5),
            due_on=date(2027, 3, 31),
            milestones=[
                milestone("Listes croisées", date(2026, 3, 1), date(2026, 2, 20)),  # on time
                milestone("Premier échange", date(2026, 3, 31), date(2026, 3, 31)),  # on time
                milestone("Bilan", date(2026, 5, 15), date(2026, 5, 20)),  # late
                milestone("Revue", date(2026, 6, 1)),  # overdue on 1 July
                milestone("Suivi", date(2026, 12, 1)),  # not yet due: not counted
                milestone("Clôture", date(2027, 2, 1)),  # after the period
            ],
        ),
    )
    create_action(
        actor=officer,
        objective=shared_objective,
        data=action_data(
            working_group="Cybercrime",
            starts_on=date(2024, 1, 1),
            due_on=date(2026, 4, 30),
            milestones=[
                milestone("Avant la période", date(2024, 6, 1)),  # before the period
                milestone("Outil livré", date(2026, 4, 1)),  # overdue
            ],
        ),
    )
    found = indicators.action_states(officer, Period("2026-Q1", "2026-Q4"), date(2026, 7, 1))
    assert found.rows == ["Cybercrime", "Fugitifs"]
    # Actions (the first is due after the period: not counted), then milestones.
    assert found.row("Fugitifs") == [0, 0, 0, 0, 0, 2, 1, 1]
    assert found.row("Cybercrime") == [0, 0, 1, 0, 0, 0, 0, 1]
    assert [str(s) for s in found.series[5:]] == [
        "Milestones reached on time",
        "Milestones reached late",
        "Milestones overdue",
    ]


def test_trainings_count_sessions_each_way_and_participants(officer: User) -> None:
    from liaison.plan.delivery import create_training
    from tests.plan.conftest import training_data

    create_training(actor=officer, data=training_data())  # fr trained ma, 2025-10-06
    create_training(actor=officer, data=training_data(provider_node="ma", receiver_node="fr"))
    row = indicators.trainings(officer, PERIOD).row("2025-Q4")
    assert row == [1, 1, 36, 34]


def test_arrests_and_extraditions_count_once_per_hit_in_the_quarter_of_the_encounter(
    lo: User, wanted: dict[str, Any]
) -> None:
    """fr met our person three times; it records an arrest then the extradition on the
    first, an arrest then a release on the second; the third has no outcome."""
    first = partner_hit(wanted["person"], None, SPRING, disposition="confirmed")
    second = partner_hit(wanted["person"], None, SPRING.replace(month=8), disposition="confirmed")
    partner_hit(wanted["person"], None, SPRING.replace(month=9), disposition="confirmed")
    arrest, extradition = date(2026, 5, 13), date(2026, 7, 2)
    Hit.objects.filter(pk=first.pk).update(
        outcome="extradited", outcome_on=extradition, arrested_on=arrest
    )
    Hit.objects.filter(pk=second.pk).update(
        outcome="released", outcome_on=date(2026, 8, 20), arrested_on=date(2026, 8, 19)
    )

    hits = indicators.hits(lo, PERIOD)

    assert hits.row("2026-Q2")[1:] == [1, 1, 0, 0, 1, 1]  # extradited after its arrest: once
    assert hits.row("2026-Q3")[1:] == [2, 2, 0, 0, 1, 0]  # released: still an arrest
    assert (hits.total(5), hits.total(6)) == (2, 1)
    assert hits.charted == (0, 1, 2, 5, 6)


def test_refusals_are_counted_by_category_each_way(lo: User) -> None:
    _request(lo, 10, "refused", category="no_legal_basis")
    _request(lo, 20, "refused", category="no_legal_basis")
    _request(lo, 30, "refused", category="investigation", owner="ma")  # ours, refused by fr
    _request(lo, 40, "answered")
    _request(lo, None, "acknowledged")

    refused = indicators.refusals(lo, PERIOD)

    assert refused.rows == [
        "no_legal_basis",
        "competence",
        "insufficient",
        "data_protection",
        "investigation",
        "other",
    ]
    assert refused.row("no_legal_basis") == [2, 0]  # refused by us, by partners
    assert refused.row("investigation") == [0, 1]
    assert refused.total(0) + refused.total(1) == 3
    # Each refusal is in the requests' own "Refused" column too: the same three.
    both = (
        indicators.requests(lo, PERIOD, received=True),
        indicators.requests(lo, PERIOD, received=False),
    )
    assert sum(table.total(4) for table in both) == 3


def test_refusals_made_before_categories_have_their_own_row(lo: User) -> None:
    _request(lo, 10, "refused")
    refused = indicators.refusals(lo, PERIOD)
    assert refused.rows[-1] == indicators.UNCATEGORISED
    assert refused.row(indicators.UNCATEGORISED) == [1, 0]
    assert str(refused.table()[-1][0]) == "No category given"

"""Retention, read back from the database: what expires (the day after the review date, not
on it), what partners are told, what is left alone (partners' copies), `review-records`
and its dry run, and an extended review date that is really saved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.registry import actions
from liaison.registry.actions import RegistryError
from liaison.registry.models import Alert, Person, Warrant
from liaison.registry.sharing.share import share_person
from tests.registry.conftest import arrest_alert, person_data, warrant_data

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


@pytest.fixture
def lo(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)


@pytest.fixture
def shared(lo: User, fr: Peer) -> tuple[Person, Warrant, Alert]:
    """A person of this node with a warrant and an alert, all three shared with fr."""
    person = actions.create_person(actor=lo, data=person_data("Retention Case"))
    warrant = actions.create_warrant(actor=lo, person=person, data=warrant_data())
    alert = actions.create_alert(actor=lo, person=person, data=arrest_alert(warrant))
    share_person(actor=lo, person=person, partner="fr")
    sent = set(OutboxEnvelope.objects.values_list("message_type", flat=True))
    assert sent == {"person.upsert", "warrant.upsert", "alert.upsert"}
    return person, warrant, alert


def review_on(record: Alert | Warrant, days_from_today: int) -> None:
    type(record).objects.filter(pk=record.pk).update(
        review_date=timezone.localdate() + timedelta(days=days_from_today)
    )


def withdrawals() -> list[tuple[str, str]]:
    rows = OutboxEnvelope.objects.filter(message_type__endswith=".withdraw").order_by("seq")
    return [(row.message_type, row.object_uid) for row in rows]


def erased_entries() -> list[tuple[str, str]]:
    rows = AuditEntry.objects.filter(action="erase").order_by("seq")
    return [(e.object_type, e.object_id) for e in rows]


def test_a_record_is_kept_on_its_review_date_and_erased_the_day_after(
    shared: tuple[Person, Warrant, Alert],
) -> None:
    _, warrant, alert = shared
    review_on(warrant, 0)  # today: not yet passed
    review_on(alert, -1)  # yesterday: passed

    erased = actions.erase_expired_records()

    assert erased == [f"alert:{alert.uid}"]
    assert not Alert.objects.filter(pk=alert.pk).exists()
    assert Warrant.objects.filter(pk=warrant.pk).exists()
    assert erased_entries() == [("alert", str(alert.uid))]

    tomorrow = timezone.localdate() + timedelta(days=1)
    assert actions.erase_expired_records(today=tomorrow) == [f"warrant:{warrant.uid}"]
    assert not Warrant.objects.filter(pk=warrant.pk).exists()


def test_an_expired_shared_record_is_withdrawn_from_the_partner(
    shared: tuple[Person, Warrant, Alert],
) -> None:
    person, warrant, alert = shared
    review_on(warrant, -1)
    review_on(alert, -3)

    actions.erase_expired_records()

    assert sorted(withdrawals()) == [
        ("alert.withdraw", str(alert.uid)),
        ("warrant.withdraw", str(warrant.uid)),
    ]
    row = OutboxEnvelope.objects.get(message_type="alert.withdraw")
    assert row.peer.node_id == "fr" and row.payload["object"]["owner"] == "ma"
    assert not Share.objects.filter(object_uid__in=[warrant.uid, alert.uid]).exists()
    assert Share.objects.filter(object_uid=person.uid).exists()  # the person stays shared


def test_partners_copies_past_their_review_date_are_left_alone(
    lo: User, fr: Peer, make_user: Callable[..., User]
) -> None:
    """A copy is its owner's to keep or withdraw: this node's review run does not touch it."""
    person = actions.create_person(actor=lo, data=person_data("Partner Copy"))
    warrant = actions.create_warrant(actor=lo, person=person, data=warrant_data())
    alert = actions.create_alert(actor=lo, person=person, data=arrest_alert(warrant))
    now = timezone.now()
    for model, pk in ((Person, person.pk), (Warrant, warrant.pk), (Alert, alert.pk)):
        model.objects.filter(pk=pk).update(owner_node="fr", received_at=now)  # type: ignore[attr-defined]
    review_on(warrant, -30)
    review_on(alert, -30)
    out = StringIO()

    call_command("review-records", stdout=out)

    assert Warrant.objects.filter(pk=warrant.pk).exists()
    assert Alert.objects.filter(pk=alert.pk).exists()
    assert withdrawals() == [] and erased_entries() == []
    assert out.getvalue() == "0 record(s) erased.\n"


def test_review_records_lists_what_is_due_and_erases_what_has_passed(
    shared: tuple[Person, Warrant, Alert],
) -> None:
    _, warrant, alert = shared
    review_on(warrant, 10)  # due within four months: listed, kept
    review_on(alert, -1)  # passed: listed, erased
    today = timezone.localdate()
    out = StringIO()

    call_command("review-records", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        f"due {today - timedelta(days=1):%Y-%m-%d} alert {alert.uid}",
        f"due {today + timedelta(days=10):%Y-%m-%d} warrant {warrant.uid}",
        f"erased alert:{alert.uid}",
        "1 record(s) erased.",
    ]
    assert not Alert.objects.filter(pk=alert.pk).exists()
    assert Warrant.objects.filter(pk=warrant.pk).exists()
    assert erased_entries() == [("alert", str(alert.uid))]
    assert withdrawals() == [("alert.withdraw", str(alert.uid))]


def test_review_records_dry_run_lists_and_changes_nothing(
    shared: tuple[Person, Warrant, Alert],
) -> None:
    _, warrant, alert = shared
    review_on(warrant, -2)
    review_on(alert, -1)
    entries, envelopes = AuditEntry.objects.count(), OutboxEnvelope.objects.count()
    out = StringIO()

    call_command("review-records", "--dry-run", stdout=out)

    today = timezone.localdate()
    assert out.getvalue().splitlines() == [
        f"due {today - timedelta(days=1):%Y-%m-%d} alert {alert.uid}",
        f"due {today - timedelta(days=2):%Y-%m-%d} warrant {warrant.uid}",
    ]
    assert Alert.objects.filter(pk=alert.pk).exists()
    assert Warrant.objects.filter(pk=warrant.pk).exists()
    assert AuditEntry.objects.count() == entries and OutboxEnvelope.objects.count() == envelopes


# Extending a review date


@pytest.mark.parametrize("kind", ["alert", "warrant"])
def test_an_extended_review_date_is_saved_and_sent_to_partners(
    shared: tuple[Person, Warrant, Alert], supervisor: User, kind: str
) -> None:
    _, warrant, alert = shared
    record: Alert | Warrant = alert if kind == "alert" else warrant
    review_on(record, -1)  # passed: the next review run would erase it unless extended
    later = timezone.localdate() + timedelta(days=4000)
    why = "The suspect is still at large abroad."

    actions.extend_review(actor=supervisor, record=record, new_date=later, justification=why)

    row = type(record).objects.get(pk=record.pk)  # the row, not the returned object
    assert (row.review_date, row.version) == (later, 2)
    if isinstance(row, Alert):
        assert row.extension_justification == why
    sent = OutboxEnvelope.objects.filter(message_type=f"{kind}.upsert").order_by("-seq").first()
    assert sent is not None and sent.object_version == 2
    assert sent.payload["object"]["review_date"] == later.isoformat()
    entry = AuditEntry.objects.get(action="alter", object_type=kind)
    assert entry.changes is not None
    assert entry.changes["review_date"][1] == later.isoformat()
    assert actions.erase_expired_records() == []
    assert type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("days", [0, -1])
def test_extending_to_today_or_the_past_is_refused_and_changes_nothing(
    shared: tuple[Person, Warrant, Alert], supervisor: User, days: int
) -> None:
    _, _, alert = shared
    before = Alert.objects.values("review_date", "version", "extension_justification").get(
        pk=alert.pk
    )
    entries, envelopes = AuditEntry.objects.count(), OutboxEnvelope.objects.count()
    with pytest.raises(RegistryError, match="future"):
        actions.extend_review(
            actor=supervisor,
            record=alert,
            new_date=timezone.localdate() + timedelta(days=days),
            justification="The suspect is still at large abroad.",
        )
    after = Alert.objects.values("review_date", "version", "extension_justification").get(
        pk=alert.pk
    )
    assert after == before
    assert AuditEntry.objects.count() == entries and OutboxEnvelope.objects.count() == envelopes


# A new record's review date


def test_a_new_record_is_reviewed_the_configured_years_ahead_to_the_day(
    lo: User, settings: Any
) -> None:
    settings.REVIEW_YEARS = 3
    person = actions.create_person(actor=lo, data=person_data("Default Review"))
    warrant = actions.create_warrant(actor=lo, person=person, data=warrant_data())
    expected = timezone.localdate() + timedelta(days=1096)  # 3 years of 365.25 days, rounded
    assert Person.objects.get(pk=person.pk).review_date == expected
    assert Warrant.objects.get(pk=warrant.pk).review_date == expected


def test_a_new_record_may_be_reviewed_on_the_default_date_or_earlier_not_later(
    lo: User,
) -> None:
    default = actions.default_review_date()
    person = actions.create_person(actor=lo, data=person_data("Early Review"))
    on_default = actions.create_warrant(
        actor=lo, person=person, data=warrant_data(review_date=default, reference="R-1")
    )
    earlier = default - timedelta(days=30)
    early = actions.create_warrant(
        actor=lo, person=person, data=warrant_data(review_date=earlier, reference="R-2")
    )
    assert Warrant.objects.get(pk=on_default.pk).review_date == default
    assert Warrant.objects.get(pk=early.pk).review_date == earlier

    warrants, entries = Warrant.objects.count(), AuditEntry.objects.count()
    later = default + timedelta(days=1)
    with pytest.raises(RegistryError, match="at most"):
        actions.create_warrant(
            actor=lo, person=person, data=warrant_data(review_date=later, reference="R-3")
        )
    assert Warrant.objects.count() == warrants and AuditEntry.objects.count() == entries

"""The deadline clock's rules, as pure functions with the time passed in (never slept)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liaison.assistance import clock
from liaison.assistance.clock import Clock, Limits

LIMITS = Limits.from_hours({"urgent_direct": 8, "urgent": 72, "normal": 168})
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _received(urgency: str = "normal", agreed: datetime | None = None) -> Clock:
    return Clock(T0, clock.first_deadline(T0, urgency, LIMITS, agreed))


@pytest.mark.parametrize(
    ("urgency", "hours"), [("urgent_direct", 8), ("urgent", 72), ("normal", 168)]
)
def test_the_deadline_counts_from_receipt_by_urgency(urgency: str, hours: int) -> None:
    assert _received(urgency).due_at == T0 + hours * HOUR


def test_an_agreed_date_is_the_deadline() -> None:
    agreed = T0 + 30 * HOUR
    assert _received("agreed", agreed).due_at == agreed


def test_an_agreed_urgency_without_its_date_is_refused() -> None:
    with pytest.raises(ValueError, match="agreed"):
        clock.first_deadline(T0, "agreed", LIMITS)


def test_limits_come_from_the_configured_hours() -> None:
    limits = Limits.from_hours({"urgent_direct": 1, "urgent": 2, "normal": 3})
    assert clock.first_deadline(T0, "urgent", limits) == T0 + 2 * HOUR


def test_time_left_runs_down_and_turns_overdue_after_the_deadline() -> None:
    running = _received("urgent_direct")
    assert clock.time_left(running, T0 + 3 * HOUR) == 5 * HOUR
    assert not clock.overdue(running, T0 + 8 * HOUR)
    assert clock.overdue(running, T0 + 8 * HOUR + timedelta(seconds=1))
    assert clock.time_left(running, T0 + 9 * HOUR) == -HOUR


def test_a_pause_moves_the_deadline_by_the_time_paused() -> None:
    paused = clock.paused(_received("urgent_direct"), T0 + 2 * HOUR)
    # While paused: never overdue, no time left shown, the deadline moves on with time.
    assert not clock.overdue(paused, T0 + 20 * HOUR)
    assert clock.time_left(paused, T0 + 20 * HOUR) is None
    assert clock.deadline(paused, T0 + 5 * HOUR) == T0 + 11 * HOUR
    resumed = clock.resumed(paused, T0 + 5 * HOUR)
    assert resumed.due_at == T0 + 11 * HOUR
    assert resumed.paused_since is None and resumed.paused_seconds == 3 * 3600
    assert clock.time_left(resumed, T0 + 5 * HOUR) == 6 * HOUR


def test_pausing_twice_keeps_the_first_pause_and_resuming_a_running_clock_changes_nothing() -> None:
    paused = clock.paused(_received(), T0 + HOUR)
    assert clock.paused(paused, T0 + 2 * HOUR) == paused
    running = _received()
    assert clock.resumed(running, T0 + HOUR) == running


def test_two_pauses_add_up() -> None:
    first = clock.resumed(clock.paused(_received("urgent_direct"), T0 + HOUR), T0 + 2 * HOUR)
    second = clock.resumed(clock.paused(first, T0 + 3 * HOUR), T0 + 5 * HOUR)
    assert second.paused_seconds == 3 * 3600
    assert second.due_at == T0 + 11 * HOUR


def test_an_answer_stops_the_clock_and_the_time_taken_leaves_out_the_pause() -> None:
    paused = clock.paused(_received("urgent_direct"), T0 + HOUR)
    done = clock.stopped(paused, T0 + 7 * HOUR)  # answered while waiting: the pause ends
    assert done.stopped_at == T0 + 7 * HOUR and done.paused_since is None
    assert clock.time_taken(done) == 1 * HOUR
    assert clock.time_left(done, T0 + 100 * HOUR) is None
    assert not clock.overdue(done, T0 + 100 * HOUR)  # stopped in time stays in time
    assert clock.deadline(done, T0 + 100 * HOUR) == T0 + 14 * HOUR


def test_an_answer_after_the_deadline_stays_overdue() -> None:
    done = clock.stopped(_received("urgent_direct"), T0 + 9 * HOUR)
    assert clock.overdue(done, T0 + 9 * HOUR)
    assert clock.time_taken(done) == 9 * HOUR


def test_an_open_request_has_no_time_taken() -> None:
    assert clock.time_taken(_received()) is None


def test_a_clock_stopped_while_paused_counts_the_pause_up_to_the_stop() -> None:
    # Withdrawn while the recipient waited on the requester: stored paused, read stopped.
    paused = clock.paused(_received("urgent_direct"), T0 + HOUR)
    withdrawn = Clock(paused.received_on, paused.due_at, paused.paused_since, 0, T0 + 20 * HOUR)
    assert clock.time_taken(withdrawn) == HOUR
    assert clock.deadline(withdrawn, T0 + 100 * HOUR) == T0 + 27 * HOUR
    assert not clock.overdue(withdrawn, T0 + 100 * HOUR)

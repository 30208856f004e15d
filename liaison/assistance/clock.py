"""The deadline clock of a request for assistance: pure functions, the time passed in.

The clock starts when the request is received on the recipient's node. The limit comes
from the urgency (`Limits`, configured in settings.ASSISTANCE_DEADLINE_HOURS) or is the
date agreed. While the recipient waits on the requester ("more information asked") the
clock is paused: the deadline moves by the time paused. It stops when the request is
answered, partly answered, refused or withdrawn. Only the recipient computes the
deadline; it travels to the requester with the reply, so both nodes show the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limits:
    """How long the recipient has, per urgency."""

    urgent_direct: timedelta
    urgent: timedelta
    normal: timedelta

    @classmethod
    def from_hours(cls, hours: dict[str, int]) -> Limits:
        return cls(**{name: timedelta(hours=hours[name]) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Clock:
    """A request's clock as stored on its reply: `due_at` is the deadline as of the last
    change (when paused: as it stood when the pause began)."""

    received_on: datetime
    due_at: datetime
    paused_since: datetime | None = None
    paused_seconds: int = 0
    stopped_at: datetime | None = None


def first_deadline(
    received_on: datetime, urgency: str, limits: Limits, agreed: datetime | None = None
) -> datetime:
    """The deadline when the request is received: receipt + the urgency's limit, or the
    date agreed."""
    if urgency == "agreed":
        if agreed is None:
            raise ValueError("an agreed deadline needs its date")
        return agreed
    limit: timedelta = getattr(limits, urgency)
    return received_on + limit


def deadline(clock: Clock, now: datetime) -> datetime:
    """The deadline now: a paused clock moves it on by the time paused so far."""
    clock = _settled(clock)
    if clock.paused_since is not None:
        return clock.due_at + max(now - clock.paused_since, timedelta(0))
    return clock.due_at


def paused(clock: Clock, now: datetime) -> Clock:
    """The clock stopped while the requester is asked for more information."""
    if clock.paused_since is not None:
        return clock
    return Clock(clock.received_on, clock.due_at, now, clock.paused_seconds, clock.stopped_at)


def resumed(clock: Clock, now: datetime) -> Clock:
    """The requester answered: the deadline moves on by the time paused."""
    if clock.paused_since is None:
        return clock
    waited = max(now - clock.paused_since, timedelta(0))
    seconds = clock.paused_seconds + int(waited.total_seconds())
    return Clock(clock.received_on, clock.due_at + waited, None, seconds, clock.stopped_at)


def stopped(clock: Clock, now: datetime) -> Clock:
    """Answered, refused or withdrawn: a pause still running ends here."""
    running = resumed(clock, now)
    return Clock(running.received_on, running.due_at, None, running.paused_seconds, now)


def time_left(clock: Clock, now: datetime) -> timedelta | None:
    """Until the deadline (negative when overdue); None once stopped or while paused."""
    if clock.stopped_at is not None or clock.paused_since is not None:
        return None
    return clock.due_at - now


def _settled(clock: Clock) -> Clock:
    """A clock stopped while paused (withdrawn while waiting): the pause ends at the stop."""
    if clock.stopped_at is None or clock.paused_since is None:
        return clock
    return stopped(clock, clock.stopped_at)


def overdue(clock: Clock, now: datetime) -> bool:
    """Past its deadline: still open after it, or closed after it. Never while paused."""
    clock = _settled(clock)
    if clock.stopped_at is not None:
        return clock.stopped_at > clock.due_at
    if clock.paused_since is not None:
        return False
    return now > clock.due_at


def time_taken(clock: Clock) -> timedelta | None:
    """From receipt to the answer, less the time spent waiting on the requester."""
    clock = _settled(clock)
    if clock.stopped_at is None:
        return None
    return clock.stopped_at - clock.received_on - timedelta(seconds=clock.paused_seconds)

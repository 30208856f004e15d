"""Where a request's clock stands at a given time: read from its reply by the pure clock
functions, for the pages, the API and the CSV export alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from liaison.assistance import clock
from liaison.assistance.models import AssistanceRequest


@dataclass(frozen=True)
class Timing:
    received_on: datetime | None = None
    acknowledged_at: datetime | None = None
    stopped_at: datetime | None = None
    due_at: datetime | None = None
    paused: bool = False
    time_left: timedelta | None = None
    overdue: bool = False
    time_taken: timedelta | None = None
    escalated: bool = False


def timing(record: AssistanceRequest, now: datetime) -> Timing:
    """The request's clock at `now` (nothing before the partner received it)."""
    reply = record.reply_or_none()
    if reply is None:
        return Timing()
    value = reply.as_clock(record.withdrawn_at)
    return Timing(
        received_on=reply.received_on,
        acknowledged_at=reply.acknowledged_at,
        stopped_at=value.stopped_at,
        due_at=clock.deadline(value, now),
        paused=value.paused_since is not None and value.stopped_at is None,
        time_left=clock.time_left(value, now),
        overdue=clock.overdue(value, now),
        time_taken=clock.time_taken(value),
        escalated=reply.escalated_at is not None,
    )


def hours(value: timedelta | None) -> str:
    """A duration in hours with one decimal, "" when there is none."""
    return "" if value is None else f"{value.total_seconds() / 3600:.1f}"

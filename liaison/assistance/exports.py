"""CSV export of requests for assistance with their timings, for the cooperation review.
The caller passes the rows already scoped to the user; the export is audited as a
consultation before it is sent."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

from liaison.assistance.choices import Status
from liaison.assistance.models import AssistanceRequest
from liaison.assistance.timing import hours, timing
from liaison.audit.actions import log_event
from liaison.safecsv import SafeWriter

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

HEADER = [
    "request uid",
    "direction",
    "partner",
    "type",
    "urgency",
    "handling code",
    "status",
    "refusal category",
    "sent",
    "received",
    "acknowledged",
    "answered or closed",
    "deadline",
    "time taken (hours)",
    "overdue",
]


def _when(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _category(record: AssistanceRequest) -> str:
    reply = record.reply_or_none()
    return reply.refusal_category if reply is not None and record.status == Status.REFUSED else ""


def export_rows(rows: Iterable[AssistanceRequest], *, now: datetime) -> Iterator[list[str]]:
    yield HEADER
    for record in rows:
        clock = timing(record, now)
        sent = record.history[0].get("at", "") if record.history else ""
        local = record.is_local
        yield [
            str(record.uid),
            "sent" if local else "received",
            record.recipient_node if local else record.owner_node,
            record.request_type,
            record.urgency,
            record.effective_handling_code,
            record.status,
            _category(record),
            str(sent),
            _when(clock.received_on),
            _when(clock.acknowledged_at),
            _when(clock.stopped_at),
            _when(clock.due_at),
            hours(clock.time_taken),
            "yes" if clock.overdue else "no",
        ]


def write_csv(
    rows: Iterable[AssistanceRequest], stream: SupportsWrite[str], *, now: datetime
) -> None:
    SafeWriter(stream).writerows(export_rows(rows, now=now))


def log_export(request: HttpRequest, count: int) -> None:
    """Audited before it is sent: an export that cannot be audited does not happen."""
    log_event(
        action="consult",
        request=request,
        object_type="request",
        detail={"export": "csv", "count": count, "node": settings.NODE_ID},
    )

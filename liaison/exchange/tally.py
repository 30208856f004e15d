"""Unauthenticated refusals, counted per source and window instead of audited one by one.

A request refused before its signature could be checked (too large, no length, malformed,
unknown sender, bad signature) proves nothing about who sent it: anyone can send a
hundred a second. Each is still counted, and the audit log still shows that it happened,
but at a bounded rate:

- the first refusal of a window for a (source, reason) is audited on its own, as before;
- the others only add to a counter row (`RefusalTally`);
- when the window has closed, one summary entry gives the count (all of the window's,
  the first included), the first and last times, the reason and the source; the row is
  then deleted. Summaries are written by the exchange worker's periodic job and, lazily,
  by the next refusal.

A source is the client address (an IPv6 address counts by its /64, which one host
usually holds whole). Past `LIAISON_REFUSAL_SOURCES` distinct sources in one window, new
ones are counted together as source "*", so a spread-out attack also costs a bounded
number of entries: at most (sources + 1) x reasons x 2 per window. A source past
`LIAISON_REFUSAL_LIMIT` refusals in a window is answered 429 without a signed receipt.

Refusals of signed envelopes (a partner's) stay one audit entry each: the partner is
known and answerable.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from liaison.audit.actions import log_event
from liaison.config import env_int
from liaison.exchange.models import RefusalTally
from liaison.exchange.protocol import ProtocolError, Reason, printable

UNAUTHENTICATED = frozenset(
    {
        Reason.TOO_LARGE,
        Reason.LENGTH_REQUIRED,
        Reason.MALFORMED,
        Reason.UNKNOWN_SENDER,
        Reason.BAD_SIGNATURE,
    }
)
MANY_SOURCES = "*"
FLUSH_BATCH = 100


# Read at use, not import: tests and operators set them per process.
def window_seconds() -> int:
    return max(env_int("LIAISON_REFUSAL_WINDOW", 60), 1)


def max_sources() -> int:
    return env_int("LIAISON_REFUSAL_SOURCES", 50)


def rate_limit() -> int:
    return env_int("LIAISON_REFUSAL_LIMIT", 600)


@dataclass(frozen=True)
class Counted:
    """What counting one refusal gave: its count in the window, and whether to answer it."""

    count: int
    limited: bool
    retry_after: int


def source_of(address: str) -> str:
    """The source a refusal is counted under: the address, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def count_refusal(
    *, kind: str, address: str, error: ProtocolError, claimed: dict[str, Any]
) -> Counted:
    """Count one unauthenticated refusal; audit it if it is the first of its window."""
    now = timezone.now()
    start = _window_start(now)
    flush_closed(now)
    with transaction.atomic():
        source = source_of(address)
        count = _increment(kind, source, error.reason, start, now)
        if count == 0:
            source = _source_for_new_tally(kind, source, start)
            count = _increment(kind, source, error.reason, start, now) or _create(
                kind, source, error, start, now, claimed
            )
    end = start + timedelta(seconds=window_seconds())
    retry = max(int((end - now).total_seconds()) + 1, 1)
    return Counted(count, limited=count > rate_limit(), retry_after=retry)


def _window_start(now: datetime) -> datetime:
    seconds = window_seconds()
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def _increment(kind: str, source: str, reason: str, start: datetime, now: datetime) -> int:
    """The new count of an existing tally, or 0 when there is none yet."""
    rows = RefusalTally.objects.filter(kind=kind, source=source, reason=reason, window_start=start)
    if not rows.update(count=F("count") + 1, last_at=now):
        return 0
    return rows.values_list("count", flat=True).first() or 0


def _source_for_new_tally(kind: str, source: str, start: datetime) -> str:
    sources = RefusalTally.objects.filter(kind=kind, window_start=start).exclude(
        source=MANY_SOURCES
    )
    if sources.values("source").distinct().count() >= max_sources():
        return MANY_SOURCES
    return source


def _create(
    kind: str,
    source: str,
    error: ProtocolError,
    start: datetime,
    now: datetime,
    claimed: dict[str, Any],
) -> int:
    try:
        with transaction.atomic():  # a savepoint: a concurrent first refusal may win
            RefusalTally.objects.create(
                kind=kind,
                source=source,
                reason=error.reason,
                window_start=start,
                first_at=now,
                last_at=now,
            )
    except IntegrityError:
        return _increment(kind, source, error.reason, start, now)
    log_event(
        action="permission_denied",
        object_type=kind,
        object_id=claimed.get("id", ""),
        origin="exchange",
        detail={
            "status": "rejected",
            "reason": error.reason,
            "why": error.detail,
            **claimed,
            "source": source,
            "window_start": start,
            "window_seconds": window_seconds(),
            "counted": "more refusals like this one in the window are counted, then summarised",
        },
    )
    return 1


def flush_closed(now: datetime | None = None) -> int:
    """Summarise the tallies of closed windows in the audit log; how many were closed."""
    cutoff = (now or timezone.now()) - timedelta(seconds=window_seconds())
    if not RefusalTally.objects.filter(window_start__lte=cutoff).exists():
        return 0  # the usual case, without a write transaction (SQLite's are exclusive)
    closed = 0
    with transaction.atomic():
        rows = RefusalTally.objects.filter(window_start__lte=cutoff).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        for tally in rows[:FLUSH_BATCH]:
            if tally.count > 1:
                _summarise(tally)
            closed += 1
            RefusalTally.objects.filter(pk=tally.pk).delete()
    return closed


def _summarise(tally: RefusalTally) -> None:
    log_event(
        action="permission_denied",
        object_type=tally.kind,
        origin="exchange",
        detail={
            "status": "rejected",
            "reason": tally.reason,
            "source": printable(tally.source, 64),
            "count": tally.count,
            "first": tally.first_at,
            "last": tally.last_at,
            "window_start": tally.window_start,
            "window_seconds": window_seconds(),
            "summary": True,
        },
    )

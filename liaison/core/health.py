"""The node's health for its administrators: database, workers, partners' clocks, disk,
the audit chain's last verification (docs/operations.md, "Health").

`beat` runs in every exchange worker (a periodic job): it records that the worker is
alive and warns in the log when a partner's clock, read from its latest signed receipt,
is more than half the envelope skew window away from ours — before envelopes start
being refused for clock skew.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from liaison.audit.models import AuditEntry, Verification
from liaison.core.models import WorkerBeat
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer
from liaison.exchange.protocol import MAX_CLOCK_SKEW

logger = logging.getLogger(__name__)

BEAT_EVERY = timedelta(seconds=30)
# A worker unseen for this long is shown as stopped (it beats every BEAT_EVERY, but a
# long delivery round may delay a beat).
ALIVE_WITHIN = timedelta(minutes=3)
FORGET_AFTER = timedelta(days=1)
CLOCK_WARNING = MAX_CLOCK_SKEW / 2
DISK_WARNING_FREE = 0.10
_STARTED = timezone.now()


def beat() -> None:
    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker=f"{_host()}:{os.getpid()}", defaults={"started_at": _STARTED, "seen_at": now}
    )
    WorkerBeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    for offset in clock_offsets():
        if offset.drifting:
            logger.warning(
                "clock: %s's clock is %+.0f s from ours (latest receipt); envelopes are "
                "refused beyond %d s: check NTP on both nodes",
                offset.partner,
                offset.seconds,
                MAX_CLOCK_SKEW.total_seconds(),
            )


def _host() -> str:
    return os.uname().nodename[:64]


@dataclass(frozen=True)
class ClockOffset:
    partner: str
    agency: str
    seconds: float  # the partner's clock minus ours, at its latest receipt
    measured_at: datetime

    @property
    def drifting(self) -> bool:
        return abs(self.seconds) > CLOCK_WARNING.total_seconds()


def clock_offsets() -> list[ClockOffset]:
    """Each partner's clock against ours, from the newest receipt it signed: the time it
    wrote (`received_at`) against the time we stored the receipt. The network's one-way
    time is counted in, so a few hundred milliseconds say nothing."""
    offsets = []
    for peer in Peer.objects.order_by("node_id").only("pk", "node_id", "agency"):
        latest = (
            OutboxEnvelope.objects.filter(peer=peer, state=OutboxState.DELIVERED)
            .exclude(receipt="")
            .order_by("-delivered_at")
            .values_list("receipt", "delivered_at")
            .first()
        )
        if latest is None or latest[1] is None:
            continue
        theirs = _receipt_time(latest[0])
        if theirs is not None:
            seconds = (theirs - latest[1]).total_seconds()
            offsets.append(ClockOffset(peer.node_id, peer.agency, seconds, latest[1]))
    return offsets


def _receipt_time(receipt: str) -> datetime | None:
    """`received_at` from a receipt's claims. Its signature was checked when it arrived."""
    try:
        payload = receipt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        value = datetime.fromisoformat(claims["received_at"])
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error):
        return None
    return value if timezone.is_aware(value) else None


@dataclass
class NodeHealth:
    database_ok: bool
    database_engine: str
    database_bytes: int | None
    workers: list[tuple[WorkerBeat, bool]] = field(default_factory=list)  # beat, alive
    clocks: list[ClockOffset] = field(default_factory=list)
    disk_free: int = 0
    disk_total: int = 0
    audit_entries: int = 0
    last_verification: Verification | None = None

    @property
    def worker_alive(self) -> bool:
        return any(alive for _, alive in self.workers)

    @property
    def disk_low(self) -> bool:
        return self.disk_total > 0 and self.disk_free / self.disk_total < DISK_WARNING_FREE

    @property
    def problems(self) -> int:
        drifting = sum(1 for clock in self.clocks if clock.drifting)
        unverified = self.last_verification is None or not self.last_verification.ok
        return (
            (not self.database_ok) + (not self.worker_alive) + drifting + self.disk_low + unverified
        )


def node_health() -> NodeHealth:
    health = NodeHealth(*_database())
    now = timezone.now()
    health.workers = [(b, now - b.seen_at <= ALIVE_WITHIN) for b in WorkerBeat.objects.all()]
    health.clocks = clock_offsets()
    usage = shutil.disk_usage(Path(settings.DATA_DIR))
    health.disk_free, health.disk_total = usage.free, usage.total
    health.audit_entries = AuditEntry.objects.count()
    health.last_verification = Verification.objects.order_by("-at").first()
    return health


def _database() -> tuple[bool, str, int | None]:
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_database_size(current_database())")
                size = int(cursor.fetchone()[0])
            else:
                size = Path(str(connection.settings_dict["NAME"])).stat().st_size
    except (DatabaseError, OSError):
        return False, connection.vendor, None
    return True, connection.vendor, size

"""The delivery worker: sends each partner's queue in sequence order, with retries.

A worker first takes a lease on one partner (so one worker at a time sends that
partner's queue, in order), then posts its due envelopes one by one on a kept-alive
connection. On PostgreSQL, candidate partners are picked with SELECT ... FOR UPDATE
SKIP LOCKED; on both databases the lease is taken by a conditional UPDATE (`WHERE
lease_until < now`), which PostgreSQL's row locks and SQLite's IMMEDIATE transactions
make atomic. A worker that dies loses its lease when it expires; the next one resends
what was not acknowledged, and the receiver answers "duplicate" for what it had.
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from joserfc.jwk import OKPKey

from liaison.config import env_int
from liaison.exchange.identity import PeerKeyError, node_key, peer_key
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer
from liaison.exchange.outbox import wake
from liaison.exchange.protocol import (
    MAX_ENVELOPE_BYTES,
    ProtocolError,
    Receipt,
    Status,
    open_receipt,
    sign,
    utcnow,
)

logger = logging.getLogger("liaison.exchange.worker")

LEASE = timedelta(seconds=30)
BATCH = 200
POLL_SECONDS = 0.5
HTTP_TIMEOUT_SECONDS = 15
ENVELOPES_PATH = "/federation/v1/envelopes"


def backoff_cap_seconds() -> int:
    # Read at use, not import: tests and operators shorten it per process.
    return env_int("LIAISON_EXCHANGE_RETRY_CAP", 300)


def backoff(failures: int, *, base: float = 1.0) -> float:
    """Exponential backoff with equal jitter: half fixed, half random, capped."""
    delay = min(float(backoff_cap_seconds()), base * 2.0 ** max(failures - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not secrecy


class TransportError(Exception):
    """The partner could not be reached or did not answer with a valid receipt: retry."""


@dataclass
class Connection:
    """A kept-alive HTTP(S) connection to one partner."""

    url: str
    conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            conn = self.conn or self._open()
            try:
                conn.request("POST", self._path(), body, self._headers(len(body)))
                response = conn.getresponse()
                return response.status, response.read(MAX_ENVELOPE_BYTES)
            except (http.client.HTTPException, OSError) as error:
                self.close()
                if attempt == 2 or not isinstance(error, http.client.RemoteDisconnected):
                    raise TransportError(f"{type(error).__name__}: {error}") from error
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def _open(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self.conn = cls(parts.netloc, timeout=HTTP_TIMEOUT_SECONDS)
        self.conn.connect()
        # http.client sends headers and body in two writes: without NODELAY, Nagle's
        # algorithm holds the body until the server's delayed ACK of the headers.
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.conn

    def _path(self) -> str:
        return urllib.parse.urlsplit(self.url).path.rstrip("/") + ENVELOPES_PATH

    @staticmethod
    def _headers(length: int) -> dict[str, str]:
        return {"Content-Type": "application/jose", "Content-Length": str(length)}


@dataclass(frozen=True)
class Periodic:
    """A job the worker runs every `every()` seconds (read again after each run).

    Several workers may run the same job: it must find out itself, from the database,
    whether there is anything to do.
    """

    name: str
    run: Callable[[], object]
    every: Callable[[], float]


_PERIODIC: dict[str, Periodic] = {}


def register_periodic(name: str, run: Callable[[], object], every: Callable[[], float]) -> None:
    """Let an app have the worker run `run` periodically (e.g. signing the audit head)."""
    _PERIODIC[name] = Periodic(name, run, every)


class Worker:
    """Delivers due envelopes until `stop` is set. Several may run at once, anywhere."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.connections: dict[int, Connection] = {}
        self.next_run: dict[str, float] = {}

    def run(self, stop: threading.Event) -> None:
        logger.info("exchange worker %s started", self.name)
        while not stop.is_set():
            self.run_periodic()
            try:
                busy = self.run_once()
            except Exception:
                logger.exception("exchange worker %s: unexpected error", self.name)
                close_old_connections()
                busy = False
            if not busy:
                wake.wait(POLL_SECONDS)
                wake.clear()
        for conn in self.connections.values():
            conn.close()
        connection.close()

    def run_periodic(self) -> None:
        """Run the registered jobs that are due; a failing job is logged, not fatal."""
        for job in list(_PERIODIC.values()):
            now = time.monotonic()
            if self.next_run.get(job.name, now) > now:
                continue
            try:
                self.next_run[job.name] = now + job.every()
                job.run()
            except Exception:
                logger.exception("exchange worker %s: periodic job %s failed", self.name, job.name)
                close_old_connections()

    def run_once(self) -> bool:
        """Deliver one partner's due batch; False when no partner had anything due."""
        peer = claim_peer(self.name)
        if peer is None:
            return False
        try:
            self.deliver(peer)
        finally:
            release_peer(peer, self.name)
        return True

    def deliver(self, peer: Peer) -> None:
        conn = self.connections.setdefault(peer.pk, Connection(peer.url))
        conn.url = peer.url
        try:
            key = peer_key(peer)
        except PeerKeyError as error:
            record_failure(peer, str(error))
            return
        receipts = Receipts(peer)
        renewed = time.monotonic()
        try:
            for row in due_envelopes(peer):
                if time.monotonic() - renewed > LEASE.total_seconds() / 3:
                    receipts.flush()
                    if not renew_lease(peer, self.name):
                        return  # the lease ran out and another worker has the partner now
                    renewed = time.monotonic()
                try:
                    receipt = send(conn, row, peer, key)
                except TransportError as error:
                    receipts.flush()
                    record_failure(peer, str(error), row)
                    return
                receipts.add(row, receipt)
        finally:
            receipts.flush()


class Receipts:
    """Receipts kept in memory and written in one transaction per batch: the sender's own
    bookkeeping then costs one commit per batch instead of one per envelope. If the worker
    dies before a flush, those envelopes are sent again and answered "duplicate"."""

    FLUSH_EVERY = 50
    FLUSH_SECONDS = 0.5

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.pending: list[tuple[OutboxEnvelope, Receipt, bytes]] = []
        self.since = time.monotonic()

    def add(self, row: OutboxEnvelope, receipt: tuple[Receipt, bytes]) -> None:
        self.pending.append((row, *receipt))
        due = time.monotonic() - self.since > self.FLUSH_SECONDS
        if len(self.pending) >= self.FLUSH_EVERY or due:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            record_receipts(self.peer, self.pending)
        self.pending = []
        self.since = time.monotonic()


def _due_peers() -> Q:
    now = timezone.now()
    pending = OutboxEnvelope.objects.filter(peer=OuterRef("pk"), state=OutboxState.PENDING)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return free & due & Q(Exists(pending))


def claim_peer(worker: str) -> Peer | None:
    """Lease one partner with due envelopes to this worker, or None."""
    with transaction.atomic():
        candidates = Peer.objects.filter(_due_peers()).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        for peer in candidates[:5]:
            if _take_lease(peer, worker):
                peer.lease_owner = worker
                return peer
    return None


def _take_lease(peer: Peer, worker: str) -> bool:
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = Peer.objects.filter(free, pk=peer.pk).update(
        lease_owner=worker, lease_until=now + LEASE
    )
    return taken == 1


def renew_lease(peer: Peer, worker: str) -> bool:
    until = timezone.now() + LEASE
    return Peer.objects.filter(pk=peer.pk, lease_owner=worker).update(lease_until=until) == 1


def release_peer(peer: Peer, worker: str) -> None:
    Peer.objects.filter(pk=peer.pk, lease_owner=worker).update(lease_owner="", lease_until=None)


def due_envelopes(peer: Peer) -> list[OutboxEnvelope]:
    pending = OutboxEnvelope.objects.filter(peer=peer, state=OutboxState.PENDING)
    return list(pending.order_by("seq")[:BATCH])


def send(conn: Connection, row: OutboxEnvelope, peer: Peer, key: OKPKey) -> tuple[Receipt, bytes]:
    """Sign the envelope with a fresh sent_at, post it, and verify the partner's receipt."""
    claims = {**row.payload, "sent_at": utcnow().isoformat()}
    status, body = conn.post(sign(claims, node_key()).encode("ascii"))
    try:
        receipt = open_receipt(body, key)
    except ProtocolError as error:
        raise TransportError(f"HTTP {status}, no valid receipt ({error.reason})") from None
    if receipt.envelope != row.envelope_id or receipt.from_ != peer.node_id:
        raise TransportError(f"HTTP {status}: the receipt is for another envelope")
    return receipt, body


def record_receipts(peer: Peer, done: list[tuple[OutboxEnvelope, Receipt, bytes]]) -> None:
    """Applied and duplicate are delivered; a rejection is final (shown, never retried)."""
    now = timezone.now()
    with transaction.atomic():
        for row, receipt, raw in done:
            rejected = receipt.status == Status.REJECTED
            OutboxEnvelope.objects.filter(pk=row.pk, state=OutboxState.PENDING).update(
                state=OutboxState.REJECTED if rejected else OutboxState.DELIVERED,
                delivered_at=now,
                receipt_status=receipt.status,
                attempts=F("attempts") + 1,
                reason=receipt.reason[:64],
                detail=receipt.detail,
                receipt=raw.decode("ascii", "replace"),
            )
            if rejected:
                _audit_rejection(peer, row, receipt)
        Peer.objects.filter(pk=peer.pk).update(
            failures=0,
            last_success_at=now,
            last_attempt_at=now,
            next_attempt_at=None,
            last_error="",
        )
    peer.failures = 0


def _audit_rejection(peer: Peer, row: OutboxEnvelope, receipt: Receipt) -> None:
    from liaison.audit.actions import log_event

    log_event(
        action="disclose",
        peer_node=peer.node_id,
        object_type=row.message_type,
        object_id=row.object_uid,
        detail={"envelope": str(row.envelope_id), "status": "rejected", "reason": receipt.reason},
    )


def record_failure(peer: Peer, error: str, row: OutboxEnvelope | None = None) -> None:
    failures = peer.failures + 1
    delay = backoff(failures)
    logger.warning("exchange to %s failed (%d, retry in %.1fs): %s", peer, failures, delay, error)
    Peer.objects.filter(pk=peer.pk).update(
        failures=failures,
        last_error=error[:2000],
        last_attempt_at=timezone.now(),
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    peer.failures = failures
    if row is not None:
        OutboxEnvelope.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)


def start_thread(stop: threading.Event) -> threading.Thread:
    """The worker as a daemon thread of `liaison serve`."""
    thread = threading.Thread(
        target=Worker().run, args=(stop,), name="exchange-worker", daemon=True
    )
    thread.start()
    return thread

"""The delivery worker: sends each partner's queue in sequence order, in batches, with retries.

A worker first takes a lease on one partner (so one worker at a time sends that
partner's queue, in order), then posts its due envelopes in batches (several signed
envelopes per request, one signed receipt each in the answer) on a kept-alive
connection. On PostgreSQL, candidate partners are picked with SELECT ... FOR UPDATE
SKIP LOCKED; on both databases the lease is taken by a conditional UPDATE (`WHERE
lease_until < now`), which PostgreSQL's row locks and SQLite's IMMEDIATE transactions
make atomic. A lease names its worker's host, process id and process start time: a
worker that dies loses its lease when it expires, or sooner when a worker on the same
host sees that its process is gone (at start, then every few seconds). The next one
resends what was not acknowledged, and the receiver answers "duplicate" for what it had.

An envelope that reaches the partner but gets no valid receipt, time after time, is set
aside (LIAISON_SET_ASIDE_AFTER attempts) so the rest of the queue flows; an
administrator retries or drops it (`liaison peers retry|drop`).
"""

from __future__ import annotations

import http.client
import itertools
import logging
import os
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from liaison.audit.actions import log_event
from liaison.config import env_int
from liaison.exchange.identity import PeerKeyError, accepted_keys, own_key, signing_key
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer
from liaison.exchange.outbox import wake
from liaison.exchange.protocol import (
    BATCH_MEDIA_TYPE,
    KEY_ROTATED,
    MAX_BATCH_BYTES,
    MAX_BATCH_ENVELOPES,
    MAX_ENVELOPE_BYTES,
    MAX_REASON,
    Keys,
    ProtocolError,
    Reason,
    Receipt,
    Status,
    batch_body,
    open_batch_receipts,
    open_receipt,
    sign,
    utcnow,
)
from liaison.exchange.rotation import acknowledged

logger = logging.getLogger("liaison.exchange.worker")

# Tunings (`# pragma: no mutate`: a little higher or lower is the same design).
LEASE = timedelta(seconds=30)
QUEUE_READ = 500  # envelopes read per lease, in batches of MAX_BATCH_ENVELOPES  # pragma: no mutate
POLL_SECONDS = 0.25  # idle: one cheap query; writes here wake it at once  # pragma: no mutate
HTTP_TIMEOUT_SECONDS = 15  # pragma: no mutate
ENVELOPES_PATH = "/federation/v1/envelopes"
BATCHES_PATH = "/federation/v1/batches"
JOSE = "application/jose"


def backoff_cap_seconds() -> int:
    # Read at use, not import: tests and operators shorten it per process.
    return env_int("LIAISON_EXCHANGE_RETRY_CAP", 300)


def set_aside_after() -> int:
    """Failed attempts (partner reached, no valid receipt) before an envelope is set aside."""
    return max(1, env_int("LIAISON_SET_ASIDE_AFTER", 10))


def backoff(failures: int, *, base: float = 1.0) -> float:
    """Exponential backoff with equal jitter: half fixed, half random, capped."""
    delay = min(float(backoff_cap_seconds()), base * 2.0 ** max(failures - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not secrecy


class TransportError(Exception):
    """No valid receipt for an envelope: retry. `answered` when the partner did answer (an
    HTTP response, but no valid receipt): such attempts count towards setting it aside."""

    def __init__(self, message: str, *, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered


def _idle() -> None:
    pass


@dataclass
class Connection:
    """A kept-alive HTTP(S) connection to one partner."""

    url: str
    conn: http.client.HTTPConnection | None = None
    batches: bool = True  # False once the partner answered 404 to a batch (an older node)

    def post(
        self, path: str, body: bytes, content_type: str, meanwhile: Callable[[], None] = _idle
    ) -> tuple[int, bytes]:
        """POST and read the answer; `meanwhile` runs once, while the partner works."""
        for last in (False, True):  # a kept-alive connection the server closed: reconnect once
            try:
                conn = self.conn or self._open()
                conn.request("POST", self._path(path), body, self._headers(content_type, body))
                meanwhile, job = _idle, meanwhile
                self._run(job)
                response = conn.getresponse()
                return response.status, response.read(MAX_BATCH_BYTES)
            except (http.client.HTTPException, OSError) as error:
                self.close()
                if last or not isinstance(error, http.client.RemoteDisconnected):
                    raise TransportError(f"{type(error).__name__}: {error}") from error
        raise AssertionError("unreachable")

    def _run(self, job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException:
            self.close()  # the answer will never be read: the connection is unusable
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def _open(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.netloc, timeout=HTTP_TIMEOUT_SECONDS)
        conn.connect()
        # http.client sends headers and body in two writes: without NODELAY, Nagle's
        # algorithm holds the body until the server's delayed ACK of the headers.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = conn
        return conn

    def _path(self, path: str) -> str:
        return urllib.parse.urlsplit(self.url).path.rstrip("/") + path

    @staticmethod
    def _headers(content_type: str, body: bytes) -> dict[str, str]:
        return {"Content-Type": content_type, "Content-Length": str(len(body))}


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


# Lease owners: which process holds a partner's lease, so the dead ones can be told apart.

# Cut to keep lease_owner (128) in bounds; Linux host names have at most 64 characters.
HOST = socket.gethostname()[:64]  # pragma: no mutate
_WORKERS = itertools.count(1)


def _process_start(pid: int) -> str | None:
    """When process `pid` started (Linux: clock ticks since boot), None if it is gone or a
    zombie; "" where /proc cannot tell (then the pid alone is checked)."""
    if not Path("/proc/self/stat").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces and ")"
    return None if fields[0] in ("Z", "X") else fields[19]


def worker_name() -> str:
    """host:pid:start:n, unique to this worker; a pid reused after a crash has another start."""
    pid = os.getpid()
    return f"{HOST}:{pid}:{_process_start(pid) or ''}:{next(_WORKERS)}"


def owner_alive(owner: str) -> bool:
    """Whether the lease owner's process still runs; True when it cannot be told (another
    host, or a name not of this form): such a lease is left to expire."""
    try:
        host, pid, start, _ = owner.rsplit(":", 3)
        number = int(pid)
    except ValueError:
        return True
    return host != HOST or _process_start(number) == start


def reclaim_dead_leases() -> int:
    """Free the leases held by workers of this host whose process is gone (a kill -9, a
    crash): their partners are delivered again at once instead of when the lease expires."""
    held = Peer.objects.filter(lease_owner__startswith=f"{HOST}:", lease_until__gt=timezone.now())
    freed = 0
    for pk, owner in held.values_list("pk", "lease_owner"):
        if owner_alive(owner):
            continue
        if Peer.objects.filter(pk=pk, lease_owner=owner).update(lease_owner="", lease_until=None):
            logger.warning("reclaimed the lease of dead worker %s", owner)
            freed += 1
    return freed


def _reclaim_every() -> float:
    # A tuning: a dead worker's lease expires anyway.
    return LEASE.total_seconds() / 3  # pragma: no mutate


register_periodic("exchange.reclaim_leases", reclaim_dead_leases, _reclaim_every)


class Worker:
    """Delivers due envelopes until `stop` is set. Several may run at once, anywhere."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or worker_name()
        self.connections: dict[int, Connection] = {}
        self.next_run: dict[str, float] = {}

    def run(self, stop: threading.Event) -> None:
        logger.info("exchange worker %s started", self.name)
        while not stop.is_set():
            self.run_periodic()  # first of all, dead workers' leases are reclaimed
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
        """Deliver one partner's due envelopes; False when no partner had anything due."""
        peer = claim_peer(self.name)
        if peer is None:
            return False
        try:
            self.deliver(peer)
        except Exception as error:
            _back_off_after(peer, error)
            raise
        finally:
            release_peer(peer, self.name)
        return True

    def deliver(self, peer: Peer) -> None:
        """Send the partner's due envelopes batch by batch; stop at the first that fails."""
        conn = self.connections.setdefault(peer.pk, Connection(peer.url))
        conn.url = peer.url
        try:
            key = accepted_keys(peer)
        except PeerKeyError as error:
            record_failure(peer, TransportError(str(error)))
            return
        queue = Queue(peer, signed_batches(peer, due_envelopes(peer)))
        renewed = time.monotonic()
        try:
            while (batch := queue.next_batch()) is not None:
                # When to renew is a tuning; renewing at every batch costs a query, no more.
                if time.monotonic() - renewed > LEASE.total_seconds() / 3:  # pragma: no mutate
                    if not renew_lease(peer, self.name):
                        return  # the lease ran out and another worker has the partner now
                    renewed = time.monotonic()
                if not deliver_batch(conn, batch, peer, key, queue):
                    return
        finally:
            queue.record()


def _back_off_after(peer: Peer, error: Exception) -> None:
    """An unexpected error (not the transport's) backs the partner off as a failure would:
    otherwise it stays due first and the partners after it are never served."""
    try:
        record_failure(peer, TransportError(f"unexpected {type(error).__name__}: {error}"))
    except Exception:
        logger.exception("exchange worker: could not back %s off", peer)


class Queue:
    """A partner's batches in flight: while the partner works on one batch, the worker
    writes the receipts of the one before and signs the one after (the next is only sent
    once every envelope of this one has its receipt, so order holds). Receipts not yet
    written when the worker dies are resent and answered "duplicate"."""

    def __init__(self, peer: Peer, batches: Iterator[list[Signed]]) -> None:
        self.peer = peer
        self.batches = batches
        self.unrecorded: list[Delivered] = []
        self.upcoming: list[list[Signed] | None] = []

    def next_batch(self) -> list[Signed] | None:
        return self.upcoming.pop() if self.upcoming else next(self.batches, None)

    def meanwhile(self) -> None:
        self.record()
        # Signing the next batch ahead changes when, not what: bench/exchange.py times it.
        if not self.upcoming:  # pragma: no mutate
            self.upcoming.append(next(self.batches, None))

    def record(self) -> None:
        if self.unrecorded:
            record_receipts(self.peer, self.unrecorded)
        self.unrecorded = []


def _due_peers() -> Q:
    now = timezone.now()
    pending = OutboxEnvelope.objects.filter(peer=OuterRef("pk"), state=OutboxState.PENDING)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return free & due & Q(Exists(pending))


def claim_peer(worker: str) -> Peer | None:
    """Lease one partner with due envelopes to this worker, or None."""
    if not Peer.objects.filter(_due_peers()).exists():
        return None  # idle: a plain read, no write lock (SQLite's transactions take one)
    with transaction.atomic():
        candidates = Peer.objects.filter(_due_peers()).order_by("next_attempt_at", "pk")
        # SQLite ignores FOR UPDATE; on PostgreSQL, SKIP LOCKED spares a wait, the lease
        # below decides: no test tells them apart.
        if connection.features.has_select_for_update_skip_locked:  # pragma: no mutate
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        for peer in candidates[:5]:  # a few, should others race for them  # pragma: no mutate
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
    return list(pending.order_by("seq")[:QUEUE_READ])


# Sending

Signed = tuple[OutboxEnvelope, str]
Delivered = tuple[OutboxEnvelope, Receipt, bytes]


def signed_batches(peer: Peer, rows: list[OutboxEnvelope]) -> Iterator[list[Signed]]:
    """The rows signed (with a fresh sent_at) as they are sent, in batches bounded by count
    and bytes. An envelope too large to be received ever is set aside at once.

    Signed with the key the partner knows (identity.signing_key); a key announcement with
    the key it replaces (after two rotations, the second is signed by the key the first
    announces, which the partner has pinned by the time it reads it)."""
    batch: list[Signed] = []
    size = 0  # a byte more or less is within _MARGIN  # pragma: no mutate
    key = signing_key(peer)
    for row in rows:
        signer = key
        if row.message_type == KEY_ROTATED:
            signer = own_key(str(row.payload["object"]["previous"])) or key
        token = sign({**row.payload, "sent_at": utcnow().isoformat()}, signer)
        if len(token) > MAX_ENVELOPE_BYTES:
            error = f"signed, it is {len(token)} bytes; the limit is {MAX_ENVELOPE_BYTES}"
            set_aside(peer, row, error, failures=0)
            continue
        if batch and (len(batch) == MAX_BATCH_ENVELOPES or size + len(token) > _BATCH_ROOM):
            yield batch
            batch, size = [], 0  # pragma: no mutate
        batch.append((row, token))
        size += len(token) + 3  # the quotes and comma around each in the JSON list
    if batch:
        yield batch


_MARGIN = 64  # the JSON around the list (22 bytes) and then some  # pragma: no mutate
_BATCH_ROOM = MAX_BATCH_BYTES - _MARGIN


def deliver_batch(
    conn: Connection, batch: list[Signed], peer: Peer, key: Keys, queue: Queue
) -> bool:
    """Post one batch; True when every envelope has its receipt (written meanwhile or at
    the end), False (and a failure) at the first without one: nothing after it is sent
    before it, so each partner's order holds."""
    done, error = post_batch(conn, batch, peer, key, queue.meanwhile)
    queue.record()  # the batch before, if the request failed before `meanwhile` ran
    queue.unrecorded = done
    if error is None:
        return True
    queue.record()
    record_failure(peer, error, batch[len(done)][0])
    return False


def post_batch(
    conn: Connection,
    batch: list[Signed],
    peer: Peer,
    key: Keys,
    meanwhile: Callable[[], None] = _idle,
) -> tuple[list[Delivered], TransportError | None]:
    """The envelopes delivered, in order, and the error that stopped the rest (or None)."""
    if not conn.batches:
        return post_one_by_one(conn, batch, peer, key)
    body = batch_body([token for _, token in batch])
    try:
        status, answer = conn.post(BATCHES_PATH, body, BATCH_MEDIA_TYPE, meanwhile)
    except TransportError as error:
        return [], error
    if status == 404:
        logger.warning("%s takes no batches (HTTP 404): one envelope per request", peer)
        conn.batches = False
        return post_one_by_one(conn, batch, peer, key)
    try:
        receipts = open_batch_receipts(answer)
    except ProtocolError as error:
        return [], TransportError(f"HTTP {status}, no receipts ({error.reason})", answered=True)
    return check_receipts(
        status, batch, [r.encode("ascii", "replace") for r in receipts], peer, key
    )


def post_one_by_one(
    conn: Connection, batch: list[Signed], peer: Peer, key: Keys
) -> tuple[list[Delivered], TransportError | None]:
    """For a partner without the batch endpoint: each envelope in a request of its own."""
    done: list[Delivered] = []
    for row, token in batch:
        try:
            status, answer = conn.post(ENVELOPES_PATH, token.encode("ascii"), JOSE)
            done.append(check_receipt(status, row, answer, peer, key))
        except TransportError as error:
            return done, error
    return done, None


def check_receipts(
    status: int, batch: list[Signed], receipts: list[bytes], peer: Peer, key: Keys
) -> tuple[list[Delivered], TransportError | None]:
    done: list[Delivered] = []
    for (row, _), raw in zip(batch, receipts, strict=False):
        try:
            done.append(check_receipt(status, row, raw, peer, key))
        except TransportError as error:
            return done, error
    if len(done) < len(batch):
        missing = batch[len(done)][0].seq
        return done, TransportError(f"HTTP {status}: no receipt for #{missing}", answered=True)
    return done, None


def check_receipt(status: int, row: OutboxEnvelope, raw: bytes, peer: Peer, key: Keys) -> Delivered:
    """The partner's receipt for `row`, verified with its pinned key; else TransportError."""
    try:
        receipt = open_receipt(raw, key)
    except ProtocolError as error:
        message = f"HTTP {status}, no valid receipt ({error.reason})"
        raise TransportError(message, answered=True) from None
    if receipt.envelope != row.envelope_id or receipt.from_ != peer.node_id:
        raise TransportError(f"HTTP {status}: the receipt is for another envelope", answered=True)
    if receipt.status == Status.REJECTED and receipt.reason in UNRECOGNISED:
        # Not a verdict on the envelope, which the partner never read: it does not know our
        # key (a re-pin pending after `keys rotate --compromised`). Retried, then set aside.
        message = f"HTTP {status}: {peer} did not recognise our signature ({receipt.reason})"
        raise TransportError(message, answered=True)
    return row, receipt, raw


# Refusals that say the partner could not tell the envelope was ours.
UNRECOGNISED = frozenset({Reason.BAD_SIGNATURE, Reason.UNKNOWN_SENDER})


# Bookkeeping


def record_receipts(peer: Peer, done: list[Delivered]) -> None:
    """Applied and duplicate are delivered; a rejection is final (shown, never retried).
    One transaction per batch: the sender's own bookkeeping costs one commit per batch."""
    now = timezone.now()
    with transaction.atomic():
        for row, receipt, raw in done:
            rejected = receipt.status == Status.REJECTED
            OutboxEnvelope.objects.filter(pk=row.pk, state=OutboxState.PENDING).update(
                state=OutboxState.REJECTED if rejected else OutboxState.DELIVERED,
                delivered_at=now,
                receipt_status=receipt.status,
                attempts=F("attempts") + 1,
                reason=receipt.reason[:MAX_REASON],
                detail=receipt.detail,
                receipt=raw.decode("ascii", "replace"),
            )
            if rejected:
                _audit_rejection(peer, row, receipt)
            elif row.message_type == KEY_ROTATED:
                acknowledged(peer, row)
        Peer.objects.filter(pk=peer.pk).update(
            failures=0,
            last_success_at=now,
            last_attempt_at=now,
            next_attempt_at=None,
            last_error="",
        )
    peer.failures = 0


def _audit_rejection(peer: Peer, row: OutboxEnvelope, receipt: Receipt) -> None:
    log_event(
        action="disclose",
        peer_node=peer.node_id,
        object_type=row.message_type,
        object_id=row.object_uid,
        detail={"envelope": str(row.envelope_id), "status": "rejected", "reason": receipt.reason},
    )


def record_failure(peer: Peer, error: TransportError, row: OutboxEnvelope | None = None) -> None:
    """Back the partner off; count the attempt against `row` (the first envelope without a
    receipt) and set it aside after too many that reached the partner."""
    failures = peer.failures + 1
    delay = backoff(failures)
    logger.warning("exchange to %s failed (%d, retry in %.1fs): %s", peer, failures, delay, error)
    now = timezone.now()
    with transaction.atomic():
        Peer.objects.filter(pk=peer.pk).update(
            failures=failures,
            last_error=str(error)[:2000],  # a cut for the page  # pragma: no mutate
            last_attempt_at=now,
            next_attempt_at=now + timedelta(seconds=delay),
        )
        if row is not None:
            _count_attempt(peer, row, error)
    peer.failures = failures


def _count_attempt(peer: Peer, row: OutboxEnvelope, error: TransportError) -> None:
    counted = int(error.answered)
    OutboxEnvelope.objects.filter(pk=row.pk).update(
        attempts=F("attempts") + 1, failures=F("failures") + counted
    )
    failed = OutboxEnvelope.objects.filter(pk=row.pk).values_list("failures", flat=True).get()
    if counted and failed >= set_aside_after():
        set_aside(peer, row, str(error), failures=failed)


def set_aside(peer: Peer, row: OutboxEnvelope, error: str, *, failures: int) -> None:
    """Take the envelope out of the queue (state set_aside), audited: the rest flows. Order
    of arrival is harmless (versions and tombstones); `liaison peers retry` puts it back."""
    with transaction.atomic():
        taken = OutboxEnvelope.objects.filter(pk=row.pk, state=OutboxState.PENDING).update(
            state=OutboxState.SET_ASIDE,
            detail=error[:2000],  # pragma: no mutate
        )
        if not taken:
            return
        log_event(
            action="admin",
            peer_node=peer.node_id,
            object_type="envelope",
            object_id=str(row.envelope_id),
            detail={
                "status": "set_aside",
                "seq": row.seq,
                "type": row.message_type,
                "object": row.object_uid,
                "failures": failures,
                "error": error[:500],  # a cut: the audit keeps it short  # pragma: no mutate
            },
        )
    logger.error(
        "envelope #%d to %s set aside after %d failures: %s", row.seq, peer, failures, error
    )


def start_thread(stop: threading.Event) -> threading.Thread:
    """The worker as a daemon thread of `liaison serve`."""
    thread = threading.Thread(
        target=Worker().run, args=(stop,), name="exchange-worker", daemon=True
    )
    thread.start()
    return thread

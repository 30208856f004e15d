"""The delivery worker's own machinery, each piece against the real database and a real
partner on loopback: the loop of `liaison serve`'s thread, periodic jobs, leases, the
kept-alive connection, and receipts that must not be taken at face value. Written for the
survivors of `bench/mutation.py --module exchange-worker` (issue 19)."""

from __future__ import annotations

import http.server
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, OperationalError
from django.db import connection as db_connection
from django.utils import timezone
from joserfc.jwk import OKPKey

from liaison.exchange import keys
from liaison.exchange import worker as delivery
from liaison.exchange.identity import own_key
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.exchange.outbox import wake
from liaison.exchange.protocol import (
    KEY_ROTATED,
    MAX_BATCH_BYTES,
    MAX_ENVELOPE_BYTES,
    Reason,
    ReceiptData,
    Status,
    batch_body,
    verify,
)
from liaison.exchange.rotation import rotate_node_key
from tests.exchange.partner import Partner, closed_port
from tests.exchange.test_worker import (
    FR,
    _dead_owner,
    due_now,
    fails_on,
    make_peer,
    queue,
    states,
)

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def _node_key(settings: Any, tmp_path: Path) -> None:
    # A data directory of the test's own: tests here hide and rotate the node key, and the
    # default one is shared by every xdist worker (LIAISON_DATA_DIR is inherited).
    settings.DATA_DIR = tmp_path
    keys.create_key(tmp_path)


@pytest.fixture
def partner() -> Iterator[Partner]:
    partner = Partner(FR)
    partner.start()
    yield partner
    partner.stop()


@pytest.fixture
def fr(partner: Partner) -> Peer:
    return make_peer(partner.url)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Poll until `condition` holds (the machine may be slow), else fail naming `what`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def other_peer(node_id: str, url: str = "http://127.0.0.1:9") -> Peer:
    key = OKPKey.generate_key("Ed25519")
    return Peer.objects.create(
        node_id=node_id,
        url=url,
        fingerprint=keys.fingerprint(key),
        public_key=keys.public_jwk(key)["x"],
    )


# Backoff


def test_the_jitter_spreads_over_the_whole_upper_half_of_the_delay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIAISON_EXCHANGE_RETRY_CAP", "8")
    for failures, full in ((0, 1), (1, 1), (3, 4), (9, 8)):  # 0: as after one
        delays = [delivery.backoff(failures) for _ in range(400)]
        # Uniform over [full / 2, full]: 400 draws reach both ends' last tenth.
        assert min(delays) < 0.6 * full and max(delays) > 0.9 * full, (failures, full)


# Batches bounded by bytes


def padded(peer: Peer, length: int) -> OutboxEnvelope:
    """An (unsaved) envelope whose signed token is `length` bytes long."""

    def row(pad: int) -> OutboxEnvelope:
        return OutboxEnvelope(message_type="person.upsert", payload={"pad": "x" * pad})

    def signed(pad: int) -> int:
        [[(_, token)]] = delivery.signed_batches(peer, [row(pad)])
        return len(token)

    guess = (length - signed(0)) * 3 // 4  # base64: 4 bytes for 3
    for pad in range(max(guess - 4, 0), guess + 5):
        if signed(pad) == length:
            return row(pad)
    raise AssertionError(f"no token of {length} bytes (base64 skips one length in four)")


def body_sizes(peer: Peer, rows: list[OutboxEnvelope]) -> list[list[int]]:
    """Each batch's body size, and that size with the next batch's first envelope added."""
    batches = [[token for _, token in batch] for batch in delivery.signed_batches(peer, rows)]
    return [
        [len(batch_body(batch)), len(batch_body([*batch, *after[:1]]))]
        for batch, after in zip(batches, [*batches[1:], []], strict=True)
    ]


@pytest.mark.parametrize(
    ("big", "last", "count", "sizes"),
    [
        # Nine large tokens fit, a tenth does not: 29 bytes of JSON around ten of them.
        (209_712, 209_700, 9, [9, 3]),
        # Ninety-nine fit, not a hundredth: the quotes and comma of each are counted.
        (21_178, 228, 99, [99, 3]),
        # The ninety-ninth brings the count to the room exactly: it still fits.
        (21_178, 21_350, 98, [99, 2]),
    ],
)
def test_batches_are_filled_up_to_the_byte_limit_and_never_past_it(
    big: int, last: int, count: int, sizes: list[int]
) -> None:
    peer = Peer(node_id="fr")
    rows = [padded(peer, big)] * count + [padded(peer, last)] + [padded(peer, big)] * 2
    assert [len(b) for b in delivery.signed_batches(peer, rows)] == sizes
    for size, with_next in body_sizes(peer, rows):
        assert size <= MAX_BATCH_BYTES
        if with_next > size:  # full: the next one would not have fitted
            assert with_next > MAX_BATCH_BYTES - 64


def test_an_envelope_of_the_largest_size_is_sent_and_a_larger_one_set_aside() -> None:
    peer = Peer(node_id="fr")
    largest = padded(peer, MAX_ENVELOPE_BYTES)
    one_more = {"pad": largest.payload["pad"] + "x"}  # a byte or two longer, signed
    larger = OutboxEnvelope(message_type="person.upsert", payload=one_more)
    small = padded(peer, 300)
    batches = list(delivery.signed_batches(peer, [larger, largest, small]))
    assert [[row for row, _ in batch] for batch in batches] == [[largest, small]]


def test_after_two_rotations_each_announcement_is_signed_by_the_key_it_replaces(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # a data directory of its own: other tests keep their key
    keys.create_key(tmp_path)
    peer = make_peer("http://127.0.0.1:9")
    rotate_node_key()
    rotate_node_key()  # the partner still knows only the first key: that signs the rest
    peer.refresh_from_db()
    rows = delivery.due_envelopes(peer)
    tokens = [token for batch in delivery.signed_batches(peer, rows) for _, token in batch]
    assert [row.message_type for row in rows] == [KEY_ROTATED, KEY_ROTATED] and len(tokens) == 2
    for row, token in zip(rows, tokens, strict=True):
        replaced = own_key(str(row.payload["object"]["previous"]))
        assert replaced is not None
        verify(token, replaced)  # else BAD_SIGNATURE: the partner could not pin the next key


# Periodic jobs


@pytest.fixture
def periodic() -> Iterator[None]:
    """The registered jobs as they were, whatever a test registers."""
    before = dict(delivery._PERIODIC)
    yield
    delivery._PERIODIC.clear()
    delivery._PERIODIC.update(before)


def test_periodic_jobs_run_when_due_and_a_failing_one_stops_none_of_the_others(
    periodic: None,
) -> None:
    runs: list[str] = []

    def failing() -> None:
        runs.append("failing")
        raise RuntimeError("the job's own error")

    delivery.register_periodic("test.hourly", lambda: runs.append("hourly"), lambda: 3600.0)
    delivery.register_periodic("test.failing", failing, lambda: 3600.0)
    delivery.register_periodic("test.always", lambda: runs.append("always"), lambda: 0.0)
    worker = delivery.Worker()
    worker.run_periodic()
    worker.run_periodic()  # the hourly ones (the lease reclaim too) are not due: skipped
    assert runs == ["hourly", "failing", "always", "always"]


# The loop of `liaison serve`'s thread


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in list(caplog.records) if "unexpected error" in r.getMessage()]


@pytest.mark.django_db(transaction=True)  # the worker's thread has its own connection
def test_the_loop_survives_an_unexpected_error_delivers_and_closes_its_connections(
    partner: Partner, fr: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    queue(fr, 2)
    key_file = keys.key_path(Path(settings.DATA_DIR))
    hidden = key_file.with_name(key_file.name + ".away")
    key_file.rename(hidden)  # signing fails: not a transport error, an unexpected one
    worker = delivery.Worker()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(errors(caplog)) >= 3, "the error to be logged three times")
        # Not in a hot loop: it waits before trying again (the first wait may be cut short
        # by an earlier write's wake-up, not the second).
        _, second, third = errors(caplog)[:3]
        assert third.created - second.created >= 0.9 * delivery.POLL_SECONDS
        hidden.rename(key_file)
        wake.set()
        # Polled on the partner, not the database: SQLite's shared in-memory test database
        # would refuse this thread's reads while the worker's thread writes.
        wait_for(lambda: partner.seqs() == [1, 2], "the queue to be sent")
    finally:
        if hidden.exists():
            hidden.rename(key_file)
        stop.set()
        wake.set()
        thread.join(30)
    assert not thread.is_alive()
    assert set(states().values()) == {"delivered"}
    assert worker.connections[fr.pk].conn is None  # closed when the loop ended
    assert Peer.objects.get(pk=fr.pk).lease_owner == ""


@pytest.mark.django_db(transaction=True)  # the worker's thread has its own connection
@pytest.mark.parametrize("outcome", ["idle", "error"])
def test_an_idle_or_failing_loop_waits_for_the_next_poll_instead_of_spinning(
    outcome: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing due, or an error before any partner is claimed (the database gone: no
    partner to back off): each turn waits a poll, or a wake-up, before the next."""
    turns: list[float] = []

    def run_once() -> bool:
        turns.append(time.monotonic())
        if outcome == "error":
            raise DatabaseError("the database is gone")
        return False

    worker = delivery.Worker()
    monkeypatch.setattr(worker, "run_once", run_once)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    wake.clear()
    thread.start()
    try:
        wait_for(lambda: len(turns) >= 3, "three turns of the loop")
        time.sleep(4 * delivery.POLL_SECONDS)
    finally:
        stop.set()
        wake.set()
        thread.join(30)
    assert not thread.is_alive()
    gaps = [later - earlier for earlier, later in itertools.pairwise(turns[1:])]
    # A spinning loop turns thousands of times a second; a waiting one once a poll.
    assert min(gaps) >= 0.5 * delivery.POLL_SECONDS, gaps[:10]


def test_a_failure_to_back_a_partner_off_is_logged_not_raised(
    fr: Peer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def record_failure(peer: Peer, error: delivery.TransportError) -> None:
        raise DatabaseError("the database is gone")

    monkeypatch.setattr(delivery, "record_failure", record_failure)
    delivery._back_off_after(fr, RuntimeError("signing failed"))  # must not raise
    assert any("could not back" in r.getMessage() for r in caplog.records)


# Leases


def test_a_leased_partner_is_claimed_by_no_other_worker_until_its_holder_releases_it(
    fr: Peer,
) -> None:
    queue(fr, 1)
    claimed = delivery.claim_peer("worker-a")
    assert claimed is not None and claimed.lease_owner == "worker-a"
    row = Peer.objects.get(pk=fr.pk)
    assert row.lease_until is not None and row.lease_until > timezone.now()
    assert delivery.claim_peer("worker-b") is None
    delivery.release_peer(fr, "worker-b")  # not its lease: nothing changes
    assert Peer.objects.get(pk=fr.pk).lease_owner == "worker-a"
    delivery.release_peer(fr, "worker-a")
    assert delivery.claim_peer("worker-b") is not None


def test_renewing_a_lease_extends_it_for_its_holder_only(fr: Peer) -> None:
    queue(fr, 1)
    peer = delivery.claim_peer("worker-a")
    assert peer is not None
    Peer.objects.filter(pk=fr.pk).update(lease_until=timezone.now() + timedelta(seconds=1))
    assert delivery.renew_lease(peer, "worker-a")
    until = Peer.objects.get(pk=fr.pk).lease_until
    assert until is not None and until > timezone.now() + delivery.LEASE - timedelta(seconds=5)
    assert not delivery.renew_lease(peer, "worker-b")
    assert Peer.objects.get(pk=fr.pk).lease_until == until


def take_lease_over(peer: Peer, owner: str) -> None:
    """From the partner's thread, while the worker writes the receipts before (`meanwhile`).
    The test database in SQLite is in memory with a shared cache: a write there meeting the
    worker's is refused at once ("database table is locked") instead of waiting as two
    connections to a file do, so wait here for the worker's write to end."""
    deadline = time.monotonic() + 10
    try:
        while True:
            try:
                Peer.objects.filter(pk=peer.pk).update(lease_owner=owner)
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
    finally:
        db_connection.close()


@pytest.mark.django_db(transaction=True)  # the partner's thread takes the lease away
def test_a_worker_that_loses_its_lease_mid_queue_sends_nothing_more(
    partner: Partner, fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "MAX_BATCH_ENVELOPES", 2)
    monkeypatch.setattr(delivery, "LEASE", timedelta(0))  # renewed before every batch
    queue(fr, 5)

    def steals_on_three(claims: dict[str, Any]) -> ReceiptData:
        if claims["seq"] == 3:  # meanwhile another worker took the partner over
            take_lease_over(fr, "elsewhere:1:1:1")
        return ReceiptData(Status.APPLIED, detail="created")

    partner.script = steals_on_three
    assert delivery.Worker().run_once()
    assert partner.requests == [
        ("/federation/v1/batches", [1, 2]),
        ("/federation/v1/batches", [3, 4]),
    ]
    assert states() == {
        1: "delivered",
        2: "delivered",
        3: "delivered",
        4: "delivered",
        5: "pending",
    }
    assert Peer.objects.get(pk=fr.pk).lease_owner == "elsewhere:1:1:1"


def test_reclaiming_frees_only_the_leases_of_this_hosts_dead_workers_and_counts_them() -> None:
    until = timezone.now() + timedelta(seconds=30)
    owners = {
        "de": delivery.worker_name(),  # this process: alive
        "es": _dead_owner(),
        "it": "another-host:1:1:1",  # cannot tell: left to expire
        "pt": _dead_owner(),
    }
    for node_id, owner in owners.items():  # the live one first: a dead one after it counts
        other_peer(node_id)
        Peer.objects.filter(node_id=node_id).update(lease_owner=owner, lease_until=until)
    assert delivery.reclaim_dead_leases() == 2
    left = dict(Peer.objects.values_list("node_id", "lease_owner"))
    assert left == {"de": owners["de"], "es": "", "it": owners["it"], "pt": ""}
    assert delivery.reclaim_dead_leases() == 0


def test_on_a_system_without_proc_a_process_is_told_alive_by_its_pid_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = int(_dead_owner().split(":")[1])
    # The real check of a system without /proc (os.kill(pid, 0)); only /proc is hidden.
    monkeypatch.setattr(delivery, "Path", lambda path: Path("/nonexistent") / path.lstrip("/"))
    assert delivery._process_start(os.getpid()) == ""
    assert delivery._process_start(dead) is None
    assert delivery.owner_alive(f"{delivery.HOST}:{os.getpid()}::1")
    assert not delivery.owner_alive(f"{delivery.HOST}:{dead}::1")


def test_without_proc_a_process_of_another_user_counts_as_alive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not root, signalling another user's process is refused (EPERM): it exists. As root
    (these tests) the kernel never refuses, so the refusal is the kernel's answer faked."""

    def kill(pid: int, signal_number: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(delivery, "Path", lambda path: Path("/nonexistent") / path.lstrip("/"))
    monkeypatch.setattr(delivery.os, "kill", kill)
    assert delivery._process_start(1) == ""


# The kept-alive connection


class Hangs:
    """Reads each request, then for the first `drop` ones closes the connection without an
    answer (a kept-alive connection the server had closed); after that, answers as the
    partner does. `/ping` is answered 204."""

    def __init__(self, partner: Partner, drop: int) -> None:
        self.dropped = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if owner.dropped < drop:
                    owner.dropped += 1
                    self.close_connection = True
                    return
                if self.path == "/ping":
                    self.send_response(204)
                    self.end_headers()
                    return
                status, answer, kind = partner.answer(self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hangs() -> Iterator[Callable[[int], Hangs]]:
    servers: list[Hangs] = []

    def make(drop: int) -> Hangs:
        servers.append(Hangs(Partner(FR), drop))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def test_a_connection_closed_by_the_partner_is_reopened_once(
    hangs: Callable[[int], Hangs],
) -> None:
    server = hangs(1)
    peer = make_peer(server.url)
    queue(peer, 2)
    assert delivery.Worker().run_once()
    assert server.dropped == 1 and set(states().values()) == {"delivered"}
    assert Peer.objects.get(pk=peer.pk).failures == 0


def test_a_partner_that_closes_the_connection_again_is_a_transport_failure(
    hangs: Callable[[int], Hangs],
) -> None:
    server = hangs(100)
    peer = make_peer(server.url)
    queue(peer, 1)
    assert delivery.Worker().run_once()
    assert server.dropped == 2  # the request, then its one resend on a new connection
    row = Peer.objects.get(pk=peer.pk)
    assert row.failures == 1 and "RemoteDisconnected" in row.last_error
    assert states() == {1: "pending"}


def test_a_job_failing_while_the_partner_works_closes_the_connection(
    hangs: Callable[[int], Hangs],
) -> None:
    conn = delivery.Connection(hangs(0).url)

    def fails() -> None:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        conn.post("/ping", b"{}", "application/json", fails)
    assert conn.conn is None  # its answer will never be read: not reused
    assert conn.post("/ping", b"{}", "application/json") == (204, b"")


# Partners and receipts not to be trusted


def test_a_partner_whose_pinned_key_is_garbage_is_backed_off_and_sent_nothing(
    partner: Partner, fr: Peer
) -> None:
    Peer.objects.filter(pk=fr.pk).update(public_key="not-a-key")
    queue(Peer.objects.get(pk=fr.pk), 1)
    assert delivery.Worker().run_once()
    row = Peer.objects.get(pk=fr.pk)
    assert row.failures == 1 and "pinned key" in row.last_error and row.lease_owner == ""
    assert partner.requests == [] and states() == {1: "pending"}


def test_a_partner_without_batches_is_asked_once_and_a_failure_stops_the_rest(
    partner: Partner, fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "MAX_BATCH_ENVELOPES", 2)
    partner.batches = False
    partner.script = fails_on(3)
    queue(fr, 5)
    worker = delivery.Worker()
    assert worker.run_once()
    assert not worker.connections[fr.pk].batches  # the next batches go one by one at once
    assert partner.seqs() == [1, 2, 3]
    assert states() == {1: "delivered", 2: "delivered", 3: "pending", 4: "pending", 5: "pending"}
    delivered = OutboxEnvelope.objects.get(seq=1)
    assert (delivered.attempts, delivered.failures) == (1, 0)


def test_a_receipt_for_another_envelope_is_not_taken_as_delivery(
    partner: Partner, fr: Peer
) -> None:
    first, second = queue(fr, 2)
    other = {1: str(second.envelope_id), 2: str(first.envelope_id)}
    receipt = partner.receipt

    def swapped(claims: dict[str, Any], outcome: ReceiptData) -> str:
        return receipt({**claims, "id": other[claims["seq"]]}, outcome)

    partner.receipt = swapped  # type: ignore[method-assign]
    assert delivery.Worker().run_once()
    assert states() == {1: "pending", 2: "pending"}
    assert "for another envelope" in Peer.objects.get(pk=fr.pk).last_error


def test_a_receipt_from_another_node_is_not_taken_as_delivery(partner: Partner, fr: Peer) -> None:
    Peer.objects.filter(pk=fr.pk).update(node_id="de")
    queue(Peer.objects.get(pk=fr.pk), 1)  # the partner signs its receipts as "fr"
    assert delivery.Worker().run_once()
    assert states() == {1: "pending"}
    assert "for another envelope" in Peer.objects.get(pk=fr.pk).last_error


def test_a_refusal_of_our_signature_is_retried_not_final(partner: Partner, fr: Peer) -> None:
    partner.script = lambda claims: ReceiptData(
        Status.REJECTED, Reason.BAD_SIGNATURE, "unknown key"
    )
    queue(fr, 2)
    assert delivery.Worker().run_once()
    assert states() == {1: "pending", 2: "pending"}
    head = OutboxEnvelope.objects.get(seq=1)
    assert (head.attempts, head.failures) == (1, 1)
    assert "did not recognise our signature" in Peer.objects.get(pk=fr.pk).last_error


def test_a_delivery_after_failures_resets_the_count_before_a_later_batch_fails(
    partner: Partner, fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "MAX_BATCH_ENVELOPES", 2)
    Peer.objects.filter(pk=fr.pk).update(failures=3)
    partner.script = fails_on(3)
    queue(Peer.objects.get(pk=fr.pk), 4)
    assert delivery.Worker().run_once()
    assert states() == {1: "delivered", 2: "delivered", 3: "pending", 4: "pending"}
    assert Peer.objects.get(pk=fr.pk).failures == 1  # reset by #1-#2, then #3 failed


def test_an_attempt_that_does_not_reach_the_partner_sets_nothing_aside(
    partner: Partner, fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_SET_ASIDE_AFTER", "3")
    partner.script = fails_on(1)
    queue(fr, 1)
    for _ in range(2):
        due_now(fr)
        assert delivery.Worker().run_once()
    assert OutboxEnvelope.objects.get().failures == 2
    # The threshold lowered to two, and the partner unreachable: only answered attempts count.
    monkeypatch.setenv("LIAISON_SET_ASIDE_AFTER", "2")
    unreachable = f"http://127.0.0.1:{closed_port()}"
    Peer.objects.filter(pk=fr.pk).update(url=unreachable, next_attempt_at=None)
    assert delivery.Worker().run_once()
    head = OutboxEnvelope.objects.get()
    assert (head.state, head.attempts, head.failures) == ("pending", 3, 2)


def test_an_unexpected_error_backs_the_partner_off_so_the_others_are_served() -> None:
    """Not a transport error (the node's key unreadable while signing): without a backoff
    the partner stays due first, and every other partner waits behind it for ever."""
    stuck = other_peer("es")
    queue(stuck, 1)
    key_file = keys.key_path(Path(settings.DATA_DIR))
    hidden = key_file.with_name(key_file.name + ".away")
    key_file.rename(hidden)
    worker = delivery.Worker()
    try:
        with pytest.raises(Exception) as raised:  # whatever signing raises
            worker.run_once()
    finally:
        hidden.rename(key_file)
    row = Peer.objects.get(pk=stuck.pk)
    assert row.failures == 1 and f"unexpected {type(raised.value).__name__}" in row.last_error
    assert row.next_attempt_at is not None and row.next_attempt_at > timezone.now()
    assert row.lease_owner == ""  # released for the next attempt
    assert delivery.claim_peer(worker.name) is None  # not due again until its backoff ends
    assert set(states().values()) == {"pending"}

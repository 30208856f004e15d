"""The delivery worker against a scripted partner on loopback: batches, order, receipts,
failures and backoff, setting aside, and reclaiming the leases of dead workers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from joserfc.jwk import OKPKey

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange import keys
from liaison.exchange import worker as delivery
from liaison.exchange.actions import drop_envelopes, retry_envelopes
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.exchange.outbox import enqueue
from liaison.exchange.protocol import Reason, ReceiptData, Status
from liaison.exchange.sharing import ExchangeError
from tests.exchange.partner import Partner, closed_port

pytestmark = pytest.mark.django_db

FR = OKPKey.generate_key("Ed25519")


@pytest.fixture(autouse=True)
def _node_key() -> None:
    keys.create_key(Path(settings.DATA_DIR))


@pytest.fixture
def partner() -> Iterator[Partner]:
    partner = Partner(FR)
    partner.start()
    yield partner
    partner.stop()


def make_peer(url: str) -> Peer:
    return Peer.objects.create(
        node_id="fr",
        url=url,
        fingerprint=keys.fingerprint(FR),
        public_key=keys.public_jwk(FR)["x"],
    )


@pytest.fixture
def fr(partner: Partner) -> Peer:
    return make_peer(partner.url)


def queue(peer: Peer, count: int) -> list[OutboxEnvelope]:
    with transaction.atomic():
        return [
            enqueue(peer, "person.upsert", {"uid": f"p{i}", "version": 1}, handling="H0")
            for i in range(1, count + 1)
        ]


def states() -> dict[int, str]:
    return dict(OutboxEnvelope.objects.values_list("seq", "state"))


def due_now(peer: Peer) -> None:
    """Skip the backoff wait: the next attempt is due at once."""
    Peer.objects.filter(pk=peer.pk).update(next_attempt_at=None)


def fails_on(seq: int) -> Callable[[dict[str, Any]], ReceiptData | None]:
    """A partner whose database fails on envelope `seq`: it answers the ones before only."""

    def script(claims: dict[str, Any]) -> ReceiptData | None:
        return None if claims["seq"] == seq else ReceiptData(Status.APPLIED, detail="created")

    return script


# Batches


def test_it_sends_the_queue_in_batches_in_order_and_records_each_signed_receipt(
    partner: Partner, fr: Peer
) -> None:
    queue(fr, 250)
    assert delivery.Worker().run_once()
    assert [len(seqs) for _, seqs in partner.requests] == [100, 100, 50]
    assert partner.seqs() == list(range(1, 251))
    assert set(states().values()) == {"delivered"}
    row = OutboxEnvelope.objects.get(seq=250)
    assert row.receipt_status == "applied" and row.receipt.count(".") == 2
    assert Peer.objects.get(pk=fr.pk).failures == 0


def test_a_partner_without_batches_gets_one_envelope_per_request(
    partner: Partner, fr: Peer
) -> None:
    partner.batches = False
    queue(fr, 3)
    assert delivery.Worker().run_once()
    # The 404 to the first batch is not counted: one request per envelope after it.
    assert partner.requests == [("/federation/v1/envelopes", [seq]) for seq in (1, 2, 3)]
    assert set(states().values()) == {"delivered"}


def test_it_stops_at_the_first_envelope_without_a_receipt_and_resends_from_there(
    partner: Partner, fr: Peer
) -> None:
    queue(fr, 5)
    partner.script = fails_on(3)
    assert delivery.Worker().run_once()
    assert states() == {1: "delivered", 2: "delivered", 3: "pending", 4: "pending", 5: "pending"}
    assert len(partner.requests) == 1  # nothing after #3 was sent again before it
    third = OutboxEnvelope.objects.get(seq=3)
    assert (third.attempts, third.failures) == (1, 1)
    assert "no receipt for #3" in Peer.objects.get(pk=fr.pk).last_error

    partner.script = fails_on(0)
    due_now(fr)
    assert delivery.Worker().run_once()
    assert partner.requests[-1][1] == [3, 4, 5]
    assert set(states().values()) == {"delivered"}


def test_a_failure_in_a_later_batch_keeps_the_batches_before_and_sends_none_after(
    partner: Partner, fr: Peer
) -> None:
    queue(fr, 250)
    partner.script = fails_on(150)
    assert delivery.Worker().run_once()
    assert [len(seqs) for _, seqs in partner.requests] == [100, 100]
    pending = {seq for seq, state in states().items() if state == "pending"}
    assert pending == set(range(150, 251))
    assert OutboxEnvelope.objects.filter(state="delivered").count() == 149


def test_a_rejection_receipt_is_final_and_the_rest_flows(partner: Partner, fr: Peer) -> None:
    queue(fr, 3)

    def rejects_two(claims: dict[str, Any]) -> ReceiptData:
        if claims["seq"] == 2:
            return ReceiptData(Status.REJECTED, Reason.NOT_OWNER, "not yours")
        return ReceiptData(Status.APPLIED, detail="created")

    partner.script = rejects_two
    assert delivery.Worker().run_once()
    assert states() == {1: "delivered", 2: "rejected", 3: "delivered"}
    second = OutboxEnvelope.objects.get(seq=2)
    assert (second.reason, second.detail) == ("not_owner", "not yours")
    assert AuditEntry.objects.filter(action="disclose", detail__status="rejected").count() == 1

    due_now(fr)
    assert not delivery.Worker().run_once()  # nothing due: the rejected one is never resent
    assert partner.seqs() == [1, 2, 3]


# Failures and backoff


def test_backoff_doubles_from_one_second_up_to_the_cap_with_half_of_it_random(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIAISON_EXCHANGE_RETRY_CAP", "8")
    for failures, full in ((1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (30, 8)):
        delays = [delivery.backoff(failures) for _ in range(200)]
        assert full / 2 <= min(delays) and max(delays) <= full
        assert max(delays) - min(delays) > full / 4  # jittered, not fixed


def test_a_refused_connection_counts_as_a_failure_with_backoff() -> None:
    peer = make_peer(f"http://127.0.0.1:{closed_port()}")
    queue(peer, 2)
    before = timezone.now()
    assert delivery.Worker().run_once()  # no exception escapes: it is a transport failure
    peer.refresh_from_db()
    assert peer.failures == 1 and "ConnectionRefusedError" in peer.last_error
    assert peer.next_attempt_at is not None and peer.next_attempt_at > before
    assert not delivery.Worker().run_once()  # backed off: not due again yet
    head = OutboxEnvelope.objects.get(seq=1)
    assert (head.state, head.attempts, head.failures) == ("pending", 1, 0)


def test_failures_add_up_until_a_delivery_resets_them(partner: Partner, fr: Peer) -> None:
    queue(fr, 1)
    partner.script = fails_on(1)
    for expected in (1, 2, 3):
        due_now(fr)
        assert delivery.Worker().run_once()
        assert Peer.objects.get(pk=fr.pk).failures == expected
    partner.script = fails_on(0)
    due_now(fr)
    assert delivery.Worker().run_once()
    fr.refresh_from_db()
    assert (fr.failures, fr.next_attempt_at, fr.last_error) == (0, None, "")
    assert fr.last_success_at is not None and states() == {1: "delivered"}


# Setting aside


def test_an_envelope_that_keeps_failing_is_set_aside_audited_and_the_rest_flows(
    partner: Partner, fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_SET_ASIDE_AFTER", "3")
    queue(fr, 4)
    partner.script = fails_on(2)
    for _ in range(3):
        due_now(fr)
        delivery.Worker().run_once()
    assert states() == {1: "delivered", 2: "set_aside", 3: "pending", 4: "pending"}
    entry = AuditEntry.objects.get(action="admin", detail__status="set_aside")
    assert (entry.peer_node, entry.detail["seq"], entry.detail["failures"]) == ("fr", 2, 3)

    due_now(fr)
    assert delivery.Worker().run_once()
    assert states() == {1: "delivered", 2: "set_aside", 3: "delivered", 4: "delivered"}
    assert 2 not in partner.seqs()[-2:]


def test_an_unreachable_partner_sets_nothing_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_SET_ASIDE_AFTER", "2")
    peer = make_peer(f"http://127.0.0.1:{closed_port()}")
    queue(peer, 2)
    for _ in range(4):
        due_now(peer)
        delivery.Worker().run_once()
    assert states() == {1: "pending", 2: "pending"}
    assert Peer.objects.get(pk=peer.pk).failures == 4


def test_an_administrator_retries_or_drops_an_envelope_set_aside(
    partner: Partner, fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_SET_ASIDE_AFTER", "1")
    rows = queue(fr, 3)
    partner.script = fails_on(1)
    delivery.Worker().run_once()
    partner.script = fails_on(3)
    due_now(fr)
    delivery.Worker().run_once()
    assert states() == {1: "set_aside", 2: "delivered", 3: "set_aside"}

    out = StringIO()
    call_command("peers", "list", stdout=out)
    assert (
        "set aside 2" in out.getvalue() and f"set aside #1 {rows[0].envelope_id}" in out.getvalue()
    )

    call_command("peers", "retry", "fr", str(rows[0].envelope_id), stdout=StringIO())
    assert OutboxEnvelope.objects.get(seq=1).failures == 0
    drop_envelopes(node_id="fr", envelope="3")
    partner.script = fails_on(0)
    due_now(fr)
    assert delivery.Worker().run_once()
    assert states() == {1: "delivered", 2: "delivered", 3: "dropped"}
    assert partner.seqs()[-1] == 1
    done = AuditEntry.objects.filter(action="admin", object_type="envelope")
    assert sorted(done.values_list("detail__status", flat=True)) == [
        "dropped",
        "retried",
        "set_aside",
        "set_aside",
    ]


def test_retrying_refuses_an_envelope_that_is_not_set_aside_and_changes_nothing(
    partner: Partner, fr: Peer
) -> None:
    queue(fr, 1)
    for envelope, message in (("1", "No envelope '1' set aside"), ("x", "neither")):
        with pytest.raises(ExchangeError, match=message):
            retry_envelopes(node_id="fr", envelope=envelope)
    with pytest.raises(ExchangeError, match="No partner node 'de'"):
        retry_envelopes(node_id="de", envelope="1")
    assert states() == {1: "pending"}
    assert not AuditEntry.objects.filter(action="admin", object_type="envelope").exists()


def test_the_partners_page_lists_the_envelopes_set_aside(
    partner: Partner,
    fr: Peer,
    make_user: Callable[..., User],
    login: Callable[[User], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIAISON_SET_ASIDE_AFTER", "1")
    [row] = queue(fr, 1)
    partner.script = fails_on(1)
    delivery.Worker().run_once()
    page = login(make_user("admin", "node_admin")).get("/federation/peers/").content.decode()
    assert "Set aside after repeated failures" in page and str(row.envelope_id) in page


# Leases of dead workers


def _dead_owner() -> str:
    """The lease owner name of a process of this host that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    start = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    child.kill()
    child.wait()
    return f"{delivery.HOST}:{child.pid}:{start}:1"


def test_a_restarted_worker_reclaims_at_start_the_lease_of_its_hosts_dead_worker(
    partner: Partner, fr: Peer
) -> None:
    queue(fr, 2)
    until = timezone.now() + timedelta(seconds=30)
    Peer.objects.filter(pk=fr.pk).update(lease_owner=_dead_owner(), lease_until=until)
    worker = delivery.Worker()
    worker.run_periodic()  # what Worker.run does first
    assert worker.run_once()
    assert set(states().values()) == {"delivered"}


def test_it_leaves_the_leases_of_live_or_unknown_workers_alone() -> None:
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        start = Path(f"/proc/{live.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
        assert delivery.owner_alive(f"{delivery.HOST}:{live.pid}:{start}:1")
        # The same pid with another start time: the pid was reused, the owner is dead.
        assert not delivery.owner_alive(f"{delivery.HOST}:{live.pid}:1{start}:1")
    finally:
        live.kill()
        live.wait()
    assert delivery.owner_alive(delivery.worker_name())  # this process
    assert delivery.owner_alive(f"another-host:{os.getpid()}:1:1")  # cannot tell: left to expire
    assert delivery.owner_alive("an-old-style-name")
    assert not delivery.owner_alive(_dead_owner())

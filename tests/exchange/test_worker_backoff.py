"""The worker's backoff as it is written to the database: each failure in a row waits
about twice as long as the one before, up to the cap, and a partner is not tried before
its next attempt is due. Driven against a real local HTTP server answering 503."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from liaison.exchange import keys
from liaison.exchange import worker as delivery
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.exchange.outbox import enqueue
from tests.exchange.test_worker import make_peer

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


class Unavailable:
    """A partner that answers every request 503 with no receipt, and counts them."""

    def __init__(self) -> None:
        self.requests = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests += 1
                body = b"down for maintenance"
                self.send_response(503)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def down() -> Iterator[Unavailable]:
    keys.create_key(Path(settings.DATA_DIR))
    server = Unavailable()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _fail_once(peer: Peer) -> tuple[int, float]:
    """One attempt, due at once; the failure count and the wait it set, from the row."""
    Peer.objects.filter(pk=peer.pk).update(next_attempt_at=None)
    assert delivery.Worker().run_once()
    row = Peer.objects.get(pk=peer.pk)
    assert row.next_attempt_at is not None and row.last_attempt_at is not None
    return row.failures, (row.next_attempt_at - row.last_attempt_at).total_seconds()


def test_each_failure_waits_twice_as_long_up_to_the_cap(
    down: Unavailable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_EXCHANGE_RETRY_CAP", "16")
    peer = make_peer(down.url)
    with transaction.atomic():
        enqueue(peer, "person.upsert", {"uid": "p1", "version": 1}, handling="H0")

    waits = [_fail_once(peer) for _ in range(7)]

    assert [failures for failures, _ in waits] == [1, 2, 3, 4, 5, 6, 7]
    for (failures, wait), full in zip(waits, (1, 2, 4, 8, 16, 16, 16), strict=True):
        assert full / 2 <= wait <= full, (failures, wait)  # equal jitter: half fixed
    assert down.requests == 7
    head = OutboxEnvelope.objects.get()
    # A 503 is an answer without a receipt: it counts towards setting the envelope aside.
    assert (head.state, head.attempts, head.failures) == ("pending", 7, 7)
    assert "HTTP 503" in Peer.objects.get(pk=peer.pk).last_error


def test_a_backed_off_partner_is_not_tried_before_its_next_attempt(down: Unavailable) -> None:
    peer = make_peer(down.url)
    with transaction.atomic():
        enqueue(peer, "person.upsert", {"uid": "p1", "version": 1}, handling="H0")
    _fail_once(peer)
    assert not delivery.Worker().run_once()  # not due: nothing claimed, nothing sent
    assert down.requests == 1
    assert Peer.objects.get(pk=peer.pk).failures == 1

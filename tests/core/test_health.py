"""The node-health page and the worker's heartbeat: what an administrator is told."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry, Verification
from liaison.core.health import NodeHealth, beat, clock_offsets
from liaison.core.models import WorkerBeat
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user: Callable[..., User], login: Callable[[User], Client]) -> Client:
    return login(make_user("root", "node_admin"))


def page(client: Client) -> str:
    response = client.get("/health/")
    assert response.status_code == 200
    return response.content.decode()


def receipt_claiming(received_at: str) -> str:
    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'EdDSA'})}.{part({'received_at': received_at})}.c2ln"


def delivered_with_clock_ahead(peer: Peer, seconds: float) -> None:
    delivered = timezone.now() - timedelta(minutes=1)
    OutboxEnvelope.objects.create(
        peer=peer,
        seq=OutboxEnvelope.objects.filter(peer=peer).count() + 1,
        envelope_id=uuid.uuid4(),
        message_type="person.upsert",
        handling="H1",
        payload={},
        state=OutboxState.DELIVERED,
        delivered_at=delivered,
        receipt=receipt_claiming((delivered + timedelta(seconds=seconds)).isoformat()),
    )


def test_only_node_administrators_see_it(
    make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    for role in ("officer", "supervisor", "auditor", "liaison_officer"):
        response = login(make_user(f"u-{role}", role)).get("/health/")
        assert response.status_code == 403, role
    assert Client().get("/health/").status_code == 302


def test_a_node_without_a_worker_says_so_and_a_beat_makes_it_running(admin: Client) -> None:
    assert "No worker has been seen" in page(admin)
    beat()
    beats = list(WorkerBeat.objects.all())
    assert len(beats) == 1
    text = page(admin)
    assert "No worker has been seen" not in text
    assert beats[0].worker in text and "running" in text


def test_a_worker_unseen_for_minutes_is_shown_stopped(admin: Client) -> None:
    WorkerBeat.objects.create(
        worker="old-host:42",
        started_at=timezone.now() - timedelta(hours=2),
        seen_at=timezone.now() - timedelta(minutes=10),
    )
    text = page(admin)
    assert "old-host:42" in text and "stopped" in text
    assert "No worker has been seen" in text


def test_a_beat_forgets_workers_gone_for_a_day() -> None:
    WorkerBeat.objects.create(
        worker="gone:1",
        started_at=timezone.now() - timedelta(days=3),
        seen_at=timezone.now() - timedelta(days=2),
    )
    beat()
    assert not WorkerBeat.objects.filter(worker="gone:1").exists()


def test_partner_clocks_come_from_their_latest_receipt(
    admin: Client, caplog: pytest.LogCaptureFixture
) -> None:
    fr = Peer.objects.create(node_id="fr", url="http://fr.test", fingerprint="0" * 64)
    es = Peer.objects.create(node_id="es", url="http://es.test", fingerprint="1" * 64)
    delivered_with_clock_ahead(fr, 2)
    delivered_with_clock_ahead(es, 200)  # beyond half of the 5-minute skew window
    offsets = {o.partner: o for o in clock_offsets()}
    assert offsets["fr"].seconds == pytest.approx(2) and not offsets["fr"].drifting
    assert offsets["es"].seconds == pytest.approx(200) and offsets["es"].drifting
    with caplog.at_level(logging.WARNING, logger="liaison.core.health"):
        beat()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "es's clock is +200 s" in warnings[0]
    assert "check the time service" in page(admin)


def test_a_receipt_that_cannot_be_read_gives_no_offset() -> None:
    fr = Peer.objects.create(node_id="fr", url="http://fr.test", fingerprint="0" * 64)
    delivered_with_clock_ahead(fr, 1)
    OutboxEnvelope.objects.update(receipt="not-a-jws")
    assert clock_offsets() == []


def test_the_last_audit_verification_is_shown_and_logged(admin: Client) -> None:
    assert "never verified" in page(admin)
    entries = AuditEntry.objects.count()
    call_command("audit", "verify")
    run = Verification.objects.get()
    assert run.ok and run.checked == entries and run.broken_seq is None
    assert AuditEntry.objects.count() == entries  # beside the chain, not in it
    text = page(admin)
    assert "never verified" not in text and "intact" in text


def test_a_broken_chain_is_shown_broken(admin: Client) -> None:
    beat()
    with connection.cursor() as cursor:  # a forged entry past the head, as in test_tamper
        cursor.execute("DELETE FROM audit_auditchainhead")
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    run = Verification.objects.get()
    assert not run.ok and run.problem
    assert "BROKEN" in page(admin)


def test_problems_are_counted() -> None:
    healthy = NodeHealth(True, "sqlite", 1, disk_free=50, disk_total=100)
    healthy.workers = [(WorkerBeat(worker="w"), True)]
    healthy.last_verification = Verification(ok=True, checked=1)
    assert healthy.problems == 0
    healthy.disk_free = 5
    assert healthy.disk_low and healthy.problems == 1
    healthy.last_verification = Verification(ok=False, checked=0)
    assert healthy.problems == 2


@pytest.mark.parametrize("partners", [1, 3])
def test_the_page_costs_a_fixed_number_of_queries_plus_one_per_partner(
    admin: Client, django_assert_num_queries: Callable[..., object], partners: int
) -> None:
    for n in range(partners):
        peer = Peer.objects.create(node_id=f"p{n}", url=f"http://p{n}.test", fingerprint="0" * 64)
        delivered_with_clock_ahead(peer, 1)
    admin.get("/health/")  # session, user and permissions cached as on any page
    database_size = 1 if connection.vendor == "postgresql" else 0  # SQLite: the file's size
    # + the navbar's desk count (a node administrator's: delivery problems too)
    with django_assert_num_queries(14 + database_size + partners):  # type: ignore[operator]
        admin.get("/health/")

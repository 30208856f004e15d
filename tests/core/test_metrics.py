"""/metrics: closed without the configured token, and its figures are the database's."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from liaison.audit.actions import log_event
from liaison.audit.choices import Action
from liaison.exchange.models import InboxEnvelope, OutboxEnvelope, OutboxState, Peer

pytestmark = pytest.mark.django_db
TOKEN = "m" * 40


@pytest.fixture
def token(settings: object) -> str:
    settings.METRICS_TOKEN = TOKEN  # type: ignore[attr-defined]
    return TOKEN


def scrape(token: str = TOKEN) -> str:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def envelope(
    peer: Peer, seq: int, state: str, age: timedelta, took: timedelta | None = None
) -> None:
    row = OutboxEnvelope.objects.create(
        peer=peer,
        seq=seq,
        envelope_id=uuid.uuid4(),
        message_type="person.upsert",
        handling="H1",
        payload={},
        state=state,
    )
    created = timezone.now() - age
    delivered = created + took if took is not None else None
    OutboxEnvelope.objects.filter(pk=row.pk).update(created_at=created, delivered_at=delivered)


def test_without_a_configured_token_there_is_nothing_to_find(settings: object) -> None:
    settings.METRICS_TOKEN = ""  # type: ignore[attr-defined]
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.parametrize("header", ["", "Bearer ", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"])
def test_a_wrong_or_missing_token_is_refused(token: str, header: str) -> None:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"liaison_" not in response.content


def test_post_is_not_allowed(token: str) -> None:
    assert Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_queues_ages_latency_and_inbox_come_from_the_database(token: str) -> None:
    fr = Peer.objects.create(node_id="fr", url="http://fr.test", fingerprint="0" * 64)
    Peer.objects.create(node_id="es", url="http://es.test", fingerprint="1" * 64, failures=3)
    envelope(fr, 1, OutboxState.DELIVERED, timedelta(minutes=5), took=timedelta(seconds=2))
    envelope(fr, 2, OutboxState.DELIVERED, timedelta(minutes=4), took=timedelta(seconds=4))
    envelope(fr, 3, OutboxState.PENDING, timedelta(seconds=90))
    envelope(fr, 4, OutboxState.PENDING, timedelta(seconds=30))
    envelope(fr, 5, OutboxState.SET_ASIDE, timedelta(hours=3))
    InboxEnvelope.objects.create(
        envelope_id=uuid.uuid4(),
        sender="fr",
        seq=1,
        message_type="hit.notify",
        status="applied",
        sent_at=timezone.now(),
    )
    text = scrape()
    assert 'liaison_outbox_envelopes{partner="fr",state="pending"} 2.0' in text
    assert 'liaison_outbox_envelopes{partner="fr",state="set_aside"} 1.0' in text
    assert 'liaison_outbox_envelopes{partner="es",state="pending"} 0.0' in text
    oldest = next(
        line
        for line in text.splitlines()
        if line.startswith('liaison_outbox_oldest_pending_seconds{partner="fr"}')
    )
    assert 89 <= float(oldest.split()[-1]) < 150  # the 90 s one, not the 30 s one
    assert 'liaison_outbox_oldest_pending_seconds{partner="es"} 0.0' in text
    assert 'liaison_peer_consecutive_failures{partner="es"} 3.0' in text
    assert 'liaison_delivery_latency_seconds{partner="fr",quantile="0.5"} 4.0' in text
    assert 'liaison_delivery_latency_seconds{partner="es"' not in text  # nothing delivered
    assert 'liaison_inbox_envelopes_total{partner="fr",status="applied"} 1.0' in text


def test_audit_writes_and_failed_sign_ins_are_counted(token: str) -> None:
    before = scrape()
    log_event(action=Action.LOGIN_FAILED, detail={"username": "x"})
    log_event(action=Action.LOGIN_FAILED, detail={"username": "y"})
    after = scrape()

    def value(text: str, name: str) -> float:
        return float(
            next(line for line in text.splitlines() if line.startswith(name + " ")).split()[-1]
        )

    assert (
        value(after, "liaison_login_failures_total")
        == value(before, "liaison_login_failures_total") + 2
    )
    assert (
        value(after, "liaison_audit_entries_total")
        == value(before, "liaison_audit_entries_total") + 2
    )


def test_a_short_token_stops_the_node_at_start(tmp_path: Path) -> None:
    env = os.environ | {
        "LIAISON_METRICS_TOKEN": "short",
        "DJANGO_SETTINGS_MODULE": "liaison.settings",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env | {"LIAISON_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "LIAISON_METRICS_TOKEN must be at least 32 characters" in result.stderr

"""Signing this node's head: on demand, and by the worker only when the interval has passed
and the head moved; queued for every partner in the signing transaction."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.audit.actions import chain_head, log_event
from liaison.audit.models import AuditEntry
from liaison.exchange.identity import node_key
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.witness.actions import witness_head, witness_if_due
from liaison.witness.heads import open_head
from liaison.witness.models import SignedHead
from tests.witness.conftest import STRANGER, pin

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(fr: Peer) -> list[Peer]:
    return [fr, pin("xx", STRANGER)]


def test_witnessing_signs_the_head_and_queues_it_for_every_partner(partners: list[Peer]) -> None:
    log_event(action="admin", object_type="test")
    seq, digest = chain_head()
    witness_head()
    row = SignedHead.objects.get()
    head = open_head(row.token, node_key())
    assert (head.node, head.seq, head.hash) == ("ma", seq, digest) == ("ma", row.seq, row.hash)
    queued = OutboxEnvelope.objects.order_by("peer__node_id")
    assert [(e.peer.node_id, e.message_type, e.handling) for e in queued] == [
        ("fr", "audit.head", "H0"),
        ("xx", "audit.head", "H0"),
    ]
    assert all(e.payload["object"] == {"head": row.token} for e in queued)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and entry.seq == seq + 1
    assert entry.detail == {"signed": "head", "hash": digest, "partners": ["fr", "xx"]}


def test_the_worker_signs_only_when_the_interval_passed_and_the_head_moved(
    partners: list[Peer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_WITNESS_INTERVAL", "60")
    log_event(action="admin", object_type="test")
    assert witness_if_due() is not None  # never signed: due
    assert witness_if_due() is None  # within the interval
    log_event(action="consult", object_type="person", object_id="1")
    assert witness_if_due() is None  # moved, but within the interval
    _age_signed_heads()
    assert witness_if_due() is not None
    _age_signed_heads()
    assert witness_if_due() is None  # the interval passed, but only witnessing wrote since
    assert SignedHead.objects.count() == 2


def test_the_worker_signs_when_the_chain_went_backwards(
    partners: list[Peer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_WITNESS_INTERVAL", "60")
    log_event(action="admin", object_type="test")
    witness_head()
    SignedHead.objects.update(seq=10_000)  # as if the database were restored from a backup
    _age_signed_heads()
    assert witness_if_due() is not None


def test_the_worker_does_not_sign_when_disabled_or_alone(
    fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_WITNESS_INTERVAL", "0")
    assert witness_if_due() is None
    monkeypatch.setenv("LIAISON_WITNESS_INTERVAL", "60")
    fr.delete()
    assert witness_if_due() is None and not SignedHead.objects.exists()


def test_an_audit_write_does_not_touch_witnessing(partners: list[Peer]) -> None:
    witness_head()
    with CaptureQueriesContext(connection) as queries:
        log_event(action="consult", object_type="person", object_id="1")
    assert not [q for q in queries.captured_queries if "witness" in q["sql"]]
    sql = [q["sql"].split()[0] for q in queries.captured_queries]
    # In the test's transaction: a savepoint, lock the head, insert and move the head (one
    # statement on PostgreSQL), release.
    append = ["WITH"] if connection.vendor == "postgresql" else ["INSERT", "UPDATE"]
    assert sql == ["SAVEPOINT", "SELECT", *append, "RELEASE"]


def _age_signed_heads() -> None:
    for row in SignedHead.objects.all():
        SignedHead.objects.filter(pk=row.pk).update(signed_at=row.signed_at - timedelta(hours=1))


def test_witnessed_verify_without_partners_says_it_could_not_check(db: None) -> None:
    log_event(action="admin", object_type="test")
    with pytest.raises(CommandError, match="no partner to ask") as caught:
        call_command("audit", "verify", "--witnessed", stdout=io.StringIO())
    assert caught.value.returncode == 2


def test_the_witness_command_signs_and_says_for_whom(partners: list[Peer]) -> None:
    out = io.StringIO()
    call_command("audit", "witness", stdout=out)
    row = SignedHead.objects.get()
    assert out.getvalue().strip() == f"signed head seq {row.seq} hash {row.hash}; queued for fr, xx"

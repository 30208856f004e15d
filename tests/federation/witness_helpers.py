"""Run inside a node (`liaison shell -c`) by test_witness.py: heads held, an attacker's
rewrite of the audit chain's tail. No pytest here."""

from __future__ import annotations

import json
import time

from django.db import connection, transaction

from liaison.audit.actions import log_event
from liaison.audit.chain import HASHED_FIELDS, entry_hash
from liaison.audit.models import AuditChainHead, AuditEntry
from liaison.exchange.models import OutboxEnvelope
from liaison.witness.actions import head_moved_since
from liaison.witness.models import PartnerHead, SignedHead


def wait_heads(node: str, more_than: int, seq: int, timeout: float) -> None:
    """Block until more than `more_than` heads of `node` are held here, one of them at
    `seq` or beyond; print how many."""
    deadline = time.monotonic() + timeout
    while True:
        held = PartnerHead.objects.filter(node=node)
        if held.count() > more_than and held.filter(seq__gte=seq).exists():
            break
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    print(
        json.dumps(
            {"heads": held.count(), "max_seq": max(held.values_list("seq", flat=True), default=0)}
        )
    )


def settled(partner: str, timeout: float) -> None:
    """Block until this node has signed a head, nothing but witnessing moved its chain
    since, and nothing is waiting to go to `partner`: no head left to sign or in flight.
    Print the last signed head's seq."""
    deadline = time.monotonic() + timeout
    while True:
        last = SignedHead.objects.order_by("-pk").first()
        pending = OutboxEnvelope.objects.filter(peer__node_id=partner, state="pending")
        done = last is not None and not head_moved_since(last) and not pending.exists()
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    print(json.dumps({"seq": last.seq if last else None, "timed_out": not done}))


def heads(node: str) -> None:
    print(json.dumps(PartnerHead.objects.filter(node=node).count()))


def touch() -> None:
    """Something a user does: one audit entry."""
    log_event(action="consult", object_type="person", object_id="42", purpose="test")
    print(json.dumps(AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()))


def rewrite_from(seq: int) -> None:
    """What someone with write access to the database does: change entry `seq` with raw
    SQL, then recompute every hash from there to the end, and the head."""
    with transaction.atomic():
        list(AuditChainHead.objects.select_for_update().filter(pk=1))  # keep writers out
        rows = list(AuditEntry.objects.filter(seq__gte=seq).order_by("seq").values(*HASHED_FIELDS))
        prev = AuditEntry.objects.filter(seq=seq - 1).values_list("hash", flat=True).first()
        rows[0]["purpose"] = "nothing to see here"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # the table owner switches the guard off
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
            for row in rows:
                row["prev_hash"] = prev
                prev = entry_hash(row)
                cursor.execute(
                    "UPDATE audit_auditentry SET purpose = %s, prev_hash = %s, hash = %s"
                    " WHERE seq = %s",
                    [row["purpose"], row["prev_hash"], prev, row["seq"]],
                )
            cursor.execute("UPDATE audit_auditchainhead SET hash = %s WHERE id = 1", [prev])
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
    print(json.dumps({"rewritten": [seq, rows[-1]["seq"]]}))

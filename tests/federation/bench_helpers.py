"""Run inside a node for bench/exchange.py: enqueue envelopes in bulk, read timings."""

from __future__ import annotations

import json
import time

from django.db import transaction
from django.db.models import Max, Min

from liaison.accounts.models import User
from liaison.exchange.identity import node_key
from liaison.exchange.models import InboxEnvelope, OutboxEnvelope, Peer
from liaison.exchange.outbox import enqueue
from liaison.exchange.protocol import sign, utcnow
from liaison.registry.actions import NameData, PersonData, create_person
from liaison.registry.models import Person
from liaison.registry.sharing.records import person_object


def make_persons(count: int) -> None:
    actor = User.objects.get(username="lo")
    with transaction.atomic():
        for i in range(count):
            data = PersonData(category="wanted", names=[NameData(f"Bench Person {i}")])
            create_person(actor=actor, data=data)
    print(json.dumps({"persons": count}))


def enqueue_versions(total: int, partner: str, rate: float = 0.0, batch: int = 500) -> None:
    """`total` person.upsert envelopes through the real outbox (new versions of the bench
    persons); at `rate` per second in small transactions, or all at once in batches."""
    peer = Peer.objects.get(node_id=partner)
    bodies = [person_object(p) for p in Person.objects.filter(owner_node="ma")[:100]]
    version = int(time.time() * 1000) % 1_000_000_000  # later runs win over earlier ones
    start = time.monotonic()
    step = 1 if rate else batch
    for first in range(0, total, step):
        with transaction.atomic():
            for i in range(first, min(first + step, total)):
                body = bodies[i % len(bodies)] | {"version": version + i}
                enqueue(peer, "person.upsert", body, handling="H0")
        if rate:
            time.sleep(max(0.0, start + (first + 1) / rate - time.monotonic()))
    print(json.dumps({"enqueued": total, "seconds": time.monotonic() - start}))


def envelope_bytes(partner: str) -> None:
    """The size of one signed envelope for `partner` as the worker sends it (the last one
    queued, signed with a fresh sent_at): the body size of the plain POST baseline."""
    row = OutboxEnvelope.objects.filter(peer__node_id=partner).order_by("-seq").first()
    assert row is not None, "nothing queued for the partner yet"
    token = sign({**row.payload, "sent_at": utcnow().isoformat()}, node_key())
    print(json.dumps(len(token)))


def pending(partner: str) -> None:
    count = OutboxEnvelope.objects.filter(peer__node_id=partner, state="pending").count()
    print(json.dumps({"pending": count}))


def created_times(since_seq: int) -> None:
    rows = OutboxEnvelope.objects.filter(seq__gt=since_seq).values_list("envelope_id", "created_at")
    print(json.dumps({str(i): t.timestamp() for i, t in rows}))


def received_times() -> None:
    rows = InboxEnvelope.objects.values_list("envelope_id", "received_at")
    print(json.dumps({str(i): t.timestamp() for i, t in rows}))


def last_seq() -> None:
    seq = OutboxEnvelope.objects.order_by("-seq").values_list("seq", flat=True).first()
    print(json.dumps(seq or 0))


def wait_drained(partner: str, timeout: float) -> None:
    """Poll (cheaply, in this one process) until nothing is pending for `partner`."""
    start = time.monotonic()
    pending = OutboxEnvelope.objects.filter(peer__node_id=partner, state="pending")
    while pending.exists() and time.monotonic() - start < timeout:
        time.sleep(0.05)
    print(json.dumps({"seconds": time.monotonic() - start, "timed_out": pending.exists()}))


def last_inbox_pk() -> None:
    print(
        json.dumps(InboxEnvelope.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    )


def received_span(since_pk: int) -> None:
    """How many envelopes arrived after inbox row `since_pk`, and when the first and last did."""
    rows = InboxEnvelope.objects.filter(pk__gt=since_pk)
    times = rows.aggregate(first=Min("received_at"), last=Max("received_at"))
    print(
        json.dumps(
            {
                "count": rows.count(),
                "first": times["first"].timestamp() if times["first"] else None,
                "last": times["last"].timestamp() if times["last"] else None,
            }
        )
    )

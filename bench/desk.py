"""Desk latency over a large registry with a busy partner, on SQLite and PostgreSQL.

    .venv/bin/python bench/desk.py                    # 100,000 persons, both databases
    .venv/bin/python bench/desk.py --persons 20000 --databases sqlite

Each database gets a fresh throwaway node (bench/harness.py: a temp SQLite file, or a temp
PostgreSQL database on 127.0.0.1:5432, the one DATABASE_URL names if it names one), filled
by `bulk_seed_for_bench`; then a fifth of the persons become copies received from partner
`fr` over the last 60 days (half of them inside the desk's 30-day window), with warrants
received, 2,000 partner hits on our persons, 40,000 inbox envelopes, 2,000 withdrawals,
warrants due for review, envelopes set aside, and half of the officer's items already
read; then ANALYZE (PostgreSQL: autovacuum may be off on a test server, and would have
analysed a live node's tables long since). Printed for each database, side
by side in one run, through the whole Django stack (test client, a signed-in session):

- the desk page (`/`) of an officer, of a supervisor (who also sees reviews due) and of a
  node administrator (delivery problems);
- the person (record) page of one of our persons with a partner's hit, with its consult
  audit entry;
- the navbar's unread count alone (`unread_counts`, one query);
- the baseline: the purpose page, a trivial signed-in page, with the navbar's count reused
  between pages (LIAISON_DESK_BADGE_SECONDS, as on a node) and counted on every page.

Each line ends with the machine's load averages when it was measured (a shared machine's
load moves; the baseline, measured in the same run, shows how much).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta
from typing import Any

from harness import analyze, bench_user, load, pct, run_in_child, setup_django

TARGET_MS = 300
PURPOSE = {"purpose": "Desk benchmark", "reference": "BENCH-1", "record": ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.persons, args.requests)
        return
    print(f"desk: {args.persons:,} persons, {args.requests} requests per page and database")
    for database in args.databases.split(","):
        argv = ["--persons", str(args.persons), "--requests", str(args.requests)]
        # Demo mode lets the bench's demo accounts skip the second factor, as on demo nodes.
        env = {
            "LIAISON_DEMO": "1",
            "LIAISON_ALLOWED_HOSTS": "testserver",
            "LIAISON_LOG_REQUESTS": "0",
        }
        run_in_child(__file__, database.strip(), argv, name="desk", env=env)


def run_child(database: str, persons: int, requests: int) -> None:
    setup_django()
    from django.test import override_settings

    started = time.perf_counter()
    from liaison.registry.demo_data import bulk_seed_for_bench

    bulk_seed_for_bench(persons, seed=7, bench=True)
    officer, supervisor = (
        bench_user("bench-officer", "officer"),
        bench_user("bench-boss", "supervisor"),
    )
    admin = bench_user("bench-admin", "node_admin")
    counts = _partner_activity(persons, officer)
    analyze()
    seeded = time.perf_counter() - started
    print(f"\n{database}: seeded {persons:,} persons and the partner's activity in {seeded:.0f} s")
    print("  " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
    print(f"  {'page':<36}{'p50 ms':>9}{'p95 ms':>9}  machine while measured")
    desks = []
    for label, user in (("officer", officer), ("supervisor", supervisor), ("node admin", admin)):
        desks.append(_row(f"desk page, {label}", lambda u=user: _time_page(u, "/", requests)))
    record = _row("person page, officer", lambda: _time_person(officer, requests))
    _row("navbar unread count (1 query)", lambda: _time_count(officer, requests))
    _row("  the same, counted to the end", lambda: _time_count(officer, requests, shown=10**9))
    _row("baseline: purpose page", lambda: _time_page(officer, "/registry/purpose/", requests))
    with override_settings(DESK_BADGE_SECONDS=0):
        _row(
            "  the same, count not reused",
            lambda: _time_page(officer, "/registry/purpose/", requests),
        )
    for label, worst in (("desk", max(desks)), ("person page", record)):
        verdict = "within" if worst <= TARGET_MS else "OVER"
        print(f"  {label} p95 {worst:.1f} ms: {verdict} the {TARGET_MS} ms target")


def _row(label: str, measure: Any) -> float:
    """Measure, print the line with the machine's load at the end of it; the p95."""
    times = measure()
    print(f"  {label:<36}{pct(times, 50):>9.1f}{pct(times, 95):>9.1f}  {load()}", flush=True)
    return pct(times, 95)


def _partner_activity(persons: int, officer: Any) -> dict[str, int]:
    """What a busy partner leaves: received copies, warrants, hits, envelopes, reads."""
    import uuid
    from datetime import date

    from django.db import transaction
    from django.utils import timezone

    from liaison.desk.models import DeskRead
    from liaison.exchange.models import (
        InboxEnvelope,
        OutboxEnvelope,
        OutboxState,
        Peer,
        Tombstone,
    )
    from liaison.registry.models import Hit, Person, Warrant

    rng = random.Random(5)
    now = timezone.now()
    peer = Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency="Police nationale"
    )
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    received = ids[: len(ids) // 5]
    ours = ids[len(ids) // 5 :]
    with transaction.atomic():
        for chunk in _chunks(received, 2000):
            Person.objects.filter(pk__in=chunk).update(owner_node="fr")
        for pk in received:  # spread over 60 days: half inside the desk's window
            at = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
            Person.objects.filter(pk=pk).update(received_at=at, created_at=at)
        warrants = Warrant.objects.bulk_create(
            Warrant(
                person_id=pk,
                owner_node="fr" if i % 2 == 0 else "ma",
                issuing_country="FR",
                issuing_authority="Parquet de Paris",
                reference=f"FR-{i}",
                issued_on=date(2025, 1, 1),
                received_at=now - timedelta(minutes=rng.randrange(60 * 24 * 60)),
                review_date=timezone.localdate() + timedelta(days=rng.randrange(-10, 400)),
            )
            for i, pk in enumerate(rng.sample(received, min(len(received), persons // 10)))
        )
        hits = Hit.objects.bulk_create(
            Hit(
                person_id=pk,
                owner_node="fr",
                encountered_name="Bench Encounter",
                encountered_on=now - timedelta(hours=rng.randrange(24 * 60)),
                place="Orly",
                context="border_check",
                recorded_by_name="Bench",
                received_at=now - timedelta(minutes=rng.randrange(60 * 24 * 60)),
            )
            for pk in rng.sample(ours, min(len(ours), 2000))
        )
        tombstones = Tombstone.objects.bulk_create(
            Tombstone(owner_node="fr", object_type="warrant", object_uid=uuid.uuid4(), version=2)
            for _ in range(2000)
        )
        envelopes = InboxEnvelope.objects.bulk_create(
            InboxEnvelope(
                envelope_id=uuid.uuid4(),
                sender="fr",
                seq=i + 1,
                message_type="warrant.withdraw" if i % 10 == 0 else "person.upsert",
                object_uid=str(uuid.uuid4()),
                status="applied",
                effect="deleted" if i % 10 == 0 else "updated",
                sent_at=now,
            )
            for i in range(40_000)
        )
        InboxEnvelope.objects.update(received_at=now - timedelta(days=15))
        Tombstone.objects.update(withdrawn_at=now - timedelta(days=15))
        set_aside = OutboxEnvelope.objects.bulk_create(
            OutboxEnvelope(
                peer=peer,
                seq=i + 1,
                envelope_id=uuid.uuid4(),
                message_type="person.upsert",
                handling="H0",
                payload={},
                state=OutboxState.SET_ASIDE if i < 20 else OutboxState.DELIVERED,
                attempts=3,
            )
            for i in range(5000)
        )
        read = [h for h in hits[::2]]
        DeskRead.objects.bulk_create(
            DeskRead(user=officer, source="hits", key=h.uid, version=1) for h in read
        )
    return {
        "received persons": len(received),
        "warrants": len(warrants),
        "partner hits": len(hits),
        "inbox envelopes": len(envelopes),
        "withdrawals": len(tombstones),
        "outbox envelopes": len(set_aside),
        "read marks": len(read),
    }


def _chunks(values: list[int], size: int) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _time_page(user: Any, path: str, requests: int) -> list[float]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return _time_client(client, path, requests)


def _time_person(user: Any, requests: int) -> list[float]:
    """The record page of one of our persons with a partner's hit (the purpose stated once
    for it, as an officer does), with its consult audit entry."""
    from django.test import Client

    from liaison.registry.models import Hit

    person = Hit.objects.filter(person__owner_node="ma").order_by("pk").first().person
    client = Client()
    client.force_login(user)
    session = client.session
    session["registry_purpose"] = PURPOSE
    session.save()
    return _time_client(client, f"/registry/persons/{person.uid}/", requests)


def _time_client(client: Any, path: str, requests: int) -> list[float]:
    for _ in range(5):  # warm up: caches, the first connection
        assert client.get(path).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def _time_count(user: Any, requests: int, shown: int | None = None) -> list[float]:
    """The counts as the desk takes them (up to UNREAD_SHOWN per feed), or up to `shown`."""
    from liaison.accounts.models import User
    from liaison.desk import queries

    user = User.objects.select_related("agency").get(pk=user.pk)
    kept = queries.UNREAD_SHOWN
    queries.UNREAD_SHOWN = shown or kept
    try:
        queries.unread_counts(user)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            queries.unread_counts(user)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        queries.UNREAD_SHOWN = kept
    return times


if __name__ == "__main__":
    main()

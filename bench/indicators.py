"""The plan's dashboard over two years of synthetic activity, on SQLite and PostgreSQL.

    .venv/bin/python bench/indicators.py                       # the issue's full size
    .venv/bin/python bench/indicators.py --scale 0.1 --databases sqlite

At --scale 1: 100,000 records shared (50,000 envelopes each way), 20,000 hits on shared
records, 5,000 requests for assistance, 200 trainings, 100 assistance, 200 actions, 2,000
warrants of which 500 executed (their audited status change). Each database gets a fresh
throwaway node (bench/harness.py). Printed side by side, through the whole Django stack
(test client, signed-in officer):

- the dashboard page cold (the indicators' cache cleared before each request) and warm;
- one chart (SVG) warm, and the review pack (XLSX, and PDF in French and in Arabic:
  always computed);
- the baseline: the plan's trainings page, a plain signed-in page, in the same run.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import timedelta
from typing import Any

from harness import analyze, bench_user, load, pct, run_in_child, setup_django

PERIOD = "?from=2025-Q1&to=2026-Q4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.scale, args.requests)
        return
    print(f"indicators: scale {args.scale}, {args.requests} requests per page and database")
    # Demo mode lets the bench account skip the second factor, as bench/desk.py does.
    env = {"LIAISON_DEMO": "1", "LIAISON_ALLOWED_HOSTS": "testserver", "LIAISON_LOG_REQUESTS": "0"}
    for database in args.databases.split(","):
        argv = ["--scale", str(args.scale), "--requests", str(args.requests)]
        run_in_child(__file__, database.strip(), argv, name="indicators", env=env)


def run_child(database: str, scale: float, requests: int) -> None:
    setup_django()
    started = time.perf_counter()
    officer = bench_user("bench-officer", "officer")
    counts = _seed(scale, officer)
    analyze()
    print(f"\n{database}: seeded in {time.perf_counter() - started:.0f} s: ", end="")
    print(", ".join(f"{name} {n:,}" for name, n in counts.items()))
    print(f"  {'page':<34}{'p50 ms':>9}{'p95 ms':>9}  machine while measured")
    _row("baseline: trainings page", _time(officer, "/plan/trainings/", requests))
    _row("dashboard, cold", _time(officer, "/plan/dashboard/" + PERIOD, requests, cold=True))
    _row("dashboard, warm", _time(officer, "/plan/dashboard/" + PERIOD, requests))
    chart = "/plan/dashboard/charts/hits.svg" + PERIOD
    _row("one chart (SVG), warm", _time(officer, chart, requests))
    pack = "/plan/dashboard/review-pack.xlsx" + PERIOD
    _row("review pack (XLSX)", _time(officer, pack, max(3, requests // 10)))
    for language in ("fr", "ar"):
        pdf = f"/plan/dashboard/review-pack.pdf{PERIOD}&lang={language}"
        _row(f"review pack (PDF, {language})", _time(officer, pdf, max(3, requests // 10)))
    _where_cold_time_goes(officer)


def _where_cold_time_goes(officer: Any) -> None:
    """Each indicator computed alone, once: what a cold dashboard spends its time on."""
    from liaison.accounts.models import User
    from liaison.plan import indicators

    user = User.objects.select_related("agency").get(pk=officer.pk)
    period = indicators.Period.parse("2025-Q1", "2026-Q4")

    def read() -> list[Any]:
        return indicators.request_rows(user, period)

    parts = {
        "shares": lambda: indicators.shares(period),
        "delivery": lambda: indicators.delivery_times(period),
        "hits": lambda: indicators.hits(user, period),
        "warrants": lambda: indicators.warrants_after_hits(user, period),
        "requests (read once, 3 tables)": lambda: [
            indicators.requests(user, period, received=True, rows=(rows := read())),
            indicators.requests(user, period, received=False, rows=rows),
            indicators.requests_by_type(user, period, rows),
        ],
        "screening": lambda: indicators.screening(user, period),
        "trainings+assistance": lambda: [
            indicators.trainings(user, period),
            indicators.assistance(user, period),
        ],
        "actions": lambda: indicators.action_states(user, period),
    }
    spent = []
    for name, compute in parts.items():
        started = time.perf_counter()
        compute()
        spent.append(f"{name} {(time.perf_counter() - started) * 1000:.0f}")
    print("  cold, per indicator (ms): " + ", ".join(spent))


def _row(label: str, times: list[float]) -> None:
    print(f"  {label:<34}{pct(times, 50):>9.1f}{pct(times, 95):>9.1f}  {load()}", flush=True)


def _time(user: Any, path: str, requests: int, *, cold: bool = False) -> list[float]:
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    client.force_login(user)
    assert client.get(path).status_code == 200  # warm up: connection, templates
    times = []
    for _ in range(requests):
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def _seed(scale: float, officer: Any) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from liaison.exchange.models import Peer
    from liaison.registry.demo_data import bulk_seed_for_bench

    rng = random.Random(14)
    now = timezone.now()
    start = now - timedelta(days=730)
    persons = max(100, int(10_000 * scale))
    bulk_seed_for_bench(persons, seed=7, bench=True)
    peer = Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)

    def when() -> Any:
        return start + timedelta(seconds=rng.randrange(730 * 86400))

    with transaction.atomic():
        counts = _envelopes(peer, int(50_000 * scale), when, rng)
        counts |= _registry(persons, int(20_000 * scale), int(2_000 * scale), when, rng, officer)
        counts |= _requests(int(5_000 * scale), when, rng)
        counts |= _plan(int(200 * scale), when, rng)
    return counts


def _free(model: Any, *names: str) -> None:
    """Let a bulk insert set the times (auto_now_add would stamp them all now). Bench only."""
    for name in names:
        field = model._meta.get_field(name)
        field.auto_now_add = field.auto_now = False


def _envelopes(peer: Any, n: int, when: Any, rng: random.Random) -> dict[str, int]:
    from liaison.exchange.models import InboxEnvelope, OutboxEnvelope, OutboxState

    _free(OutboxEnvelope, "created_at")
    _free(InboxEnvelope, "received_at")
    sent = []
    for i in range(n):
        written = when()
        sent.append(
            OutboxEnvelope(
                peer=peer,
                seq=i + 1,
                envelope_id=uuid.uuid4(),
                message_type=rng.choice(["person.upsert", "warrant.upsert", "hit.notify"]),
                handling="H0",
                payload={},
                state=OutboxState.DELIVERED,
                created_at=written,
                delivered_at=written + timedelta(seconds=rng.expovariate(1 / 4)),
            )
        )
    OutboxEnvelope.objects.bulk_create(sent, batch_size=2000)
    received = (
        InboxEnvelope(
            envelope_id=uuid.uuid4(),
            sender="fr",
            seq=i + 1,
            message_type="person.upsert",
            status="applied",
            sent_at=(at := when()),
            received_at=at,
        )
        for i in range(n)
    )
    InboxEnvelope.objects.bulk_create(received, batch_size=2000)
    return {"envelopes each way": n}


def _registry(
    persons: int, hits: int, warrants: int, when: Any, rng: random.Random, officer: Any
) -> dict[str, int]:
    from datetime import date

    from liaison.audit.actions import log_event
    from liaison.registry.models import Hit, Person, Warrant

    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    theirs, ours = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    Person.objects.filter(pk__in=theirs).update(owner_node="fr")
    Hit.objects.bulk_create(
        (
            Hit(
                person_id=rng.choice(ours if i % 2 else theirs),
                owner_node="fr" if i % 2 else "ma",
                encountered_name="Bench Encounter",
                encountered_on=when(),
                place="Orly",
                context="border_check",
                recorded_by_name="Bench",
                disposition=rng.choice(["pending", "confirmed", "false_positive"]),
            )
            for i in range(hits)
        ),
        batch_size=2000,
    )
    made = Warrant.objects.bulk_create(
        Warrant(
            person_id=pk,
            owner_node="ma",
            issuing_country="MA",
            issuing_authority="Parquet de Rabat",
            reference=f"MA-{i}",
            issued_on=date(2024, 1, 1),
            status="executed" if i % 4 == 0 else "active",
        )
        for i, pk in enumerate(rng.sample(ours, min(len(ours), warrants)))
    )
    executed = [w for w in made if w.status == "executed"]
    for warrant in executed:
        log_event(
            action="alter",
            actor=officer,
            object_type="warrant",
            object_id=str(warrant.uid),
            changes={"status": ["active", "executed"]},
        )
    return {"hits": hits, "warrants": len(made), "executed": len(executed)}


def _requests(n: int, when: Any, rng: random.Random) -> dict[str, int]:
    from liaison.assistance.choices import RequestType
    from liaison.assistance.models import AssistanceRequest, Reply

    made = AssistanceRequest.objects.bulk_create(
        (
            AssistanceRequest(
                owner_node="ma" if i % 2 else "fr",
                recipient_node="fr" if i % 2 else "ma",
                request_type=rng.choice(RequestType.values),
                subject=f"Request {i}",
                text="Bench request.",
                urgency="normal",
                requested_by_name="Bench",
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    replies = []
    for i, request in enumerate(made):
        received = when()
        status = rng.choice(["answered", "answered", "refused", "acknowledged"])
        replies.append(
            Reply(
                request=request,
                owner_node=request.recipient_node,
                status=status,
                received_on=received,
                due_at=received + timedelta(days=7),
                closed_at=None
                if status == "acknowledged"
                else received + timedelta(hours=rng.expovariate(1 / 120)),
                handled_by_name=f"Bench {i}",
            )
        )
    Reply.objects.bulk_create(replies, batch_size=2000)
    return {"requests": n}


def _plan(n: int, when: Any, rng: random.Random) -> dict[str, int]:
    from liaison.plan.models import Objective, PlanAction, TechnicalAssistance, Training

    objective = Objective.objects.create(owner_node="ma", code="O1", title="Bench objective")
    Training.objects.bulk_create(
        Training(
            owner_node="ma",
            topic="cybercrime",
            title=f"Session {i}",
            starts_on=(day := when().date()),
            ends_on=day,
            remote=True,
            provider_node=rng.choice(["ma", "fr"]),
            receiver_node="fr",
            participants=rng.randrange(5, 30),
            attended=5,
        )
        for i in range(n)
    )
    TechnicalAssistance.objects.bulk_create(
        TechnicalAssistance(
            owner_node="ma",
            kind="equipment",
            description=f"Kit {i}",
            provider_node="ma",
            recipient_node="fr",
            starts_on=when().date(),
            value_eur=1000,
            status="delivered",
        )
        for i in range(n // 2)
    )
    PlanAction.objects.bulk_create(
        PlanAction(
            owner_node="ma",
            objective=objective,
            title=f"Action {i}",
            working_group=rng.choice(["Fugitives", "Cybercrime", "Major events"]),
            starts_on=(day := when().date()),
            due_on=day + timedelta(days=90),
            status=rng.choice(["planned", "in_progress", "done"]),
        )
        for i in range(n)
    )
    return {"trainings": n, "actions": n}


if __name__ == "__main__":
    main()

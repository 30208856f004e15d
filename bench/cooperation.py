"""Requests for assistance and joint cases at scale: the desk, the request pages and the
case pages, on SQLite and PostgreSQL.

    .venv/bin/python bench/cooperation.py                    # the issue's size, both databases
    .venv/bin/python bench/cooperation.py --scale 0.1 --databases sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mine .venv/bin/python bench/cooperation.py

At --scale 1: 10,000 requests for assistance, half sent by this node (`ma`) to partner `fr`,
half received from it, spread over every state (sent, received, acknowledged, more
information asked i.e. paused, answered, partly answered, refused, withdrawn) with their
replies, receipts over the last year and deadlines by urgency (open ones overdue, due
soon or paused; some escalated); and 2,000 joint cases in 40 working groups (half convened
by each node), each case with our part and, for most, the partner's part, with tasks,
progress, links to persons and comments. Bulk inserts (bench only: no action, no audit),
then ANALYZE on PostgreSQL. Each database gets a fresh throwaway node (bench/harness.py:
a temp SQLite file, or a temp PostgreSQL database on 127.0.0.1:5432, the one DATABASE_URL
names if it names one, created for the run and dropped after it).

Printed for each database, through the whole Django stack (test client, signed-in
users), p50/p95/p99 and the queries one request costs:

- the desk (`/`) of a liaison officer and of a supervisor;
- the request pages: the list (inbox and outbox, the least time left first), its last
  inbox page, one request;
- the groups: the list, one group (with its cases), the case board, one case;
- the CSV export of every request (its time only: it grows with the rows by nature);
- the baselines, in the same run: the two desks on the node before it is seeded (what
  the desk costs without the data), and the purpose page, a trivial signed-in page.

Each line ends with the machine's load averages when it was measured (a shared machine's
load moves; the baseline shows how much).
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import timedelta
from typing import Any

from harness import analyze, bench_user, load, pct, run_in_child, setup_django

TARGET_MS = 300
GROUPS = 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.scale, args.requests)
        return
    print(f"cooperation: scale {args.scale}, {args.requests} requests per page and database")
    # Demo mode lets the bench accounts skip the second factor, as bench/desk.py does.
    env = {"LIAISON_DEMO": "1", "LIAISON_ALLOWED_HOSTS": "testserver", "LIAISON_LOG_REQUESTS": "0"}
    for database in args.databases.split(","):
        argv = ["--scale", str(args.scale), "--requests", str(args.requests)]
        run_in_child(__file__, database.strip(), argv, name="cooperation", env=env)


def run_child(database: str, scale: float, requests: int) -> None:
    setup_django()
    officer = bench_user("bench-officer", "liaison_officer")
    supervisor = bench_user("bench-boss", "supervisor")
    # The desks of an empty node first: what the pages cost without the data, in this run.
    empty = [
        ("baseline: desk, officer, empty node", _time(officer, "/", requests)),
        ("baseline: desk, supervisor, empty", _time(supervisor, "/", requests)),
    ]
    started = time.perf_counter()
    counts = _seed(scale)
    analyze()
    print(f"\n{database}: seeded in {time.perf_counter() - started:.0f} s: ", end="")
    print(", ".join(f"{name} {n:,}" for name, n in counts.items()))
    print(f"  {'page':<36}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'queries':>8}  machine")
    for label, (times, queries) in empty:
        _row(label, times, queries)

    from liaison.assistance.models import AssistanceRequest
    from liaison.cooperation.models import JointCase, WorkingGroup

    received = AssistanceRequest.objects.exclude(owner_node="ma").order_by("pk").first()
    group = WorkingGroup.objects.filter(owner_node="ma").order_by("pk").first()
    case = JointCase.objects.filter(parts__owner_node="fr").order_by("pk").first()
    pages = [
        ("baseline: purpose page", officer, "/registry/purpose/"),
        ("desk, liaison officer", officer, "/"),
        ("desk, supervisor", supervisor, "/"),
        ("requests: list (first page)", officer, "/requests/"),
        ("requests: inbox, page 20", officer, "/requests/?inbox=20"),
        ("requests: one request", officer, f"/requests/{received.uid}/"),
        ("groups: list", officer, "/groups/"),
        ("groups: one group, its cases", officer, f"/groups/{group.uid}/"),
        ("cases: board", officer, "/groups/cases/"),
        ("cases: one case", officer, f"/groups/cases/{case.uid}/"),
    ]
    worst: dict[str, float] = {}
    for label, user, path in pages:
        times, queries = _time(user, path, requests)
        worst[label] = _row(label, times, queries)
    times, queries = _time(officer, "/requests/export.csv", max(3, requests // 10))
    _row("requests: CSV export (all)", times, queries)
    over = [label for label, p95 in worst.items() if p95 > TARGET_MS]
    verdict = f"OVER on {', '.join(over)}" if over else "every page within"
    print(f"  p95 target {TARGET_MS} ms: {verdict}")


def _row(label: str, times: list[float], queries: int) -> float:
    p50, p95, p99 = pct(times, 50), pct(times, 95), pct(times, 99)
    print(f"  {label:<36}{p50:>8.1f}{p95:>8.1f}{p99:>8.1f}{queries:>8}  {load()}", flush=True)
    return p95


def _time(user: Any, path: str, requests: int) -> tuple[list[float], int]:
    """The times of `requests` requests after two to warm up, and the queries of one."""
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    for _ in range(2):  # warm up: connection, templates, the navbar's count
        assert client.get(path).status_code == 200, path
    queries: list[str] = []

    def count(execute: Any, sql: str, *args: Any) -> Any:
        queries.append(sql)
        return execute(sql, *args)

    # Not CaptureQueriesContext: each request empties the connection's query log.
    with connection.execute_wrapper(count):
        client.get(path)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return times, len(queries)


# Seeding (bench only: bulk inserts, no action, no audit entry)


def _free(model: Any, *names: str) -> None:
    """Let a bulk insert set the times (auto_now_add would stamp them all now). Bench only."""
    for name in names:
        field = model._meta.get_field(name)
        field.auto_now_add = field.auto_now = False


def _seed(scale: float) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from liaison.exchange.models import Peer
    from liaison.registry.demo_data import bulk_seed_for_bench

    rng = random.Random(17)
    now = timezone.now()
    Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency="Police nationale"
    )
    persons = max(200, int(2_000 * scale))
    bulk_seed_for_bench(persons, seed=17, bench=True)
    with transaction.atomic():
        counts = _requests(max(16, int(10_000 * scale)), now, rng)
        counts |= _cases(max(8, int(2_000 * scale)), now, rng)
    return {"persons": persons} | counts


def _entry(at: Any, step: str, by: str, note: str = "") -> dict[str, str]:
    return {"at": at.isoformat(), "step": step, "note": note, "by": by}


HOURS = {"urgent_direct": 8, "urgent": 72, "normal": 168, "agreed": 30 * 24}
# The recipient's states and how often each comes up (the requester's "sent" and
# "withdrawn" are added for our own requests).
STATES = [
    ("received", 2),
    ("acknowledged", 3),
    ("more_information", 1),
    ("answered", 8),
    ("partly_answered", 1),
    ("refused", 1),
]


def _requests(n: int, now: Any, rng: random.Random) -> dict[str, int]:
    from liaison.assistance.choices import RequestType
    from liaison.assistance.models import AssistanceRequest, Reply

    _free(AssistanceRequest, "created_at")
    _free(Reply, "created_at")
    states = [s for s, weight in STATES for _ in range(weight)]
    records, plans = [], []
    for i in range(n):
        ours = i % 2 == 0
        owner, recipient = ("ma", "fr") if ours else ("fr", "ma")
        urgency = rng.choice(list(HOURS))
        # Open requests are recent (some overdue, most not); closed ones spread over a year.
        state = "sent" if ours and i % 40 == 0 else rng.choice(states)
        open_ = state in ("received", "acknowledged", "more_information")
        age = timedelta(hours=rng.uniform(0, 1.5 * HOURS[urgency])) if open_ else None
        sent_at = now - (age or timedelta(minutes=rng.randrange(365 * 24 * 60)))
        withdrawn = ours and state in ("received", "acknowledged") and i % 13 == 0
        by = "bench-officer" if ours else "fr-officer"
        history = [_entry(sent_at, "sent", by)]
        if withdrawn:
            history.append(
                _entry(sent_at + timedelta(hours=1), "withdraw", by, "No longer needed.")
            )
        records.append(
            AssistanceRequest(
                owner_node=owner,
                recipient_node=recipient,
                request_type=rng.choice(RequestType.values),
                subject=f"Request {i}: locate and verify",
                text="Bench request: please locate the person and verify the document.",
                urgency=urgency,
                agreed_due=sent_at + timedelta(hours=HOURS["agreed"])
                if urgency == "agreed"
                else None,
                requested_by_name=by,
                history=history,
                handling_code=rng.choice(["H0", "H1", "H2"]),
                withdrawn_at=sent_at + timedelta(hours=1) if withdrawn else None,
                created_at=sent_at,
                received_at=None if ours else sent_at + timedelta(seconds=3),
            )
        )
        plans.append((state, sent_at, urgency))
    made = AssistanceRequest.objects.bulk_create(records, batch_size=2000)
    replies = []
    overdue = escalated = paused = 0
    for record, (state, sent_at, urgency) in zip(made, plans, strict=True):
        if state == "sent":
            continue
        received_on = sent_at + timedelta(seconds=3)
        due_at = received_on + timedelta(hours=HOURS[urgency])
        is_paused = state == "more_information"
        paused_since = received_on + timedelta(hours=1) if is_paused else None
        closed_at = None
        if state in ("answered", "partly_answered", "refused"):
            taken = timedelta(hours=rng.uniform(0.5, 1.2 * HOURS[record.urgency]))
            closed_at = received_on + taken
        late = closed_at is None and not is_paused and due_at < now and record.withdrawn_at is None
        ours_to_answer = record.recipient_node == "ma"
        escalate = late and ours_to_answer and rng.random() < 0.5
        overdue += late
        escalated += escalate
        paused += is_paused
        replier = "bench-officer" if ours_to_answer else "fr-officer"
        history = [_entry(received_on, "received", record.recipient_node)]
        if state != "received":
            history.append(_entry(received_on + timedelta(minutes=30), "acknowledge", replier))
        if closed_at:
            history.append(_entry(closed_at, state.replace("answered", "answer"), replier, "Done."))
        replies.append(
            Reply(
                request=record,
                owner_node=record.recipient_node,
                status=state,
                received_on=received_on,
                due_at=due_at,
                paused_since=paused_since,
                acknowledged_at=received_on + timedelta(minutes=30)
                if state != "received"
                else None,
                closed_at=closed_at,
                text="Answer given through the secure channel." if closed_at else "",
                handled_by_name=replier if state != "received" else "",
                escalated_at=due_at + timedelta(minutes=5) if escalate else None,
                history=history,
                handling_code=record.handling_code,
                created_at=received_on,
                received_at=None if ours_to_answer else received_on + timedelta(seconds=3),
            )
        )
    Reply.objects.bulk_create(replies, batch_size=2000)
    return {
        "requests": n,
        "replies": len(replies),
        "open and overdue": overdue,
        "escalated": escalated,
        "paused": paused,
    }


def _cases(n: int, now: Any, rng: random.Random) -> dict[str, int]:
    from liaison.cooperation.choices import CaseStatus, TaskStatus, Theme
    from liaison.cooperation.models import (
        CasePart,
        JointCase,
        Member,
        MemberList,
        WorkingGroup,
    )
    from liaison.registry.models import Person

    _free(JointCase, "created_at")
    _free(CasePart, "created_at")
    person_uids = [str(u) for u in Person.objects.values_list("uid", flat=True)]
    groups = WorkingGroup.objects.bulk_create(
        WorkingGroup(
            owner_node="ma" if i % 2 == 0 else "fr",
            participant_nodes=["fr"] if i % 2 == 0 else ["ma"],
            name=f"Working group {i}",
            theme=rng.choice(Theme.values),
            mandate="Joint work on cases of the theme.",
            received_at=None if i % 2 == 0 else now - timedelta(days=200),
        )
        for i in range(GROUPS)
    )
    lists = MemberList.objects.bulk_create(
        MemberList(group=g, owner_node=node, received_at=None if node == "ma" else now)
        for g in groups
        for node in g.nodes
    )
    Member.objects.bulk_create(
        Member(member_list=m, name=f"Member {k}", function="Liaison officer", is_lead=k == 0)
        for m in lists
        for k in range(3)
    )
    cases = []
    for i in range(n):
        group = groups[i % GROUPS]
        opened = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        cases.append(
            JointCase(
                group=group,
                owner_node=group.owner_node if i % 5 else group.participant_nodes[0],
                title=f"Joint case {i}",
                summary="A joint case worked by both services.",
                status=rng.choice(CaseStatus.values),
                handling_code=rng.choice(["H0", "H1", "H2"]),
                created_at=opened,
            )
        )
    for case in cases:
        case.received_at = None if case.owner_node == "ma" else case.created_at
    made = JointCase.objects.bulk_create(cases, batch_size=2000)
    parts = []
    tasks = 0
    for case in made:
        nodes = ["ma", "fr"] if rng.random() < 0.8 else [case.owner_node]
        for node in nodes:
            other = "fr" if node == "ma" else "ma"
            at = case.created_at + timedelta(days=rng.randrange(30))
            own_tasks = [
                {
                    "uid": str(uuid.uuid4()),
                    "title": f"Task {k}",
                    "assignee_node": rng.choice([node, other]),
                    "assignee": "",
                    "due_on": (at + timedelta(days=14)).date().isoformat(),
                    "at": at.isoformat(),
                    "by": f"{node}-officer",
                }
                for k in range(rng.randrange(1, 5))
            ]
            tasks += len(own_tasks)
            parts.append(
                CasePart(
                    case=case,
                    owner_node=node,
                    links=[
                        {"kind": "person", "uid": uid}
                        for uid in rng.sample(person_uids, rng.randrange(0, 4))
                    ],
                    comments=[
                        {
                            "at": (at + timedelta(hours=k)).isoformat(),
                            "by": f"{node}-officer",
                            "text": f"Comment {k} on the case.",
                        }
                        for k in range(rng.randrange(0, 6))
                    ],
                    tasks=own_tasks,
                    handling_code=case.handling_code,
                    created_at=at,
                    received_at=None if node == "ma" else at,
                )
            )
    # Progress on the tasks each node was given, reported in that node's part.
    by_case: dict[int, dict[str, CasePart]] = {}
    for part in parts:
        by_case.setdefault(part.case.pk, {})[part.owner_node] = part
    for mine in by_case.values():
        for part in mine.values():
            for task in part.tasks:
                assignee = mine.get(task["assignee_node"])
                if assignee is not None and rng.random() < 0.6:
                    status = rng.choice([TaskStatus.DOING, TaskStatus.DONE])
                    entry = {"task": task["uid"], "status": status, "at": task["at"], "by": "x"}
                    assignee.progress.append(entry)
    CasePart.objects.bulk_create(parts, batch_size=2000)
    return {
        "working groups": len(groups),
        "joint cases": n,
        "case parts": len(parts),
        "partner parts": sum(p.owner_node == "fr" for p in parts),
        "tasks": tasks,
    }


if __name__ == "__main__":
    main()

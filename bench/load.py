"""Load held by one node: concurrent users against a real `liaison serve` over HTTP.

    .venv/bin/python bench/load.py                              # PostgreSQL, 1,000,000 persons,
                                                                # 200 users, 300 s per phase
    .venv/bin/python bench/load.py --sqlite                     # SQLite, 100,000 persons, 50 users
    .venv/bin/python bench/load.py --persons 10000 --users 20 --duration 30
    .venv/bin/python bench/load.py --server gunicorn,waitress   # the two web servers, one run

A fresh throwaway node (bench/harness.py: a temp data directory, and a temp PostgreSQL
database on 127.0.0.1:5432, or the one DATABASE_URL names, created and dropped) is filled
by `bulk_seed_for_bench` (as bench/search.py and bench/desk.py), then ANALYZEd; then
`--users` liaison officers, each with an API token and a signed-in session, and a partner
`fr` that is down (shares queue in the outbox, as when a partner's link is cut).

For each web server named by `--server`, the node is started as an operator starts it
(`liaison serve --server S`, the exchange worker running) and two phases run, each
`--duration` seconds, every user on a keep-alive connection of its own, waiting
`--wait` seconds (uniform between the two bounds) between two requests as a person does:

- baseline: searches only (half Latin names, half Arabic, from the registry);
- mix: searches (Latin and Arabic), record opens with a purpose, creations, shares with
  the partner, desk pages (the HTML home page, through the session).

Printed per phase: per request type and overall, the count, the errors (any status other
than the expected one, a refused connection, no answer within 60 s), p50/p95/p99 in ms and
the throughput in requests/s, with the machine's load averages. The load generator runs
on the same machine as the node (asyncio, one process, no dependency): on a shared or
small machine its figures are upper bounds of what the node needs. Targets: no errors,
p95 <= 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import analyze, load, pct, run_in_child, setup_django

TARGET_P95_MS = 500
TIMEOUT_S = 60
PURPOSE = "Load benchmark"
# The mix: request type -> weight. Searches are what officers do most.
MIX = {
    "search latin": 25,
    "search arabic": 25,
    "open record": 20,
    "desk page": 10,
    "create person": 10,
    "share person": 10,
}
BASELINE = {"search latin": 50, "search arabic": 50}
EXPECTED = {"create person": 201, "share person": 201}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite: 100,000 persons, 50 users")
    parser.add_argument("--persons", type=int)
    parser.add_argument("--users", type=int)
    parser.add_argument("--duration", type=float, default=300, help="Seconds per phase.")
    parser.add_argument("--wait", default="1,5", help="Seconds between a user's requests.")
    parser.add_argument("--warmup", type=float, default=10, help="Seconds, before the phases.")
    parser.add_argument("--server", default="gunicorn", help="gunicorn, waitress, or both.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's web processes.")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.persons = args.persons or (100_000 if args.sqlite else 1_000_000)
    args.users = args.users or (50 if args.sqlite else 200)
    if args.child:
        run_child(args)
        return
    database = "sqlite" if args.sqlite else "postgresql"
    print(
        f"load: {database}, {args.persons:,} persons, {args.users} users, "
        f"{args.duration:.0f} s per phase, {args.wait} s between a user's requests; "
        f"servers {args.server} (gunicorn: {args.workers} x {args.threads} threads)",
        flush=True,
    )
    argv = sys.argv[1:]
    # Demo mode: the bench's accounts skip the second factor, as demo accounts do.
    env = {"LIAISON_DEMO": "1", "LIAISON_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    run_in_child(__file__, database, argv, name="load", env=env)


def run_child(args: argparse.Namespace) -> None:
    setup_django()
    started = time.perf_counter()
    from liaison.registry.demo_data import bulk_seed_for_bench

    bulk_seed_for_bench(args.persons, seed=7, bench=True)
    analyze()
    seeded = time.perf_counter() - started
    print(f"\nseeded {args.persons:,} persons in {seeded:.0f} s ({load()})", flush=True)
    plan = _plan(args.users)
    low, high = (float(x) for x in args.wait.split(","))
    for server in args.server.split(","):
        with Node(server.strip(), args.workers, args.threads) as node:
            print(f"\n{node.describe()}", flush=True)
            if args.warmup:  # each web process's first requests (imports, caches): not counted
                stats = asyncio.run(_run(node.port, plan, MIX, args.warmup, (low, high)))
                _report("warm-up, not counted", stats, args.warmup)
            for phase, mix in (("baseline: searches only", BASELINE), ("mix", MIX)):
                stats = asyncio.run(_run(node.port, plan, mix, args.duration, (low, high)))
                _report(phase, stats, args.duration)


# --- the node's data ------------------------------------------------------------------


@dataclass
class Plan:
    """Who the users are and what they ask for."""

    tokens: list[str]
    sessions: list[str]
    latin: list[str]
    arabic: list[str]
    uids: list[str]
    cookie: str = "sessionid"


def _plan(users: int) -> Plan:
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client

    from liaison.accounts.models import Agency, User
    from liaison.accounts.tokens import create_api_token
    from liaison.exchange.models import Peer

    Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency="Police nationale"
    )
    agency = Agency.objects.create(name="Bench", country="MA", node_id=settings.NODE_ID)
    role = Group.objects.get(name="liaison_officer")
    tokens, sessions = [], []
    for i in range(users):
        user = User.objects.create(username=f"load-{i}", agency=agency, is_demo=True)
        user.groups.set([role])
        tokens.append(create_api_token(user=user, name="load")[1])
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    latin, arabic, uids = _samples(2000)
    return Plan(tokens, sessions, latin, arabic, uids, settings.SESSION_COOKIE_NAME)


def _samples(count: int) -> tuple[list[str], list[str], list[str]]:
    """Names to search (Latin, Arabic) and persons to open or share, at random: rows
    picked by primary key (ORDER BY random() would read a million rows)."""
    from django.db.models import Max, Min

    from liaison.registry.models import Person, PersonName

    rng = random.Random(3)

    def pick(model: Any, **filters: Any) -> list[Any]:
        bounds = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
        ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(count * 4)]
        return list(model.objects.filter(pk__in=ids, **filters)[:count])

    latin = [n.full_name for n in pick(PersonName, script="latn")]
    arabic = [n.full_name for n in pick(PersonName, script="arab")]
    uids = [str(p.uid) for p in pick(Person)]
    return latin, arabic, uids


# --- the node ---------------------------------------------------------------------------


class Node:
    """`liaison serve` on a free loopback port, its log in the data directory."""

    def __init__(self, server: str, workers: int, threads: int) -> None:
        self.server, self.workers, self.threads = server, workers, threads
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def describe(self) -> str:
        shape = f"{self.workers} processes x " if self.server == "gunicorn" else "1 process x "
        return f"server {self.server}: {shape}{self.threads} threads, port {self.port}"

    def __enter__(self) -> Node:
        command = [sys.executable, "-m", "liaison.cli", "serve", "--server", self.server]
        command += ["--port", str(self.port), "--threads", str(self.threads)]
        command += ["--workers", str(self.workers), "--no-task-worker"]
        path = Path(os.environ["LIAISON_DATA_DIR"]) / f"serve-{self.server}.log"
        log = path.open("ab")
        env = {**os.environ, "LIAISON_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while not asyncio.run(_healthy(self.port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = path.read_text(errors="replace").splitlines()[-20:]
                raise SystemExit("\n".join([f"liaison serve --server {self.server}:", *tail]))
            time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _healthy(port: int) -> bool:
    try:
        connection = await Connection.open(port)
    except OSError:
        return False
    try:
        status, _ = await connection.request("GET", "/healthz", {})
        return status == 200
    except (OSError, asyncio.IncompleteReadError):
        return False
    finally:
        connection.close()


# --- the load ---------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection: a request, its whole answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
        return cls(reader, writer)

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {
            k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:] if x)
        }
        if "content-length" in fields:
            data = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            data = await self._chunked()
        else:
            data = await self.reader.read()
        if fields.get("connection", "").lower() == "close":
            raise ConnectionResetError("the server closed the connection")
        return status, data

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # the end of the (empty) trailers
                return b"".join(parts)
            parts.append((await self.reader.readexactly(size + 2))[:-2])

    def close(self) -> None:
        self.writer.close()


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    started: float = 0.0
    ended: float = 0.0


def _build(
    kind: str, plan: Plan, user: int, rng: random.Random
) -> tuple[str, str, dict[str, str], bytes]:
    api = {"Authorization": f"Bearer {plan.tokens[user]}", "Accept": "application/json"}
    purpose = urllib.parse.urlencode({"purpose": PURPOSE})
    if kind.startswith("search"):
        name = rng.choice(plan.latin if kind == "search latin" else plan.arabic)
        query = urllib.parse.urlencode({"name": name, "purpose": PURPOSE, "limit": 10})
        return "GET", f"/api/v1/persons?{query}", api, b""
    if kind == "open record":
        return "GET", f"/api/v1/persons/{rng.choice(plan.uids)}?{purpose}", api, b""
    if kind == "desk page":
        return "GET", "/", {"Cookie": f"{plan.cookie}={plan.sessions[user]}"}, b""
    json_api = {**api, "Content-Type": "application/json"}
    if kind == "share person":
        body = json.dumps({"partner": "fr"}).encode()
        return "POST", f"/api/v1/persons/{rng.choice(plan.uids)}/shares", json_api, body
    person = {
        "category": "suspect",
        "names": [{"full_name": f"{rng.choice(plan.latin)} {rng.randrange(10**6)}"}],
        "birth_dates": [f"19{rng.randrange(50, 99)}-0{rng.randrange(1, 9)}-1{rng.randrange(9)}"],
        "nationalities": ["MA"],
    }
    return "POST", "/api/v1/persons", json_api, json.dumps(person).encode()


async def _user(
    port: int,
    plan: Plan,
    user: int,
    mix: dict[str, int],
    until: float,
    wait: tuple[float, float],
    stats: Stats,
) -> None:
    rng = random.Random(user)
    kinds, weights = list(mix), list(mix.values())
    await asyncio.sleep(rng.uniform(0, wait[1]))  # users arrive spread over the first wait
    connection: Connection | None = None
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        method, path, headers, body = _build(kind, plan, user % len(plan.tokens), rng)
        started = time.perf_counter()
        try:
            connection = connection or await Connection.open(port)
            status, data = await asyncio.wait_for(
                connection.request(method, path, headers, body), TIMEOUT_S
            )
            elapsed = (time.perf_counter() - started) * 1000
            if status == EXPECTED.get(kind, 200):
                stats.times[kind].append(elapsed)
            else:
                stats.errors[kind] += 1
                stats.reasons[f"{kind}: {status} {data[:120]!r}"] += 1
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            stats.errors[kind] += 1
            stats.reasons[f"{kind}: {type(error).__name__} {error}"[:200]] += 1
            if connection is not None:
                connection.close()
            connection = None
        await asyncio.sleep(rng.uniform(*wait))
    if connection is not None:
        connection.close()


async def _run(
    port: int, plan: Plan, mix: dict[str, int], duration: float, wait: tuple[float, float]
) -> Stats:
    stats = Stats(started=time.monotonic())
    until = stats.started + duration
    users = len(plan.tokens)
    await asyncio.gather(*(_user(port, plan, i, mix, until, wait, stats) for i in range(users)))
    stats.ended = time.monotonic()
    return stats


def _report(phase: str, stats: Stats, duration: float) -> None:
    elapsed = max(stats.ended - stats.started, duration)
    print(f"  {phase} ({elapsed:.0f} s, {load()})")
    head = f"{'n':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}"
    print(f"    {'request':<16}{head}")
    every: list[float] = []
    for kind in sorted(set(stats.times) | set(stats.errors)):
        times = stats.times[kind]
        every += times
        _line(kind, times, stats.errors[kind], elapsed)
    errors = sum(stats.errors.values())
    _line("overall", every, errors, elapsed)
    for reason, n in sorted(stats.reasons.items(), key=lambda x: -x[1])[:5]:
        print(f"    error x{n}: {reason}")
    p95 = pct(every, 95)
    verdict = "met" if errors == 0 and p95 <= TARGET_P95_MS else "NOT met"
    print(f"    targets (no errors, p95 <= {TARGET_P95_MS} ms): {verdict}", flush=True)


def _line(kind: str, times: list[float], errors: int, elapsed: float) -> None:
    rate = (len(times) + errors) / elapsed
    print(
        f"    {kind:<16}{len(times) + errors:>7}{errors:>8}{pct(times, 50):>9.0f}"
        f"{pct(times, 95):>9.0f}{pct(times, 99):>9.0f}{rate:>8.1f}"
    )


if __name__ == "__main__":
    main()

"""Exchange benchmark: two live nodes on loopback, ma → fr.

    python bench/exchange.py [--burst N] [--rate R] [--seconds S] [--backlog N]

Prints, from one run (SQLite unless DATABASE_URL names PostgreSQL, as the tests):
  - throughput: a backlog of N envelopes (default 5,000) written while ma was stopped, then
    drained by ma's worker in batches (each envelope signed, verified, applied, audited and
    receipted); sustained rate = envelopes / (last - first arrival in fr's inbox), and the
    wall time from ma's start to an empty queue;
  - latency: envelopes enqueued at R per second for S seconds by another process (the
    worker finds them at its next poll, every 0.25 s); p50/p99 of the time from the outbox
    insert on ma to the inbox insert on fr (one machine, one clock);
  - baseline, same run and server, measured before the rest and again after it (the
    ratio is against the mean of the two: a shared machine's load moves): a body of the
    size of one signed envelope of this run (measured: ma signs its last queued envelope
    as its worker does) POSTed unsigned, one per request, on one kept-alive connection to
    fr's /healthz, which answers 405 (GET only) through the same server and middleware
    without touching the database: requests per second and p50/p99 round trip, what HTTP
    and Django cost per envelope without the protocol (the run stops if not a 405);
  - recovery: fr stopped, N envelopes queued (default 10,000), fr restarted: seconds from
    fr answering again to the last envelope in its inbox (the worker's retry cap is 1 s
    here, LIAISON_EXCHANGE_RETRY_CAP).
Then the ratio of sustained delivery to the baseline, against the targets of issue 11.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.federation.conftest import Databases, Node, peer, prepare  # noqa: E402


def bench_call(node: Node, function: str, *args: object) -> Any:
    code = f"from tests.federation.bench_helpers import {function}; {function}(*{args!r})"
    out = node.cli("shell", "--no-imports", "-c", code, timeout=1800)
    return json.loads(out.strip().splitlines()[-1])


def wait_drained(ma: Node) -> float:
    done = bench_call(ma, "wait_drained", "fr", 900)
    assert not done["timed_out"], done
    return float(done["seconds"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def throughput(ma: Node, fr: Node, count: int) -> dict[str, float]:
    ma.stop()  # no worker while the backlog is written
    bench_call(ma, "enqueue_versions", count, "fr")
    since = bench_call(fr, "last_inbox_pk")
    started = time.time()
    ma.start()
    wait_drained(ma)
    span = bench_call(fr, "received_span", since)
    first, last = span["first"], span["last"]
    return {
        "envelopes": span["count"],
        "seconds": last - started,
        "per_second": (span["count"] - 1) / (last - first),
    }


def latency(ma: Node, fr: Node, rate: float, seconds: float) -> dict[str, float]:
    since = bench_call(ma, "last_seq")
    bench_call(ma, "enqueue_versions", int(rate * seconds), "fr", rate)
    wait_drained(ma)
    sent = bench_call(ma, "created_times", since)
    received = bench_call(fr, "received_times")
    delays = [received[i] - t for i, t in sent.items() if i in received]
    return {
        "envelopes": len(delays),
        "p50_ms": 1000 * statistics.median(delays),
        "p99_ms": 1000 * percentile(delays, 0.99),
    }


def baseline(fr: Node, count: int, size: int) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", fr.port, timeout=10)
    body = b"x" * size
    times = []
    start = time.monotonic()
    for _ in range(count):
        t = time.monotonic()
        conn.request("POST", "/healthz", body, {"Content-Type": "application/octet-stream"})
        response = conn.getresponse()
        response.read()
        assert response.status == 405, f"/healthz answered {response.status} to a POST"
        times.append(time.monotonic() - t)
    total = time.monotonic() - start
    return {
        "requests": count,
        "per_second": count / total,
        "p50_ms": 1000 * statistics.median(times),
        "p99_ms": 1000 * percentile(times, 0.99),
    }


def recovery(ma: Node, fr: Node, count: int) -> dict[str, float]:
    since = bench_call(fr, "last_inbox_pk")
    fr.stop()
    fr.server = None
    bench_call(ma, "enqueue_versions", count, "fr")
    time.sleep(2)  # the worker fails and backs off
    fr.start()
    back = time.time()
    wait_drained(ma)
    span = bench_call(fr, "received_span", since)
    return {"envelopes": span["count"], "drain_seconds": span["last"] - back}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--backlog", type=int, default=10_000)
    args = parser.parse_args()
    databases = Databases()
    with tempfile.TemporaryDirectory(prefix="liaison-bench-") as tmp:
        ma, fr = (Node(n, Path(tmp) / n, databases.create(n)) for n in ("ma", "fr"))
        for node in (ma, fr):
            node.data_dir.mkdir(mode=0o700)
        try:
            prepare([ma, fr])
            peer(ma, fr)
            fr.start()
            ma.start()
            bench_call(ma, "make_persons", 100)
            db = "PostgreSQL" if databases.postgres else "SQLite"
            print(f"Exchange ma → fr on loopback, {db}, one worker")
            # The baseline is measured before and after the rest (the machine's load moves):
            # the ratio is against their mean.
            bench_call(ma, "enqueue_versions", 1, "fr")
            wait_drained(ma)
            size = bench_call(ma, "envelope_bytes", "fr")
            before = baseline(fr, 2000, size)
            result = throughput(ma, fr, args.burst)
            sustained = result["per_second"]
            print(
                f"  throughput: {result['envelopes']} envelopes, {sustained:.0f} envelopes/s"
                f" sustained; {result['seconds']:.1f} s from ma's start to an empty queue"
            )
            result = latency(ma, fr, args.rate, args.seconds)
            p99 = result["p99_ms"]
            print(
                f"  latency at {args.rate:.0f}/s: p50 {result['p50_ms']:.1f} ms,"
                f" p99 {result['p99_ms']:.1f} ms ({result['envelopes']} envelopes)"
            )
            result = recovery(ma, fr, args.backlog)
            print(
                f"  recovery: {result['envelopes']} envelopes queued while fr was down,"
                f" drained in {result['drain_seconds']:.1f} s after it came back"
                f" ({result['envelopes'] / result['drain_seconds']:.0f}/s)"
            )
            drain = result["drain_seconds"] * 10_000 / result["envelopes"]
            after = baseline(fr, 2000, size)
            for when, plain_run in (("before", before), ("after", after)):
                print(
                    f"  baseline {when}: unsigned POST of {size} bytes (one signed envelope),"
                    f" same server: {plain_run['per_second']:.0f} requests/s,"
                    f" p50 {plain_run['p50_ms']:.2f} ms, p99 {plain_run['p99_ms']:.2f} ms"
                )
            plain = (before["per_second"] + after["per_second"]) / 2
            print(
                f"  targets: delivery/POST {sustained / plain:.2f} times (≥ 0.5), p99 at 50/s"
                f" {p99:.0f} ms (≤ 1000), 10,000 drained in {drain:.1f} s (≤ 60)"
            )
        finally:
            ma.stop()
            fr.stop()
            databases.drop_all()


if __name__ == "__main__":
    main()

"""Audit log benchmark: write rate with and without the hash chain, and `audit verify` time.

    python bench/audit.py [--writes N] [--threads T] [--entries N] [--pg-url URL]

For each database (SQLite in a temporary file; PostgreSQL in a temporary database, skipped
with a note when the server does not answer) it measures, in the same run:
  - chained: `log_event`, one transaction per entry (lock head, hash, insert, move head);
  - plain: the same row inserted with the ORM, one transaction each, no hashing or locking
    (the baseline: what any audit table costs without the chain);
  - plain SQL: the same row by one INSERT on a plain cursor (the way `log_event` inserts),
    so the chain's own cost can be told apart from the ORM's;
    the three run in alternating blocks of 50, so the shared machine's load weighs on each
    alike ("chain cost" = time per chained write / time per plain write);
  - chained with T threads writing at once (each its own connection);
  - `liaison audit verify` over N entries (default 1,000,000, bulk-generated as a valid
    chain), run as the real console script, with its wall time and peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- the child: one database, configured through the environment before Django starts ---


def _setup() -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "liaison.settings"
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fields(n: int) -> dict[str, Any]:
    return {
        "actor_user_id": 7,
        "actor_username": "officer",
        "actor_agency": "Sûreté nationale",
        "peer_node": "",
        "action": "consult",
        "object_type": "person",
        "object_id": str(n),
        "purpose": "Locate a fugitive for extradition",
        "purpose_reference": "CASE-2025-0042",
        "origin": "10.0.0.1 /registry/persons/",
        "changes": None,
        "changes_digest": "",
        "detail": {"results": 3},
    }


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def _chained_block(first: int, count: int) -> None:
    from liaison.audit.actions import log_event

    for n in range(first, first + count):
        log_event(
            action="consult",
            object_type="person",
            object_id=str(n),
            purpose="Locate a fugitive for extradition",
            purpose_reference="CASE-2025-0042",
            origin="10.0.0.1 /registry/persons/",
            detail={"results": 3},
        )


PLAIN_SEQS = 10**12  # clear of the chained entries' seqs


def _plain_row(n: int) -> dict[str, Any]:
    from django.utils import timezone

    seq = PLAIN_SEQS + n
    return {**_fields(n), "seq": seq, "at": timezone.now(), "prev_hash": "", "hash": f"{seq:064x}"}


def _plain_orm_block(first: int, count: int) -> None:
    from django.db import transaction

    from liaison.audit.models import AuditEntry

    for n in range(first, first + count):
        with transaction.atomic():
            AuditEntry(**_plain_row(n)).save()


def _plain_sql_block(first: int, count: int) -> None:
    """The same row by one INSERT on a plain cursor, as `log_event` now writes it."""
    from django.db import connection, transaction

    columns = ["seq", "at", *_fields(0), "prev_hash", "hash"]
    insert = _insert_statement(columns)
    adapt = connection.ops.adapt_datetimefield_value
    for n in range(first, first + count):
        row = _plain_row(PLAIN_SEQS // 2 + n)
        row["at"], row["detail"] = adapt(row["at"]), json.dumps(row["detail"])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(insert, [row[name] for name in columns])


def _insert_statement(columns: list[str]) -> str:
    return (
        f"INSERT INTO audit_auditentry ({', '.join(columns)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(columns))})"
    )


def _interleaved(writes: int, block: int = 50) -> dict[str, float]:
    """Rates of each mode, run in alternating blocks so that the machine's load (shared and
    noisy) weighs on every mode alike instead of on whichever ran during a busy spell."""
    modes = {"chained": _chained_block, "plain": _plain_orm_block, "plain_sql": _plain_sql_block}
    spent = dict.fromkeys(modes, 0.0)
    for first in range(0, writes, block):
        count = min(block, writes - first)
        for name, write in modes.items():
            started = time.perf_counter()
            write(first, count)
            spent[name] += time.perf_counter() - started
    return {name: _rate(writes, seconds) for name, seconds in spent.items()}


def _threaded(writes: int, threads: int) -> float:
    from django.db import connection

    from liaison.audit.actions import log_event

    def write(count: int) -> None:
        try:
            for n in range(count):
                log_event(action="consult", object_type="person", object_id=str(n))
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(writes // threads,)) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return _rate(writes // threads * threads, time.perf_counter() - started)


def _empty_log() -> None:
    """Empty the log between runs. PostgreSQL's append-only trigger refuses this unless
    liaison.audit_truncate is on, as it is for this transaction alone."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL liaison.audit_truncate = 'on'")
            cursor.execute("TRUNCATE audit_auditentry")
        else:
            cursor.execute("DELETE FROM audit_auditentry")
        cursor.execute("DELETE FROM audit_auditchainhead")


def _generate(entries: int, batch: int = 10_000) -> float:
    """A valid chain of `entries`, hashed in Python and inserted by executemany in batches."""
    from django.db import connection, transaction

    from liaison.audit.chain import GENESIS, entry_hash

    _empty_log()
    columns = ["seq", "at", *_fields(0), "prev_hash", "hash"]
    insert = _insert_statement(columns)
    adapt = connection.ops.adapt_datetimefield_value
    started, prev, base = time.perf_counter(), GENESIS, datetime(2025, 1, 1, tzinfo=UTC)
    for first in range(1, entries + 1, batch):
        rows = []
        for seq in range(first, min(first + batch, entries + 1)):
            fields = {**_fields(seq), "seq": seq, "at": base + timedelta(seconds=seq)}
            fields["prev_hash"] = prev
            fields["hash"] = prev = entry_hash(fields)
            fields["at"], fields["detail"] = adapt(fields["at"]), json.dumps(fields["detail"])
            rows.append([fields[name] for name in columns])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditchainhead (id, seq, hash) VALUES (1, %s, %s)", [entries, prev]
        )
    return time.perf_counter() - started


def _verify(entries: int) -> dict[str, Any]:
    """The real `liaison audit verify`, timed, with the child's peak memory."""
    liaison = str(Path(sys.executable).with_name("liaison"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    started = time.perf_counter()
    result = subprocess.run([liaison, "audit", "verify"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ok = result.returncode == 0 and result.stdout.startswith(f"OK: {entries} entries")
    return {"verify_s": seconds, "verify_peak_mib": peak_kib / 1024, "verify_ok": ok}


def child(args: argparse.Namespace) -> None:
    _setup()
    from django.db import connection

    out: dict[str, Any] = {"vendor": connection.vendor}
    out.update(_interleaved(args.writes))
    _empty_log()
    out["threaded"] = _threaded(args.writes, args.threads)
    out["generate_s"] = _generate(args.entries)
    out.update(_verify(args.entries))
    print(json.dumps(out))


# --- the parent: one child per database, then the table ---


def _run_child(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", *_passed(args)]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _passed(args: argparse.Namespace) -> list[str]:
    return [
        f"--writes={args.writes}",
        f"--threads={args.threads}",
        f"--entries={args.entries}",
    ]


def _base_env(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LIAISON_DEBUG")}
    env.update(LIAISON_DATA_DIR=data_dir, LIAISON_HTTPS="0", LIAISON_LOG_LEVEL="WARNING")
    return env


def _sqlite(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="liaison-bench-") as data_dir:
        return _run_child(args, _base_env(data_dir))


def _postgres(args: argparse.Namespace) -> dict[str, Any] | str:
    import psycopg

    name = f"liaison_bench_{os.getpid()}"
    try:
        admin = psycopg.connect(f"{args.pg_url}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        return f"PostgreSQL skipped: {args.pg_url} unreachable ({str(error).strip()[:80]})"
    with admin, tempfile.TemporaryDirectory(prefix="liaison-bench-") as data_dir:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            env = {**_base_env(data_dir), "DATABASE_URL": f"{args.pg_url}/{name}"}
            return _run_child(args, env)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _table(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"Audit writes: {args.writes} per mode, one transaction each "
        f"({args.threads} threads for the concurrent column)",
        "",
        f"{'database':<11}{'chained/s':>11}{'plain/s':>11}{'chain cost':>12}"
        f"{'plain SQL/s':>13}{'cost vs SQL':>13}{f'chained x{args.threads}/s':>16}",
    ]
    for r in results:
        cost, cost_sql = r["plain"] / r["chained"], r["plain_sql"] / r["chained"]
        lines.append(
            f"{r['vendor']:<11}{r['chained']:>11,.0f}{r['plain']:>11,.0f}{cost:>11.2f}x"
            f"{r['plain_sql']:>13,.0f}{cost_sql:>12.2f}x{r['threaded']:>16,.0f}"
        )
    lines += [
        "",
        f"`liaison audit verify` over {args.entries:,} entries (default batch)",
        "",
        f"{'database':<11}{'generate':>11}{'verify':>10}{'entries/s':>12}{'peak RSS':>11}"
        f"{'result':>8}",
    ]
    for r in results:
        lines.append(
            f"{r['vendor']:<11}{r['generate_s']:>10.1f}s{r['verify_s']:>9.1f}s"
            f"{args.entries / r['verify_s']:>12,.0f}{r['verify_peak_mib']:>7.0f} MiB"
            f"{'OK' if r['verify_ok'] else 'FAIL':>8}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=3000, help="writes per mode")
    parser.add_argument("--threads", type=int, default=4, help="concurrent writers")
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries to verify")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs", flush=True)
    results = [_sqlite(args)]
    postgres = _postgres(args)
    notes = [postgres] if isinstance(postgres, str) else []
    results += [] if notes else [postgres]  # type: ignore[list-item]
    print(_table(results, args))
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()

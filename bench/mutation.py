"""Planted bugs (hand-written mutants) in the cores, each against the tests meant to catch it.

    python bench/mutation.py [--only PREFIX] [--pg-url URL]

Each mutant is one small, realistic bug (a dropped field, `<` for `<=`, a forgotten save, a
missing filter) in one module. For each, the tree is copied once to a temporary directory,
the bug is written into the copy (the worktree is never touched), and the named tests run
there with pytest (`-x`: the first failure kills the mutant). It prints, per module, how
many mutants the tests killed, and lists the survivors. Exit status 1 if any survived.

Not in CI (it runs the same tests dozens of times). This is not a generated mutation run
(mutmut, cosmic-ray): the mutants are the bugs issue 19 found unnoticed, kept here so that
weakening a test that catches one shows up. Add a mutant with each core rule you test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # the module, relative to the repository
    old: str  # exact text, found once in the module
    new: str
    tests: tuple[str, ...]


def _chain_field(field: str) -> Mutant:
    """The audit hash without one field: each must be covered (known answer, tamper test)."""
    value = f'f["{field}"]'
    text = {
        "at": '"at":{_text(at)},',
        "detail": '"detail":{detail},',
        "actor_user_id": f'"actor_user_id":{{_int_or_null({value})}},',
    }.get(field, f'"{field}":{{_text({value})}},')
    return Mutant(
        f"audit hash drops {field}",
        "liaison/audit/chain.py",
        text,
        "",
        ("tests/audit/test_tamper_every_column.py", "tests/audit/test_chain_format.py"),
    )


CHAIN_FIELDS = (
    "action",
    "actor_agency",
    "actor_user_id",
    "actor_username",
    "at",
    "changes_digest",
    "detail",
    "object_id",
    "object_type",
    "origin",
    "peer_node",
    "prev_hash",
    "purpose",
    "purpose_reference",
)
RECEIVE = ("tests/exchange/test_receive_rules.py",)
WORKER = (
    "tests/exchange/test_worker.py",
    "tests/exchange/test_worker_backoff.py",
    "tests/exchange/test_worker_receipts.py",
)
RETENTION = ("tests/registry/test_retention.py",)

MUTANTS: tuple[Mutant, ...] = (
    *(_chain_field(field) for field in CHAIN_FIELDS),
    Mutant(
        "verify skips the prev_hash link",
        "liaison/audit/verify.py",
        '    if entry["prev_hash"] != prev_hash:\n',
        "    if False:\n",
        ("tests/audit/test_tamper_every_column.py", "tests/audit/test_tamper.py"),
    ),
    Mutant(
        "a copy of another owner is overwritten",
        "liaison/records.py",
        "    if record is not None and record.owner_node != sender:\n",
        "    if False:\n",
        RECEIVE,
    ),
    Mutant(
        "tombstones ignored",
        "liaison/records.py",
        "    return withdrawn(body.owner, body.uid, body.version)\n",
        "    return False\n",
        RECEIVE,
    ),
    Mutant(
        "an equal version replaces the copy",
        "liaison/records.py",
        "record.version >= body.version",
        "record.version > body.version",
        RECEIVE,
    ),
    Mutant(
        "a tombstone keeps the latest version, not the highest",
        "liaison/exchange/sharing.py",
        "    if tomb.version < version:\n",
        "    if tomb.version != version:\n",
        RECEIVE,
    ),
    Mutant(
        "an upsert at the withdrawn version revives",
        "liaison/exchange/sharing.py",
        "version__gte=version",
        "version__gt=version",
        RECEIVE,
    ),
    Mutant(
        "tombstones looked up by uid only",
        "liaison/exchange/sharing.py",
        "Tombstone.objects.filter(owner_node=owner, object_uid=uid)",
        "Tombstone.objects.filter(object_uid=uid)",
        RECEIVE,
    ),
    Mutant(
        "a sender may name another owner",
        "liaison/exchange/sharing.py",
        "    if owner != sender:\n",
        "    if False:\n",
        RECEIVE,
    ),
    Mutant(
        "backoff uncapped",
        "liaison/exchange/worker.py",
        "delay = min(float(backoff_cap_seconds()), base * 2.0 ** max(failures - 1, 0))",
        "delay = base * 2.0 ** max(failures - 1, 0)",
        WORKER,
    ),
    Mutant(
        "backoff does not grow",
        "liaison/exchange/worker.py",
        "base * 2.0 ** max(failures - 1, 0)",
        "base * 2.0 ** 0",
        WORKER,
    ),
    Mutant(
        "failures not counted",
        "liaison/exchange/worker.py",
        "    failures = peer.failures + 1\n",
        "    failures = 1\n",
        WORKER,
    ),
    Mutant(
        "the failure count's delay is not used",
        "liaison/exchange/worker.py",
        "    delay = backoff(failures)\n",
        "    delay = backoff(1)\n",
        WORKER,
    ),
    Mutant(
        "delivery goes on after a failed batch",
        "liaison/exchange/worker.py",
        "                if not deliver_batch(conn, batch, peer, key, queue):\n"
        "                    return\n",
        "                deliver_batch(conn, batch, peer, key, queue)\n",
        WORKER,
    ),
    Mutant(
        "a rejection is retried",
        "liaison/exchange/worker.py",
        "state=OutboxState.REJECTED if rejected else OutboxState.DELIVERED,",
        "state=OutboxState.PENDING if rejected else OutboxState.DELIVERED,",
        WORKER,
    ),
    Mutant(
        "a bad receipt mid-batch is skipped",
        "liaison/exchange/worker.py",
        "        except TransportError as error:\n            return done, error\n"
        "    if len(done) < len(batch):",
        "        except TransportError as error:\n            continue\n"
        "    if len(done) < len(batch):",
        WORKER,
    ),
    Mutant(
        "records expire on their review date",
        "liaison/registry/actions.py",
        "owner_node=settings.NODE_ID, review_date__lt=today",
        "owner_node=settings.NODE_ID, review_date__lte=today",
        RETENTION,
    ),
    Mutant(
        "expiry does not tell partners",
        "liaison/registry/actions.py",
        '        share.withdraw(record, object_type, reason="retention period expired")\n',
        "        pass\n",
        RETENTION,
    ),
    Mutant(
        "expiry erases partners' copies",
        "liaison/registry/actions.py",
        "owner_node=settings.NODE_ID, review_date__lt=today",
        "review_date__lt=today",
        RETENTION,
    ),
    Mutant(
        "an extended review date is not saved",
        "liaison/registry/actions.py",
        "    record.save(update_fields=fields)\n    share.push_update(record, object_type)\n",
        "    share.push_update(record, object_type)\n",
        RETENTION,
    ),
    Mutant(
        "review-records --dry-run erases",
        "liaison/registry/management/commands/review-records.py",
        '        if options["dry_run"]:\n            return\n',
        "",
        RETENTION,
    ),
    Mutant(
        "the notice import matches partners' copies",
        "liaison/registry/notices.py",
        "Person.objects.filter(owner_node=settings.NODE_ID, external_ref=notice.entity_id)",
        "Person.objects.filter(external_ref=notice.entity_id)",
        ("tests/registry/test_notices_partner_copy.py",),
    ),
    Mutant(
        "API tokens hashed differently",
        "liaison/accounts/tokens.py",
        'return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()',
        'return hashlib.sha256(raw_token.lower().encode("utf-8")).hexdigest()',
        ("tests/accounts/test_api.py",),
    ),
)


def _copy_tree(target: Path) -> None:
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "mutants", "*.sqlite3")
    shutil.copytree(ROOT, target, ignore=ignore, dirs_exist_ok=True)


def run(mutant: Mutant, tree: Path, env: dict[str, str]) -> tuple[bool, str]:
    """Plant the bug in the copy, run its tests, restore. (killed, first failing test)."""
    module = tree / mutant.path
    original = module.read_text()
    if original.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the text to change is not found once in {mutant.path}")
    module.write_text(original.replace(mutant.old, mutant.new))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
            cwd=tree,  # the copy's liaison/ comes first on sys.path
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        module.write_text(original)
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    if result.returncode not in (0, 1):
        raise SystemExit(f"{mutant.name}: pytest exited {result.returncode}\n{result.stdout}")
    return result.returncode == 1, failed[0].split(" ", 1)[1] if failed else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="Only the mutants whose name starts so.")
    parser.add_argument("--pg-url", default="", help="Run the tests on this PostgreSQL URL.")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if args.pg_url:
        env["DATABASE_URL"] = args.pg_url
    mutants = [m for m in MUTANTS if m.name.startswith(args.only)]
    per_module: dict[str, list[tuple[Mutant, bool, str]]] = defaultdict(list)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="liaison-mutants-") as tmp:
        tree = Path(tmp)
        _copy_tree(tree)
        for mutant in mutants:
            killed, by = run(mutant, tree, env)
            per_module[mutant.path].append((mutant, killed, by))
            print(f"{'killed  ' if killed else 'SURVIVED'} {mutant.name}  {by}", flush=True)
    print(f"\n{len(mutants)} mutants in {time.monotonic() - started:.0f} s")
    survivors = 0
    for path, results in sorted(per_module.items()):
        killed = sum(1 for _, k, _ in results if k)
        survivors += len(results) - killed
        print(f"{path:58} {killed:3}/{len(results):<3} {100 * killed / len(results):5.1f} %")
        for mutant, k, _ in results:
            if not k:
                print(f"    survived: {mutant.name}")
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Parallel writers keep the chain valid and seq gap-free (each thread has its own
database connection, as concurrent requests do)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from liaison.audit.actions import log_event
from liaison.audit.models import AuditEntry
from tests.audit.conftest import Node, verify

THREADS, PER_THREAD = 6, 50


def _write_concurrently() -> list[BaseException]:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                if i % 5:
                    log_event(action="consult", object_type="person", object_id=f"{n}-{i}")
                else:  # some inside a longer caller transaction, as actions do
                    with transaction.atomic():
                        log_event(action="collect", object_type="person", object_id=f"{n}-{i}")
                        log_event(action="alter", object_type="person", object_id=f"{n}-{i}")
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _assert_chain_holds() -> None:
    total = THREADS * (PER_THREAD + PER_THREAD // 5)
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    assert verify().startswith(f"OK: {total} entries verified")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_the_chain_on_postgresql() -> None:
    assert _write_concurrently() == []
    _assert_chain_holds()


# SQLite: pytest-django's SQLite test database is in memory with a shared cache, where
# writers collide with "database table is locked" (SQLITE_LOCKED ignores the busy timeout).
# Nodes use a file in WAL mode with IMMEDIATE transactions, so test that: several `liaison`
# processes, each with several threads, append to one node's file at once.
WRITER = """
import threading
from django.db import connection
from liaison.audit.actions import log_event

errors = []

def write(n):
    try:
        for i in range(PER_THREAD):
            log_event(action="consult", object_type="person", object_id=f"{n}-{i}")
    except BaseException as error:
        errors.append(error)
    finally:
        connection.close()

threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert not errors, errors
"""


@pytest.mark.timeout(600)  # its writers may each take 300 s on a loaded machine
def test_parallel_writers_keep_the_chain_on_a_sqlite_node(node: Node) -> None:
    processes, threads, per_thread = 3, 4, 50
    script = WRITER.replace("PER_THREAD", str(per_thread)).replace("THREADS", str(threads))
    writers = [node.start("shell", "-v", "0", "-c", script) for _ in range(processes)]
    for writer in writers:
        _out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    result = node.run("audit", "verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"OK: {processes * threads * per_thread} entries verified")

"""`appended_together`: entries chained in memory and written at once on leaving, exactly
as one by one; nothing written when the block fails; only inside a transaction."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from liaison.audit.actions import appended_together, log_event
from liaison.audit.chain import entry_hash
from liaison.audit.models import AuditChainHead, AuditEntry
from tests.audit.conftest import verify

pytestmark = pytest.mark.django_db


def _received(count: int, start: int = 0) -> list[AuditEntry]:
    return [
        log_event(action="receive", peer_node="fr", object_type="person", object_id=str(i))
        for i in range(start, start + count)
    ]


def test_entries_logged_together_continue_the_chain_as_one_by_one() -> None:
    _received(2)
    with transaction.atomic(), appended_together():
        returned = _received(3, start=2)
        assert AuditEntry.objects.count() == 2  # written on leaving, not before
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert [e.object_id for e in entries] == ["0", "1", "2", "3", "4"]
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert all(entry_hash(e.__dict__) == e.hash for e in entries)
    assert [(e.seq, e.hash) for e in returned] == [(e.seq, e.hash) for e in entries[2:]]
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (5, entries[-1].hash)
    assert verify().startswith("OK: 5 entries verified")
    _received(1, start=5)  # the chain goes on one by one after them
    assert verify().startswith("OK: 6 entries verified")


def test_entries_are_written_in_a_fixed_number_of_statements() -> None:
    _received(1)
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), appended_together():
        _received(20, start=1)
    writes = [q for q in queries.captured_queries if "audit_" in q["sql"]]
    assert len(writes) == 3  # lock and read the head, insert the rows, move the head
    assert AuditEntry.objects.count() == 21


def test_nothing_is_written_when_the_block_fails() -> None:
    _received(1)
    with pytest.raises(RuntimeError), transaction.atomic(), appended_together():
        _received(3, start=1)
        raise RuntimeError("an envelope failed")
    assert AuditEntry.objects.count() == 1
    assert AuditChainHead.objects.get().seq == 1
    _received(1, start=9)
    assert verify().startswith("OK: 2 entries verified")


def test_it_does_not_nest() -> None:
    with (
        transaction.atomic(),
        appended_together(),
        pytest.raises(TransactionManagementError, match="not reentrant"),
        appended_together(),
    ):
        pass
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_is_refused() -> None:
    with (
        pytest.raises(TransactionManagementError, match="needs a transaction"),
        appended_together(),
    ):
        pass
    log_event(action="admin")  # and log_event is not left deferring
    assert AuditEntry.objects.count() == 1

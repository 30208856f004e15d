"""Tampering with the table directly (raw SQL) is caught by `liaison audit verify`."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils import timezone

from liaison.audit.chain import changes_digest, entry_hash
from liaison.audit.models import AuditEntry
from liaison.audit.verify import verify_chain
from tests.audit.conftest import TABLE, Node, broken, sql, verify

pytestmark = pytest.mark.django_db

_CONTENT = (
    "at, actor_user_id, actor_username, actor_agency, peer_node, action, object_type,"
    " object_id, purpose, purpose_reference, origin, changes, changes_digest, detail,"
    " prev_hash, hash"
)


def forge(seq: int, prev_hash: str, **overrides: object) -> None:
    """Insert an entry whose own hash is right: only the chain can give it away."""
    fields: dict[str, object] = {
        "seq": seq,
        "at": timezone.now(),
        "actor_user_id": None,
        "actor_username": "intruder",
        "actor_agency": "",
        "peer_node": "",
        "action": "consult",
        "object_type": "person",
        "object_id": "1",
        "purpose": "",
        "purpose_reference": "",
        "origin": "cli",
        "changes_digest": "",
        "detail": {},
        "prev_hash": prev_hash,
        **overrides,
    }
    fields["hash"] = entry_hash(fields)
    values = [
        seq,
        connection.ops.adapt_datetimefield_value(fields["at"]),
        *(fields[name] for name in _CONTENT.replace(" ", "").split(",")[1:11]),
        None,
        fields["changes_digest"],
        json.dumps(fields["detail"]),
        fields["prev_hash"],
        fields["hash"],
    ]
    marks = ", ".join(["%s"] * len(values))
    sql(f"INSERT INTO {TABLE} (seq, {_CONTENT}) VALUES ({marks})", values)  # noqa: S608


def swap_contents(a: int, b: int) -> None:
    """Exchange every column but seq between two entries."""
    columns = [c.strip() for c in _CONTENT.split(",")]
    rows = {}
    with connection.cursor() as cursor:
        for seq in (a, b):
            cursor.execute(f"SELECT {_CONTENT} FROM {TABLE} WHERE seq = %s", [seq])  # noqa: S608
            rows[seq] = cursor.fetchone()
    sql("UPDATE audit_auditentry SET hash = %s WHERE seq = %s", ["0" * 64, a])  # hash is unique
    for target, source in ((b, a), (a, b)):
        assignments = ", ".join(f"{c} = %s" for c in columns)
        sql(f"UPDATE {TABLE} SET {assignments} WHERE seq = %s", [*rows[source], target])  # noqa: S608


def test_changing_a_field_is_caught(chain: list[AuditEntry]) -> None:
    sql("UPDATE audit_auditentry SET purpose = %s WHERE seq = 3", ["nothing to see"])
    message = broken()
    assert "seq 3" in message and "altered" in message and "2 entries verified" in message


def test_changing_the_actor_is_caught(chain: list[AuditEntry]) -> None:
    sql("UPDATE audit_auditentry SET actor_username = %s WHERE seq = 5", ["someone_else"])
    assert "seq 5" in broken()


def test_changing_recorded_changes_is_caught(db: None) -> None:
    from liaison.audit.actions import log_event

    log_event(action="alter", object_type="person", object_id="1", changes={"name": ["A", "B"]})
    sql("UPDATE audit_auditentry SET changes = %s WHERE seq = 1", ['{"name": ["A", "C"]}'])
    assert "seq 1: the recorded changes were altered" in broken()


def test_redacting_recorded_changes_keeps_the_chain(db: None) -> None:
    """Erasure may null the old/new values (record content); the digest still chains."""
    from liaison.audit.actions import log_event

    log_event(action="alter", object_type="person", object_id="1", changes={"name": ["A", "B"]})
    sql("UPDATE audit_auditentry SET changes = NULL WHERE seq = 1")
    assert verify().startswith("OK: 1 entries verified")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL refuses such a date")
def test_a_date_edited_into_garbage_is_reported_not_crashed_on(chain: list[AuditEntry]) -> None:
    sql("UPDATE audit_auditentry SET at = 'yesterday' WHERE seq = 2")
    assert "seq 2: unreadable value" in broken()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL refuses text in an id")
def test_an_id_edited_into_text_is_reported_not_crashed_on(chain: list[AuditEntry]) -> None:
    sql("UPDATE audit_auditentry SET actor_user_id = 'x' WHERE seq = 3")
    assert "seq 3: unreadable value" in broken()


def test_an_entry_written_on_a_whole_second_verifies(chain: list[AuditEntry]) -> None:
    """Django stores such a time without its fraction; verify reads that text too."""
    forge(7, chain[-1].hash, at=timezone.now().replace(microsecond=0))
    last = AuditEntry.objects.get(seq=7).hash
    sql("UPDATE audit_auditchainhead SET seq = 7, hash = %s", [last])
    assert verify().startswith("OK: 7 entries verified")


def test_deleting_an_entry_is_caught(chain: list[AuditEntry]) -> None:
    sql("DELETE FROM audit_auditentry WHERE seq = 4")
    assert "seq 5: entry seq 4 is missing" in broken()


def test_deleting_the_last_entry_is_caught(chain: list[AuditEntry]) -> None:
    sql("DELETE FROM audit_auditentry WHERE seq = 6")
    assert "seq 6: the entry is missing" in broken()


def test_appending_a_forged_entry_is_caught(chain: list[AuditEntry]) -> None:
    forge(7, chain[-1].hash)
    assert "seq 7: the entry is beyond the chain head" in broken()


def test_inserting_a_forged_entry_in_the_middle_is_caught(chain: list[AuditEntry]) -> None:
    for seq in (6, 5, 4):  # make room, one row at a time to keep seq unique throughout
        sql("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [seq + 1, seq])
    forge(4, chain[2].hash)
    assert "seq 5: hash mismatch" in broken()


def test_swapping_two_entries_contents_is_caught(chain: list[AuditEntry]) -> None:
    swap_contents(2, 3)
    assert "seq 2: hash mismatch" in broken()


def test_reordering_two_entries_is_caught(chain: list[AuditEntry]) -> None:
    sql("UPDATE audit_auditentry SET seq = 1000 WHERE seq = 4")
    sql("UPDATE audit_auditentry SET seq = 4 WHERE seq = 5")
    sql("UPDATE audit_auditentry SET seq = 5 WHERE seq = 1000")
    assert "seq 4: hash mismatch" in broken()


def test_changing_the_chain_head_is_caught(chain: list[AuditEntry]) -> None:
    sql("UPDATE audit_auditchainhead SET hash = %s", ["f" * 64])
    assert "seq 6: the entry's hash differs from the chain head's" in broken()


def test_deleting_the_chain_head_is_caught(chain: list[AuditEntry]) -> None:
    sql("DELETE FROM audit_auditchainhead")
    assert "the chain head is missing" in broken()


def test_a_break_in_a_later_batch_is_found(chain: list[AuditEntry]) -> None:
    sql("UPDATE audit_auditentry SET object_id = %s WHERE seq = 5", ["99"])
    assert "seq 5: hash mismatch" in broken("--batch-size", "2")


def test_the_digest_of_no_changes_is_empty() -> None:
    assert changes_digest(None) == ""
    assert len(changes_digest({})) == 64


def test_the_liaison_command_exits_non_zero_and_names_the_entry(node: Node) -> None:
    script = (
        "from liaison.audit.actions import log_event\n[log_event(action='consult') for _ in 'abc']"
    )
    assert node.run("shell", "-v", "0", "-c", script).returncode == 0
    intact = node.run("audit", "verify")
    assert intact.returncode == 0 and intact.stdout.startswith("OK: 3 entries verified")

    with sqlite3.connect(node.database) as db:
        db.execute("UPDATE audit_auditentry SET origin = 'elsewhere' WHERE seq = 2")
    tampered = node.run("audit", "verify")
    assert tampered.returncode == 1
    assert "BROKEN at entry seq 2" in tampered.stderr


SAME_INSTANT = (
    "2025-01-31 09:15:02.000123",  # as Django writes it
    "2025-01-31 09:15:02.000123Z",
    "2025-01-31T09:15:02.000123",
    "2025-01-31T09:15:02.000123+00:00",
    "2025-01-31 10:15:02.000123+01:00",
)


@pytest.mark.parametrize("text", SAME_INSTANT)
def test_an_entry_whose_time_is_rewritten_as_the_same_instant_verifies(
    chain: list[AuditEntry], text: str
) -> None:
    """The hash covers the instant, not its spelling: the verifier's shortcuts for the
    texts the databases write must not turn another spelling into another instant."""
    forge(7, chain[-1].hash, at=datetime(2025, 1, 31, 9, 15, 2, 123, tzinfo=UTC))
    sql("UPDATE audit_auditchainhead SET seq = 7, hash = %s", [AuditEntry.objects.get(seq=7).hash])
    sql("UPDATE audit_auditentry SET at = %s WHERE seq = 7", [text])
    assert verify().startswith("OK: 7 entries verified")
    sql("UPDATE audit_auditentry SET at = %s WHERE seq = 7", [text.replace(":02.", ":03.")])
    assert "seq 7: hash mismatch" in broken()


@pytest.mark.parametrize("offset", ["+05:00", "-03:30", "Z"])
def test_an_offset_added_to_an_entrys_time_moves_it_and_is_caught(
    chain: list[AuditEntry], offset: str
) -> None:
    """Appending an offset to the stored text changes the instant (09:15 at +05:00 is
    04:15 UTC): the verifier must read it as written, not drop it."""
    forge(7, chain[-1].hash, at=datetime(2025, 1, 31, 9, 15, 2, 123, tzinfo=UTC))
    sql("UPDATE audit_auditchainhead SET seq = 7, hash = %s", [AuditEntry.objects.get(seq=7).hash])
    assert verify().startswith("OK: 7 entries verified")
    moved = "2025-01-31 09:15:02.000123" + offset
    sql("UPDATE audit_auditentry SET at = %s WHERE seq = 7", [moved])
    if offset == "Z":  # the same instant, spelt otherwise
        assert verify().startswith("OK: 7 entries verified")
    else:
        assert "seq 7: hash mismatch" in broken()


@pytest.mark.parametrize(("batch_size", "reported"), [(2, [2, 2, 2]), (4, [4]), (7, [])])
def test_progress_is_reported_once_per_full_batch(
    chain: list[AuditEntry], batch_size: int, reported: list[int]
) -> None:
    calls: list[int] = []
    outcome = verify_chain(batch_size=batch_size, progress=calls.append)
    assert (outcome.ok, outcome.checked, calls) == (True, 6, reported)

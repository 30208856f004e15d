"""PostgreSQL refuses UPDATE, DELETE and TRUNCATE of audit entries in the database itself;
redaction (`redact_changes`) is the one path through, and the chain still verifies."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from liaison.accounts.models import User
from liaison.audit.actions import RedactionRefused, log_event, redact_changes
from liaison.audit.models import AuditEntry
from tests.audit.conftest import TABLE, verify

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")


@pytest.fixture
def alterations(db: None) -> list[AuditEntry]:
    """seq 1 and 3 alter person 1, seq 2 alters person 2."""
    return [
        log_event(action="alter", object_type="person", object_id=person, changes=changes)
        for person, changes in (
            ("1", {"name": ["Amina", "Amina B."]}),
            ("2", {"name": ["Omar", "Omar K."]}),
            ("1", {"birth_place": ["Rabat", "Salé"]}),
        )
    ]


def raw(statement: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:  # a savepoint to roll back to
        cursor.execute(statement, params or [])


def stored_changes() -> dict[int, object]:
    return dict(AuditEntry.objects.values_list("seq", "changes"))


@postgresql_only
@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET purpose = 'rewritten' WHERE seq = 2",  # noqa: S608
        f"UPDATE {TABLE} SET changes = NULL WHERE seq = 2",  # noqa: S608 (not via redaction)
        f"DELETE FROM {TABLE} WHERE seq = 3",  # noqa: S608
        f"TRUNCATE {TABLE}",
    ],
)
def test_the_database_refuses_raw_sql_that_changes_entries(
    alterations: list[AuditEntry], statement: str
) -> None:
    raw("SET LOCAL liaison.audit_truncate = 'off'")  # as on a node (tests turn it on)
    with pytest.raises(DatabaseError, match="append-only"):
        raw(statement)
    assert AuditEntry.objects.count() == 3
    assert AuditEntry.objects.get(seq=2).purpose == ""
    assert stored_changes()[2] == {"name": ["Omar", "Omar K."]}
    assert verify().startswith("OK: 3 entries verified")


@postgresql_only
def test_the_redaction_switch_lets_through_only_a_nulling_of_changes(
    alterations: list[AuditEntry],
) -> None:
    raw("SELECT set_config('liaison.audit_redaction', 'on', false)")
    try:
        for statement in (
            f"UPDATE {TABLE} SET purpose = 'rewritten' WHERE seq = 1",  # noqa: S608
            f"UPDATE {TABLE} SET changes = NULL, purpose = 'x' WHERE seq = 1",  # noqa: S608
            f"""UPDATE {TABLE} SET changes = '{{"name": 1}}' WHERE seq = 1""",  # noqa: S608
            f"DELETE FROM {TABLE} WHERE seq = 1",  # noqa: S608
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                raw(statement)
    finally:
        raw("SELECT set_config('liaison.audit_redaction', 'off', false)")
    assert stored_changes()[1] == {"name": ["Amina", "Amina B."]}


def test_redaction_nulls_the_values_and_logs_an_erase_entry_naming_them(
    alterations: list[AuditEntry], officer: User
) -> None:
    erase = redact_changes(
        seqs=[3, 1], object_type="person", object_id="1", actor=officer, purpose="erasure"
    )
    assert stored_changes() == {1: None, 2: {"name": ["Omar", "Omar K."]}, 3: None, 4: None}
    entry = AuditEntry.objects.get(seq=erase.seq)
    assert (entry.seq, entry.action, entry.object_type, entry.object_id) == (
        4,
        "erase",
        "person",
        "1",
    )
    assert (entry.detail, entry.actor_username) == ({"redacted_seqs": [1, 3]}, "officer")
    assert AuditEntry.objects.get(seq=1).changes_digest == alterations[0].changes_digest
    assert verify().startswith("OK: 4 entries verified")


@postgresql_only
def test_after_redaction_the_same_transaction_cannot_change_entries(
    alterations: list[AuditEntry],
) -> None:
    with transaction.atomic():
        redact_changes(seqs=[1], object_type="person", object_id="1")
        with pytest.raises(DatabaseError, match="append-only"):
            raw(f"UPDATE {TABLE} SET changes = NULL WHERE seq = 2")  # noqa: S608
    assert stored_changes()[2] == {"name": ["Omar", "Omar K."]}


@pytest.mark.parametrize(
    ("seqs", "message"),
    [
        ([1, 2], r"person 1 .*: \[2\]"),  # seq 2 is another person's
        ([1, 99], r"\[99\]"),  # no such entry
        ([], "No audit entries"),
    ],
)
def test_redaction_refuses_entries_it_may_not_touch_and_changes_nothing(
    alterations: list[AuditEntry], seqs: list[int], message: str
) -> None:
    with pytest.raises(RedactionRefused, match=message):
        redact_changes(seqs=seqs, object_type="person", object_id="1")
    assert AuditEntry.objects.count() == 3
    assert all(changes is not None for changes in stored_changes().values())


def test_an_entry_already_redacted_is_not_redacted_twice(alterations: list[AuditEntry]) -> None:
    redact_changes(seqs=[1], object_type="person", object_id="1")
    with pytest.raises(RedactionRefused, match=r"\[1\]"):
        redact_changes(seqs=[1, 3], object_type="person", object_id="1")
    assert stored_changes()[3] == {"birth_place": ["Rabat", "Salé"]}
    assert AuditEntry.objects.count() == 4

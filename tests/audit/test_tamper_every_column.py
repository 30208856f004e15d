"""Every hashed column is covered: changing any one of them, by raw SQL, makes `audit verify`
report that entry. And the chain's hash has a known answer, written out here literally."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from liaison.accounts.models import User
from liaison.audit.actions import log_event
from liaison.audit.chain import CONTENT_FIELDS, HASHED_FIELDS, entry_hash
from liaison.audit.models import AuditEntry
from tests.audit.conftest import TABLE, broken, sql, verify

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


@pytest.fixture
def full_chain(make_user: Callable[..., User]) -> list[AuditEntry]:
    """Three entries with every hashed field set (no empty string, no null), seq 1 to 3."""
    officer = make_user("officer", "officer")
    make_user("other")  # a second user id to move the actor to
    return [
        log_event(
            action=action,
            actor=officer,
            peer_node="fr",
            object_type="person",
            object_id=str(n),
            purpose=f"case {n}",
            purpose_reference=f"REF-{n}",
            changes={"name": ["A", f"B{n}"]},
            detail={"results": n},
            origin="10.0.0.1 /registry/",
        )
        for n, action in enumerate(("collect", "alter", "disclose"), start=1)
    ]


def _other_user_id(current: int) -> int:
    return User.objects.exclude(pk=current).values_list("pk", flat=True).first() or current + 1


# One new value per hashed column of entry seq 2: each differs from the stored one and is of
# the column's type, as an attacker with database access would write it.
TAMPERED: dict[str, Callable[[AuditEntry], object]] = {
    "at": lambda e: connection.ops.adapt_datetimefield_value(e.at + timedelta(seconds=1)),
    "actor_user_id": lambda e: _other_user_id(e.actor_user_id or 0),
    "actor_username": lambda e: e.actor_username + "x",
    "actor_agency": lambda e: e.actor_agency + "x",
    "peer_node": lambda e: "de",
    "action": lambda e: "consult",
    "object_type": lambda e: "warrant",
    "object_id": lambda e: "99",
    "purpose": lambda e: e.purpose + "x",
    "purpose_reference": lambda e: e.purpose_reference + "x",
    "origin": lambda e: "cli",
    "changes_digest": lambda e: "0" * 64,
    "detail": lambda e: json.dumps({"results": 0}),
    "prev_hash": lambda e: "f" * 64,
}


def test_the_tamper_table_names_every_content_field_and_the_links() -> None:
    assert set(TAMPERED) == set(CONTENT_FIELDS) | {"prev_hash"}
    assert set(HASHED_FIELDS) == {*CONTENT_FIELDS, "seq", "prev_hash"}


@pytest.mark.parametrize("column", sorted(TAMPERED))
def test_changing_any_hashed_column_is_reported_at_that_entry(
    full_chain: list[AuditEntry], column: str
) -> None:
    assert verify().startswith("OK: 3 entries verified")
    entry = full_chain[1]
    assert entry.seq == 2 and all(getattr(entry, name) not in ("", None) for name in TAMPERED)
    if column == "changes_digest":
        # The digest alone, with the recorded changes erased (as erasure does): only the
        # hash can tell that the digest was replaced.
        sql(f"UPDATE {TABLE} SET changes = NULL WHERE seq = 2")  # noqa: S608
    sql(f"UPDATE {TABLE} SET {column} = %s WHERE seq = 2", [TAMPERED[column](entry)])  # noqa: S608

    message = broken()

    assert "seq 2: hash mismatch" in message, message
    assert "1 entries verified" in message


def test_renumbering_an_entry_is_reported() -> None:
    """seq, the last hashed field: moving an entry leaves a gap where it was."""
    for _ in range(3):
        log_event(action="consult", object_type="person", object_id="1")
    sql(f"UPDATE {TABLE} SET seq = 7 WHERE seq = 2")  # noqa: S608
    assert "seq 3: entry seq 2 is missing" in broken()


# The known answer: a fixed entry, a fixed digest. Recomputing it with the code under test
# (entry_hash) would prove nothing; this digest was computed once and written down.
KNOWN_ENTRY = {
    "seq": 1,
    "at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    "actor_user_id": 11,
    "actor_username": "u",
    "actor_agency": "g",
    "peer_node": "p",
    "action": "a",
    "object_type": "t",
    "object_id": "i",
    "purpose": "s",
    "purpose_reference": "r",
    "origin": "o",
    "changes_digest": "c",
    "detail": {"k": 1},
    "prev_hash": "0" * 64,
}
KNOWN_TEXT = (
    '{"action":"a","actor_agency":"g","actor_user_id":11,"actor_username":"u",'
    '"at":"2026-01-02T03:04:05.000006Z","changes_digest":"c","detail":{"k":1},'
    '"object_id":"i","object_type":"t","origin":"o","peer_node":"p",'
    '"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",'
    '"purpose":"s","purpose_reference":"r","seq":1}'
)
KNOWN_DIGEST = "53d96afedbdb15e69b7e2372e64b7ee6a8363785e056d428bc8250f27ecd2d9c"


def test_a_fixed_entry_hashes_to_its_known_digest() -> None:
    # The text is docs/audit.md's canonical JSON, each field once under its own name:
    assert hashlib.sha256(KNOWN_TEXT.encode()).hexdigest() == KNOWN_DIGEST
    assert entry_hash(KNOWN_ENTRY) == KNOWN_DIGEST


@pytest.mark.parametrize("field", HASHED_FIELDS)
def test_each_field_moves_the_known_digest(field: str) -> None:
    changed = dict(KNOWN_ENTRY)
    if field == "at":
        changed["at"] = KNOWN_ENTRY["at"] + timedelta(microseconds=1)  # type: ignore[operator]
    elif field in ("seq", "actor_user_id"):
        changed[field] = int(KNOWN_ENTRY[field]) + 1  # type: ignore[call-overload]
    elif field == "detail":
        changed[field] = {"k": 2}
    else:
        changed[field] = str(KNOWN_ENTRY[field]) + "x"
    assert entry_hash(changed) != entry_hash(KNOWN_ENTRY)


def test_an_entry_rewritten_with_a_valid_hash_of_its_own_breaks_the_next_link(
    full_chain: list[AuditEntry],
) -> None:
    """An attacker who recomputes the hash of the entry they rewrote: the entry holds on its
    own, the next one's prev_hash no longer names it."""
    from tests.audit.test_tamper import forge

    sql(f"DELETE FROM {TABLE} WHERE seq = 2")  # noqa: S608
    forge(2, full_chain[0].hash, purpose="nothing to see")

    assert "seq 3: prev_hash does not match the previous entry's hash" in broken()

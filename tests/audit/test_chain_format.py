"""The hash inputs did not change when entry_hash was made faster: the field-by-field text is
byte for byte canonical() of the hashed fields, and a pinned entry keeps its pinned hash."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from liaison.audit.actions import log_event
from liaison.audit.chain import HASHED_FIELDS, canonical, changes_digest, entry_hash, timestamp
from liaison.audit.models import AuditEntry

PINNED = {
    "seq": 42,
    "at": datetime(2025, 1, 31, 9, 15, 2, 123, tzinfo=UTC),
    "actor_user_id": 7,
    "actor_username": "officer",
    "actor_agency": "Sûreté nationale",
    "peer_node": "fr",
    "action": "alter",
    "object_type": "person",
    "object_id": "12",
    "purpose": 'Locate "the" suspect\\ \n\t\u0001 أحمد 🚓',
    "purpose_reference": "CASE-2025-0042",
    "origin": "10.0.0.1 /registry/persons/12/",
    "changes_digest": changes_digest({"name": ["A", "B"]}),
    "detail": {"results": 3, "z": [1, None, True, "é"], "a": {"b": "c"}},
    "prev_hash": "ab" * 32,
}


def general_hash(fields: dict[str, Any]) -> str:
    """The definition in docs/audit.md: SHA-256 of canonical() over the hashed fields."""
    content = {name: fields[name] for name in HASHED_FIELDS}
    content["at"] = content["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return hashlib.sha256(canonical(content)).hexdigest()


def test_a_pinned_entry_keeps_the_hash_the_first_chain_format_gave_it() -> None:
    # Computed with the original entry_hash (a dict through json.dumps, before this change).
    assert entry_hash(PINNED) == "dbf7924f6b15929ef39de72b16dbb36dcbffa74c411f27c7a6e2fa20d2b9706e"
    assert PINNED["changes_digest"] == (
        "00522a4335363fbb213ddbcede3993bf5b787564d1174f5aa88e41185f50ed0a"
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"actor_user_id": None, "actor_username": "", "actor_agency": ""},
        {"purpose": "\x00\x1f\x7f\u2028\u2029 \ud7ff \U0001f600 </script>", "object_id": "'; --"},
        {"detail": {}, "changes_digest": ""},
        {"detail": {"nested": {"b": [1, 2, {"c": None}], "a": False}, "big": 10**30}},
        {"seq": 10**15, "actor_user_id": -1},
        {"at": datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))},
        {"at": datetime(2025, 6, 1, 12, 0, 0, 0, tzinfo=UTC)},
    ],
)
def test_the_fast_text_is_the_canonical_json_of_the_hashed_fields(
    overrides: dict[str, Any],
) -> None:
    fields = {**PINNED, **overrides}
    assert entry_hash(fields) == general_hash(fields)


def test_a_value_of_another_type_is_refused_rather_than_hashed_differently() -> None:
    for overrides in ({"actor_user_id": True}, {"seq": "42"}, {"purpose": 3}):
        with pytest.raises(TypeError):
            entry_hash({**PINNED, **overrides})


def test_timestamps_keep_their_format() -> None:
    at = datetime(2025, 1, 31, 10, 15, 2, tzinfo=timezone(timedelta(hours=1)))
    assert timestamp(at) == "2025-01-31T09:15:02.000000Z"
    early = datetime(999, 1, 1, tzinfo=UTC)  # strftime does not pad the year; isoformat does
    assert timestamp(early) == early.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with pytest.raises(ValueError, match="aware"):
        timestamp(datetime(2025, 1, 1))


@pytest.mark.django_db
def test_the_first_entry_of_a_chain_links_to_sixty_four_zeros() -> None:
    """docs/audit.md: seq 1's prev_hash is 64 zeros, written out here rather than read from
    GENESIS, since an outside verifier starts from that text."""
    first = log_event(action="collect", object_type="person", object_id="1")
    stored = AuditEntry.objects.get(pk=first.pk)
    assert (stored.seq, stored.prev_hash) == (1, "0" * 64)
    assert stored.hash == entry_hash(stored.__dict__)

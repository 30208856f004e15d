"""What receiving costs: a received person is written through the registry's one writer of
person parts, which rewrites only the parts that changed, and a batch pays a fixed number
of statements per envelope (pinned), plus a fixed number per batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.exchange.batches import receive_batch
from liaison.exchange.identity import node_key
from liaison.exchange.models import Peer
from liaison.exchange.protocol import Status, open_receipt
from liaison.registry.actions import RegistryError
from liaison.registry.models import BirthDate, NameKey, Person, PersonName
from liaison.registry.sharing import records
from tests.exchange.test_batches import envelope, fr, person

pytestmark = pytest.mark.django_db

__all__ = ["fr"]  # the partner fixture, used by every test here

# Per received update of an existing copy: the changed columns. It was 17 before batches
# looked up their envelopes and key once and the appliers wrote only what changed, 10
# before batches applied without a savepoint per envelope and wrote inbox rows and audit
# entries together, 3 before they read the copies and their parts ahead.
UPDATE_QUERIES = 1
# Per batch: the envelope ids in the inbox, the sender's key; the persons' copies (locked)
# and their parts; the audit chain head locked, the entries inserted, the head moved; the
# inbox rows inserted; the batch's savepoint and release (the test runs inside a
# transaction).
BATCH_QUERIES = 10


def receive(tokens: list[str]) -> list[str]:
    receipts = receive_batch(tokens, source="127.0.0.1")
    return [open_receipt(r, node_key()).status for r in receipts]


def table_writes(queries: CaptureQueriesContext, table: str) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(verbs) and f'"{table}"' in q["sql"]
    ]


def received(body: dict[str, Any]) -> Person:
    assert receive([envelope(1, body)]) == [Status.APPLIED]
    return Person.objects.get(uid=body["uid"])


def rows(person: Person) -> dict[str, list[int]]:
    return {
        "names": sorted(person.names.values_list("pk", flat=True)),
        "keys": sorted(NameKey.objects.filter(person=person).values_list("pk", flat=True)),
        "dates": sorted(person.birth_dates.values_list("pk", flat=True)),
    }


def test_an_update_changing_only_the_place_of_birth_writes_no_part_rows(fr: Peer) -> None:
    body = person("Karim Benali") | {"birth_dates": ["1980-05-17"], "nationalities": ["MA"]}
    copy = received(body)
    before = rows(copy)
    assert before["names"] and before["keys"] and before["dates"]
    update = body | {"version": 2, "place_of_birth": "Fès"}
    with CaptureQueriesContext(connection) as queries:
        assert receive([envelope(2, update)]) == [Status.APPLIED]
    copy.refresh_from_db()
    assert (copy.version, copy.place_of_birth) == (2, "Fès")
    assert rows(copy) == before  # the same rows: nothing deleted and written again
    for table in ("registry_personname", "registry_namekey", "registry_birthdate"):
        assert table_writes(queries, table) == []
    assert table_writes(queries, "registry_person")  # the changed column, nothing else


def test_an_update_changing_the_names_rewrites_names_and_keys_only(fr: Peer) -> None:
    body = person("Karim Benali") | {"birth_dates": ["1980-05-17"]}
    copy = received(body)
    before = rows(copy)
    names = [{"full_name": "Karim Ben Ali", "kind": "primary", "given_names": "Karim",
              "family_name": "Ben Ali"}]  # fmt: skip
    assert receive([envelope(2, body | {"version": 2, "names": names})]) == [Status.APPLIED]
    after = rows(copy)
    assert after["dates"] == before["dates"]
    assert after["names"] != before["names"]
    assert list(PersonName.objects.filter(person=copy).values_list("full_name", "family_name")) == [
        ("Karim Ben Ali", "Ben Ali")
    ]
    assert set(NameKey.objects.filter(person=copy).values_list("pk", flat=True)).isdisjoint(
        before["keys"]
    )


def test_a_received_part_the_field_rules_refuse_is_rejected_and_changes_nothing(
    fr: Peer,
) -> None:
    body = person("Karim Benali") | {"birth_dates": ["1980-05-17"]}
    copy = received(body)
    bad = body | {"version": 2, "birth_dates": ["1980-13-01"], "place_of_birth": "Fès"}
    assert receive([envelope(2, bad)]) == [Status.REJECTED]
    copy.refresh_from_db()
    assert (copy.version, copy.place_of_birth) == (1, "")
    assert list(BirthDate.objects.filter(person=copy).values_list("value", flat=True)) == [
        "1980-05-17"
    ]


def test_a_refusal_of_the_parts_writer_rejects_the_envelope_and_keeps_nothing(
    fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's own checks (full_clean) are the last word: its refusal is the partner's
    `bad_schema`, and the person's new row is undone with it."""

    def refuse(*args: object, **kwargs: object) -> list[str]:
        raise RegistryError("Date of birth: not a date.")

    monkeypatch.setattr(records, "write_person_parts", refuse)
    token = envelope(1, person("Karim Benali"))
    [receipt] = receive_batch([token], source="127.0.0.1")
    opened = open_receipt(receipt, node_key())
    assert (opened.status, opened.reason) == (Status.REJECTED, "bad_schema")
    assert "not a date" in opened.detail
    assert not Person.objects.filter(owner_node="fr").exists()


@pytest.mark.parametrize("count", [1, 5])
def test_a_batch_of_updates_costs_a_fixed_count_per_envelope(
    fr: Peer, count: int, django_assert_num_queries: Callable[..., Any]
) -> None:
    bodies = [person(f"Batch Person {i}") | {"nationalities": ["MA"]} for i in range(count)]
    assert receive([envelope(i + 1, b) for i, b in enumerate(bodies)]) == [Status.APPLIED] * count
    updates = [
        envelope(100 + i, b | {"version": 2, "place_of_birth": "Rabat"})
        for i, b in enumerate(bodies)
    ]
    with django_assert_num_queries(BATCH_QUERIES + count * UPDATE_QUERIES):
        statuses = receive(updates)
    assert statuses == [Status.APPLIED] * count
    assert set(Person.objects.filter(owner_node="fr").values_list("place_of_birth", "version")) == {
        ("Rabat", 2)
    }


def names_of(uid: str) -> list[str]:
    person = Person.objects.get(uid=uid)
    return sorted(person.names.values_list("full_name", flat=True))


def test_two_updates_of_one_person_in_a_batch_apply_in_order(fr: Peer) -> None:
    # The copy and its parts are read ahead for the batch once: the second update (back to
    # the first name) must be compared with what the first wrote, not with what was read.
    body = person("Karim Benali")
    before = rows(received(body))
    first = body | {"version": 2, "names": [body["names"][0] | {"full_name": "Karim Ben Ali"}]}
    second = body | {"version": 3}
    assert receive([envelope(2, first), envelope(3, second)]) == [Status.APPLIED] * 2
    assert names_of(body["uid"]) == ["Karim Benali"]
    copy = Person.objects.get(uid=body["uid"])
    assert copy.version == 3
    assert rows(copy)["names"] != before["names"]  # written twice: new rows


def test_a_stale_update_then_a_new_one_in_a_batch(fr: Peer) -> None:
    body = person("Samir Haddad")
    received(body | {"version": 5})
    stale = body | {"version": 4, "names": [body["names"][0] | {"full_name": "Old Name"}]}
    newer = body | {"version": 6, "names": [body["names"][0] | {"full_name": "Samir El Haddad"}]}
    assert receive([envelope(2, stale), envelope(3, newer)]) == [Status.APPLIED] * 2
    assert names_of(body["uid"]) == ["Samir El Haddad"]


def test_a_withdrawal_then_a_newer_share_in_a_batch_recreates_the_copy(fr: Peer) -> None:
    body = person("Nadia Ouali")
    received(body)
    withdrawal = {"uid": body["uid"], "owner": "fr", "version": 2, "reason": "test"}
    again = body | {"version": 3, "names": [body["names"][0] | {"full_name": "Nadia Ouali B"}]}
    tokens = [envelope(2, withdrawal, kind="person.withdraw"), envelope(3, again)]
    assert receive(tokens) == [Status.APPLIED] * 2
    assert names_of(body["uid"]) == ["Nadia Ouali B"]
    assert Person.objects.get(uid=body["uid"]).version == 3


def test_a_copy_of_another_owner_read_ahead_is_still_refused(fr: Peer) -> None:
    mine = Person.objects.create(owner_node="ma", category="wanted")
    taken = person("Not Theirs") | {"uid": str(mine.uid)}
    other = person("Theirs")
    statuses = receive([envelope(1, taken), envelope(2, other)])
    assert statuses == [Status.REJECTED, Status.APPLIED]
    mine.refresh_from_db()
    assert (mine.owner_node, mine.version) == ("ma", 1)
    assert not mine.names.exists()
    assert names_of(other["uid"]) == ["Theirs"]

"""The receiver's rules, one at a time, in process against the real database: ownership,
tombstones, the highest version, duplicates. Each test reads the database after.

The live-node tests (tests/federation/) prove the whole; these pin each rule, so that a
bug in one of them fails a fast test with its name on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from liaison.audit.models import AuditEntry
from liaison.exchange import keys
from liaison.exchange.models import InboxEnvelope, Tombstone
from liaison.registry.models import Person
from tests.exchange.test_hostile import Partner, person, post
from tests.registry.conftest import person_data

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


@pytest.fixture
def client() -> Client:
    keys.create_key(Path(settings.DATA_DIR))  # this node (ma) signs its receipts
    return Client(raise_request_exception=False)


@pytest.fixture
def partners(client: Client) -> Callable[[str], Partner]:
    return Partner


def upsert(
    client: Client, partner: Partner, uid: str, version: int, name: str = "Rule Test"
) -> tuple[int, Any]:
    names = [{"full_name": name, "kind": "primary", "given_names": "", "family_name": ""}]
    body = person(partner.node_id, uid=uid, version=version, names=names)
    return post(client, partner.token("person.upsert", body))


def withdraw(client: Client, partner: Partner, uid: str, version: int) -> tuple[int, Any]:
    grave = {"uid": uid, "owner": partner.node_id, "version": version, "reason": "closed"}
    return post(client, partner.token("person.withdraw", grave))


def copy_of(uid: str) -> tuple[str, int, list[str]] | None:
    """(owner, version, names) of the row with this uid, or None."""
    row = Person.objects.filter(uid=uid).first()
    if row is None:
        return None
    names = sorted(row.names.values_list("full_name", flat=True))
    return row.owner_node, row.version, names


# Ownership


def test_a_partner_cannot_overwrite_a_copy_another_partner_owns(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr, de = partners("fr"), partners("de")
    uid = str(uuid.uuid4())
    assert upsert(client, de, uid, 1, "Owned By De")[1].status == "applied"

    status, receipt = upsert(client, fr, uid, 99, "Taken By Fr")  # fr claims it as its own

    assert (status, receipt.status, receipt.reason) == (409, "rejected", "not_owner")
    assert copy_of(uid) == ("de", 1, ["Owned By De"])
    stored = InboxEnvelope.objects.get(sender="fr")
    assert (stored.status, stored.reason) == ("rejected", "not_owner")


def test_a_partner_cannot_send_a_record_in_another_nodes_name(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr, _ = partners("fr"), partners("de")
    uid = str(uuid.uuid4())
    for owner in ("de", "ma"):  # another partner, and this node itself
        body = person(owner, uid=uid)
        status, receipt = post(client, fr.token("person.upsert", body))
        assert (status, receipt.reason) == (409, "not_owner")
    assert copy_of(uid) is None


def test_a_partner_cannot_overwrite_or_withdraw_this_nodes_own_record(
    client: Client, partners: Callable[[str], Partner], make_user: Callable[..., Any]
) -> None:
    from liaison.registry.actions import create_person

    fr = partners("fr")
    mine = create_person(actor=make_user("lo", "liaison_officer"), data=person_data("Ours"))
    uid = str(mine.uid)

    assert upsert(client, fr, uid, 50, "Hijacked")[1].reason == "not_owner"
    assert withdraw(client, fr, uid, 50)[1].reason == "not_owner"

    assert copy_of(uid) == ("ma", 1, ["Ours"])
    assert not Tombstone.objects.filter(object_uid=uid).exists()


# Tombstones


def test_a_withdrawn_copy_is_deleted_and_an_older_or_equal_upsert_does_not_revive_it(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    uid = str(uuid.uuid4())
    upsert(client, fr, uid, 1)
    status, receipt = withdraw(client, fr, uid, 2)
    assert (status, receipt.status) == (200, "applied") and receipt.detail.startswith("deleted")
    assert copy_of(uid) is None
    tomb = Tombstone.objects.get(object_uid=uid)
    assert (tomb.owner_node, tomb.version) == ("fr", 2)

    for late in (1, 2):  # sent before the withdrawal, delivered after it
        status, receipt = upsert(client, fr, uid, late, "Revenant")
        assert (status, receipt.status) == (200, "applied")
        assert receipt.detail.startswith("unchanged")
        assert copy_of(uid) is None

    assert upsert(client, fr, uid, 3, "Shared Again")[1].detail.startswith("created")
    assert copy_of(uid) == ("fr", 3, ["Shared Again"])


def test_a_withdrawal_that_overtakes_its_upsert_keeps_the_record_out(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    uid = str(uuid.uuid4())
    assert withdraw(client, fr, uid, 4)[1].detail.startswith("absent")
    assert Tombstone.objects.get(owner_node="fr", object_uid=uid).version == 4
    assert upsert(client, fr, uid, 3)[1].detail.startswith("unchanged")
    assert copy_of(uid) is None


def test_a_tombstone_keeps_the_highest_version_withdrawn(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    uid = str(uuid.uuid4())
    withdraw(client, fr, uid, 5)
    withdraw(client, fr, uid, 2)  # an older withdrawal arriving late does not lower it
    assert list(Tombstone.objects.filter(object_uid=uid).values_list("version", flat=True)) == [5]
    assert upsert(client, fr, uid, 4)[1].detail.startswith("unchanged")
    assert copy_of(uid) is None


def test_a_second_withdrawal_at_the_same_version_leaves_the_tombstone_as_it_was(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    """The desk lists withdrawals by date: one repeated (a new envelope, same version) must
    not bring it back as new; a higher version does."""
    fr = partners("fr")
    uid = str(uuid.uuid4())
    withdraw(client, fr, uid, 3)
    long_ago = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    Tombstone.objects.filter(object_uid=uid).update(withdrawn_at=long_ago)

    assert withdraw(client, fr, uid, 3)[1].detail.startswith("absent")
    tomb = Tombstone.objects.get(object_uid=uid)
    assert (tomb.version, tomb.withdrawn_at) == (3, long_ago)

    withdraw(client, fr, uid, 4)
    tomb.refresh_from_db()
    assert tomb.version == 4 and tomb.withdrawn_at > long_ago


def test_an_older_withdrawal_leaves_a_newer_copy_in_place(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    uid = str(uuid.uuid4())
    upsert(client, fr, uid, 3, "Newer")
    assert withdraw(client, fr, uid, 2)[1].detail.startswith("unchanged")
    assert copy_of(uid) == ("fr", 3, ["Newer"])


def test_one_partners_tombstone_does_not_block_anothers_record(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr, de = partners("fr"), partners("de")
    uid = str(uuid.uuid4())
    withdraw(client, fr, uid, 10)  # fr buries a uid it never owned here
    assert upsert(client, de, uid, 1, "De's Own")[1].detail.startswith("created")
    assert copy_of(uid) == ("de", 1, ["De's Own"])


# Versions


def test_the_highest_version_is_kept_whatever_the_order_of_arrival(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    uid = str(uuid.uuid4())
    assert upsert(client, fr, uid, 3, "Third")[1].detail.startswith("created")
    assert upsert(client, fr, uid, 2, "Second")[1].detail.startswith("unchanged")
    assert upsert(client, fr, uid, 3, "Third Again")[1].detail.startswith("unchanged")
    assert copy_of(uid) == ("fr", 3, ["Third"])
    assert upsert(client, fr, uid, 4, "Fourth")[1].detail.startswith("updated")
    assert copy_of(uid) == ("fr", 4, ["Fourth"])
    assert Person.objects.filter(uid=uid).count() == 1
    versions = InboxEnvelope.objects.filter(object_uid=uid).order_by("pk")
    assert list(versions.values_list("object_version", "effect")) == [
        (3, "created"),
        (2, "unchanged"),
        (3, "unchanged"),
        (4, "updated"),
    ]


# Duplicates


def test_the_same_envelope_twice_is_applied_once_and_answered_duplicate(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    uid = str(uuid.uuid4())
    token = fr.token("person.upsert", person("fr", uid=uid))
    assert post(client, token)[1].status == "applied"
    upsert(client, fr, uid, 2, "Moved On")

    status, receipt = post(client, token)  # a resend after a lost receipt

    assert (status, receipt.status) == (200, "duplicate")
    assert copy_of(uid) == ("fr", 2, ["Moved On"])
    assert InboxEnvelope.objects.filter(object_uid=uid).count() == 2
    entries = AuditEntry.objects.filter(action="receive", object_id=uid).order_by("seq")
    assert [e.detail["status"] for e in entries] == ["applied", "applied", "duplicate"]


def test_a_refused_envelope_sent_again_gets_the_same_refusal_and_changes_nothing(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr, de = partners("fr"), partners("de")
    uid = str(uuid.uuid4())
    upsert(client, de, uid, 1, "De Keeps It")
    token = fr.token("person.upsert", person("fr", uid=uid, version=7))
    first = post(client, token)
    again = post(client, token)
    assert first[1].reason == again[1].reason == "not_owner"
    assert again[1].status == "rejected"
    assert InboxEnvelope.objects.filter(sender="fr").count() == 1
    assert copy_of(uid) == ("de", 1, ["De Keeps It"])

"""A hostile or broken partner, or a stranger, through the real envelope endpoint.

Nothing received may produce a 500 or a 503 by its content (run these on PostgreSQL too:
it refuses NUL characters that SQLite stores); a partner cannot bury another partner's
records, nor attach hits to persons not shared with it; strangers cannot fill the audit log.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import OKPKey

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange import keys
from liaison.exchange.identity import node_key
from liaison.exchange.models import InboxEnvelope, Peer, RefusalTally, Tombstone
from liaison.exchange.protocol import Receipt, envelope_claims, open_receipt, uuid7
from liaison.exchange.tally import flush_closed
from liaison.registry.models import Hit, Person
from liaison.registry.sharing.share import share_person
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db

URL = "/federation/v1/envelopes"


class Partner:
    """A partner node pinned here (this node is ma): signs envelopes as the real one would."""

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        self.key = OKPKey.generate_key("Ed25519")
        x = keys.public_jwk(self.key)["x"]
        Peer.objects.create(node_id=node_id, url="http://127.0.0.1:9", fingerprint="0" * 64)
        Peer.objects.filter(node_id=node_id).update(public_key=x)
        self.seq = itertools.count(1)

    def token(self, message_type: str, obj: dict[str, Any], **claims: Any) -> bytes:
        values = envelope_claims(
            envelope_id=uuid7(),
            sender=self.node_id,
            recipient="ma",
            seq=next(self.seq),
            message_type=message_type,
            handling="H0",
            obj=obj,
        )
        # ASCII JSON: it can carry lone surrogates (\\ud800), as a hostile partner's may.
        payload = json.dumps(values | claims).encode()
        return jws.serialize_compact(
            {"alg": "Ed25519", "typ": "liaison-envelope+jws"},
            payload,
            self.key,
            algorithms=["Ed25519"],
        ).encode()


@pytest.fixture
def client() -> Client:
    keys.create_key(Path(settings.DATA_DIR))  # this node signs its receipts
    return Client(raise_request_exception=False)


@pytest.fixture
def partners(client: Client) -> Callable[[str], Partner]:
    return Partner


def post(client: Client, body: bytes, address: str = "192.0.2.10") -> tuple[int, Receipt]:
    response = client.post(URL, body, content_type="application/jose", REMOTE_ADDR=address)
    assert response.status_code < 500, (response.status_code, response.content[:300])
    return response.status_code, open_receipt(response.content, node_key())


def person(owner: str, uid: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {
        "uid": uid or str(uuid.uuid4()),
        "owner": owner,
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "category": "wanted",
        "sex": "U",
        "names": [
            {"full_name": "Hostile Test", "kind": "primary", "given_names": "", "family_name": ""}
        ],
        "birth_dates": [],
        "place_of_birth": "",
        "country_of_birth": "",
        "nationalities": [],
        "distinguishing_marks": "",
        "documents": [],
        "external_ref": "",
    }
    return body | extra


def unsigned(claims: dict[str, Any]) -> bytes:
    """A compact JWS shape around `claims` with a signature nobody made."""

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    header = b64(json.dumps({"alg": "Ed25519", "typ": "liaison-envelope+jws"}).encode())
    return header + b"." + b64(json.dumps(claims).encode()) + b"." + b64(b"\x00" * 64)


# 1. A NUL (or a lone surrogate) in any raw field: a refusal with a receipt, never a 5xx


def test_a_nul_or_a_lone_surrogate_in_raw_fields_is_refused_and_stored_escaped(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    surrogate_name = [{"full_name": "Kar\ud800im", "kind": "primary"}]
    cases = [
        ("unknown_sender", unsigned({"id": "\x00id", "from": "f\x00r", "type": "a\x00b"})),
        ("bad_signature", unsigned({"id": "\ud800", "from": "fr", "type": "person.upsert"})),
        ("bad_schema", fr.token("person.upsert", person("fr", uid="\x00not-a-uid"))),
        ("bad_schema", fr.token("person.upsert", person("fr") | {"evil\x00field": 1})),
        ("bad_schema", fr.token("person.upsert", person("fr", names=surrogate_name))),
    ]
    for reason, body in cases:
        status, receipt = post(client, body)
        assert (receipt.status, receipt.reason) == ("rejected", reason), receipt
        assert status in (400, 401)
    stored = list(InboxEnvelope.objects.values_list("object_uid", "detail"))
    texts = json.dumps(stored) + json.dumps(list(AuditEntry.objects.values("object_id", "detail")))
    assert "\\\\x00" in texts and "\\u0000" not in texts  # escaped, not raw
    assert Person.objects.count() == 0


# 6. Integers past what the database holds: bad_schema, never a 500


@pytest.mark.parametrize(
    ("message_type", "make_body", "claims"),
    [
        ("person.upsert", lambda: person("fr"), {"seq": 2**70}),
        ("person.upsert", lambda: person("fr"), {"seq": 2**63}),
        ("person.upsert", lambda: person("fr", version=2**31), {}),
        ("person.upsert", lambda: person("fr", version=10**30), {}),
        (
            "person.withdraw",
            lambda: {"uid": str(uuid.uuid4()), "owner": "fr", "version": 2**40, "reason": "x"},
            {},
        ),
    ],
)
def test_integers_too_large_to_store_are_refused_as_bad_schema(
    client: Client,
    partners: Callable[[str], Partner],
    message_type: str,
    make_body: Callable[[], dict[str, Any]],
    claims: dict[str, Any],
) -> None:
    fr = partners("fr")
    status, receipt = post(client, fr.token(message_type, make_body(), **claims))
    assert (status, receipt.status, receipt.reason) == (400, "rejected", "bad_schema")
    assert Person.objects.count() == 0 and Tombstone.objects.count() == 0


def test_json_nested_deeper_than_the_stack_is_malformed(client: Client) -> None:
    deep = b"eyJhbGciOiJFZDI1NTE5In0." + base64.urlsafe_b64encode(b"[" * 150_000) + b".AA"
    status, receipt = post(client, deep.replace(b"=", b""))
    assert (status, receipt.reason) == (401, "malformed")


# 2. Tombstones are the owner's: a partner cannot bury another partner's record


def test_a_partner_cannot_bury_another_partners_record(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr, de = partners("fr"), partners("de")
    uid = str(uuid.uuid4())
    # fr withdraws, as its own, the uid of a record that de owns, at a huge version.
    grave = {"uid": uid, "owner": "fr", "version": 10**9, "reason": "poison"}
    assert post(client, fr.token("person.withdraw", grave))[1].status == "applied"
    # ... nor may it name de as the owner.
    as_de = grave | {"owner": "de"}
    assert post(client, fr.token("person.withdraw", as_de))[1].reason == "not_owner"

    status, receipt = post(client, de.token("person.upsert", person("de", uid=uid)))

    assert (status, receipt.status) == (200, "applied")
    assert receipt.detail.startswith("created")
    assert Person.objects.filter(uid=uid, owner_node="de", version=1).exists()


# 5. A hit comes back only on a person shared with its sender


@pytest.fixture
def shared_person(
    make_user: Callable[..., User], partners: Callable[[str], Partner]
) -> tuple[Person, User]:
    """A person of this node, shared with de (not with fr), and its liaison officer."""
    from liaison.registry.actions import create_person

    partners("de")
    lo = make_user("lo", "liaison_officer")
    shared = create_person(actor=lo, data=person_data("Shared With De"))
    share_person(actor=lo, person=shared, partner="de")
    return shared, lo


def hit(owner: str, person_uid: str) -> dict[str, Any]:
    return {
        "uid": str(uuid.uuid4()),
        "owner": owner,
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "person": person_uid,
        "alert": None,
        "encountered_name": "Shared With De",
        "encountered_on": timezone.now().isoformat(),
        "place": "Tanger Med",
        "context": "border_check",
        "recorded_by_name": "",
        "score": None,
        "disposition": "pending",
        "action_taken": "",
    }


def test_a_hit_on_a_person_not_shared_with_its_sender_is_refused(
    client: Client, partners: Callable[[str], Partner], shared_person: tuple[Person, User]
) -> None:
    person_, lo = shared_person
    fr = partners("fr")
    status, receipt = post(client, fr.token("hit.notify", hit("fr", str(person_.uid))))
    assert (status, receipt.reason) == (400, "unknown_reference")
    assert Hit.objects.count() == 0

    share_person(actor=lo, person=person_, partner="fr")
    status, receipt = post(client, fr.token("hit.notify", hit("fr", str(person_.uid))))
    assert (status, receipt.status) == (200, "applied")
    assert Hit.objects.filter(person=person_, owner_node="fr").count() == 1


# 3. Unauthenticated refusals are counted per source and window, not audited one by one


def _denied() -> Iterator[dict[str, Any]]:
    for entry in AuditEntry.objects.filter(action="permission_denied", object_type="envelope"):
        yield entry.detail


def test_a_hundred_junk_posts_from_one_address_write_one_entry_then_one_summary(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows are aligned on the clock: the hundred posts must not straddle two of them
    # (on a loaded machine they took over a second), so start early in a ten-minute one.
    monkeypatch.setenv("LIAISON_REFUSAL_WINDOW", "600")
    left = 600 - time.time() % 600
    if left < 60:
        time.sleep(left + 0.1)
    for _ in range(100):
        status, receipt = post(client, b"junk", address="198.51.100.7")
        assert (status, receipt.reason) == (401, "malformed")
    assert [d["source"] for d in _denied()] == ["198.51.100.7"]
    assert RefusalTally.objects.get().count == 100

    flush_closed(timezone.now() + timedelta(minutes=11))  # the window has closed

    summary = list(_denied())[-1]
    assert summary["summary"] is True and summary["count"] == 100
    assert summary["reason"] == "malformed" and summary["source"] == "198.51.100.7"
    assert summary["first"] <= summary["last"]
    assert AuditEntry.objects.filter(action="permission_denied").count() == 2
    assert RefusalTally.objects.count() == 0


def test_each_source_and_reason_is_counted_apart_and_ipv6_by_its_64(client: Client) -> None:
    post(client, b"junk", address="198.51.100.7")
    post(client, b"junk", address="198.51.100.8")
    post(client, unsigned({"from": "zz"}), address="198.51.100.8")
    post(client, b"junk", address="2001:db8:1:2::1")
    post(client, b"junk", address="2001:db8:1:2::ffff")
    got = sorted((d["source"], d["reason"]) for d in _denied())
    assert got == [
        ("198.51.100.7", "malformed"),
        ("198.51.100.8", "malformed"),
        ("198.51.100.8", "unknown_sender"),
        ("2001:db8:1:2::/64", "malformed"),
    ]


def test_past_the_source_cap_new_sources_are_counted_together(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_REFUSAL_SOURCES", "3")
    for i in range(20):
        post(client, b"junk", address=f"203.0.113.{i}")
    sources = [d["source"] for d in _denied()]
    assert sources == ["203.0.113.0", "203.0.113.1", "203.0.113.2", "*"]
    assert RefusalTally.objects.get(source="*").count == 17


def test_a_source_past_the_limit_is_answered_429_without_a_receipt(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_REFUSAL_LIMIT", "5")
    for _ in range(5):
        post(client, b"junk")
    response = client.post(URL, b"junk", content_type="application/jose", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "retry later" in response.json()["detail"]
    assert post(client, b"junk", address="192.0.2.11")[0] == 401  # another source is not


def test_refusals_of_signed_envelopes_stay_one_entry_each(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    for _ in range(3):
        post(client, fr.token("person.upsert", person("fr"), to="de"))
    reasons = [d["reason"] for d in _denied()]
    assert reasons == ["wrong_recipient"] * 3
    entries = AuditEntry.objects.filter(action="permission_denied")
    assert set(entries.values_list("peer_node", flat=True)) == {"fr"}
    assert RefusalTally.objects.count() == 0

"""POST /federation/v1/batches: each envelope verified, deduplicated and applied on its own,
all in one transaction; one signed receipt each, in order; a failure takes only its own."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError
from django.test import Client
from joserfc.jwk import OKPKey
from pydantic import BaseModel

from liaison.audit.actions import log_event
from liaison.audit.models import AuditEntry
from liaison.audit.verify import verify_chain
from liaison.exchange import keys
from liaison.exchange.identity import node_key
from liaison.exchange.models import InboxEnvelope, Peer
from liaison.exchange.protocol import (
    BATCH_MEDIA_TYPE,
    MAX_BATCH_BYTES,
    MAX_BATCH_ENVELOPES,
    ProtocolError,
    Reason,
    Receipt,
    batch_body,
    envelope_claims,
    open_batch_receipts,
    open_receipt,
    sign,
    unverified_claims,
    uuid7,
)
from liaison.exchange.receive import Applied, register
from liaison.registry.models import Person

pytestmark = pytest.mark.django_db

FR = OKPKey.generate_key("Ed25519")
URL = "/federation/v1/batches"


class Explode(BaseModel):
    uid: str


def _explode(sender: str, body: Explode) -> Applied:
    raise DatabaseError("the database went away")


register("test.explode", Explode, _explode)  # a database failure on demand


def _half(sender: str, body: Explode) -> Applied:
    log_event(action="receive", peer_node=sender, object_type="person", object_id=body.uid)
    Person.objects.create(owner_node=sender, category="wanted")
    raise ProtocolError(Reason.NOT_OWNER, "refused after writing")


register("test.half", Explode, _half)  # a refusal after the applier wrote and audited


@pytest.fixture(autouse=True)
def fr() -> Peer:
    keys.create_key(Path(settings.DATA_DIR))
    return Peer.objects.create(
        node_id="fr",
        url="http://127.0.0.1:9",
        fingerprint=keys.fingerprint(FR),
        public_key=keys.public_jwk(FR)["x"],
    )


def person(name: str) -> dict[str, Any]:
    return {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "category": "wanted",
        "sex": "U",
        "names": [{"full_name": name, "kind": "primary", "given_names": "", "family_name": ""}],
        "birth_dates": [],
        "place_of_birth": "",
        "country_of_birth": "",
        "nationalities": [],
        "distinguishing_marks": "",
        "documents": [],
        "external_ref": "",
    }


def envelope(
    seq: int, obj: dict[str, Any], *, key: OKPKey = FR, kind: str = "person.upsert"
) -> str:
    claims = envelope_claims(
        envelope_id=uuid7(),
        sender="fr",
        recipient="ma",
        seq=seq,
        message_type=kind,
        handling="H0",
        obj=obj,
    )
    return sign(claims, key)


def post(tokens: list[str]) -> tuple[int, list[Receipt]]:
    response = Client().post(URL, batch_body(tokens), content_type=BATCH_MEDIA_TYPE)
    assert response["Content-Type"] == BATCH_MEDIA_TYPE
    receipts = open_batch_receipts(response.content)
    return response.status_code, [open_receipt(r, node_key()) for r in receipts]


def claimed_id(token: str) -> uuid.UUID:
    return uuid.UUID(unverified_claims(token)["id"])


def test_a_batch_is_applied_with_one_signed_receipt_per_envelope_in_order() -> None:
    tokens = [envelope(i, person(f"Batch Person {i}")) for i in (1, 2, 3)]
    status, receipts = post(tokens)
    assert status == 200
    assert [r.envelope for r in receipts] == [claimed_id(t) for t in tokens]
    assert {(r.status, r.from_, r.to) for r in receipts} == {("applied", "ma", "fr")}
    assert Person.objects.filter(owner_node="fr").count() == 3
    assert list(InboxEnvelope.objects.order_by("pk").values_list("seq", flat=True)) == [1, 2, 3]
    assert AuditEntry.objects.filter(action="receive", peer_node="fr").count() == 3


def test_a_bad_envelope_is_refused_alone_and_the_others_are_applied() -> None:
    stranger = OKPKey.generate_key("Ed25519")
    bad_name = person("")
    tokens = [
        envelope(1, person("Kept One")),
        envelope(2, person("Forged"), key=stranger),
        envelope(3, bad_name),
        envelope(4, person("Kept Two")),
    ]
    _, receipts = post(tokens)
    assert [(r.status, r.reason) for r in receipts] == [
        ("applied", ""),
        ("rejected", "bad_signature"),
        ("rejected", "bad_schema"),
        ("applied", ""),
    ]
    names = set(Person.objects.values_list("names__full_name", flat=True))
    assert names == {"Kept One", "Kept Two"}


def test_an_envelope_twice_in_a_batch_is_applied_once_then_answered_duplicate() -> None:
    token = envelope(1, person("Twice"))
    _, receipts = post([token, token])
    assert [r.status for r in receipts] == ["applied", "duplicate"]
    _, again = post([token])
    assert [r.status for r in again] == ["duplicate"]
    assert InboxEnvelope.objects.count() == 1 and Person.objects.count() == 1


def test_a_refusal_after_the_applier_wrote_keeps_nothing_of_it_and_the_rest() -> None:
    # The fast path applies without savepoints: the refusal undoes the batch, which is then
    # taken envelope by envelope; nothing of the first try is kept, audit entries included.
    tokens = [
        envelope(1, person("Before")),
        envelope(2, {"uid": "half"}, kind="test.half"),
        envelope(3, person("After")),
    ]
    status, receipts = post(tokens)
    assert status == 200
    assert [(r.status, r.reason) for r in receipts] == [
        ("applied", ""),
        ("rejected", "not_owner"),
        ("applied", ""),
    ]
    assert sorted(Person.objects.values_list("names__full_name", flat=True)) == ["After", "Before"]
    assert list(InboxEnvelope.objects.order_by("seq").values_list("seq", "status")) == [
        (1, "applied"),
        (2, "rejected"),
        (3, "applied"),
    ]
    received = AuditEntry.objects.filter(peer_node="fr").order_by("seq")
    assert [(e.action, e.detail.get("status")) for e in received] == [
        ("receive", "applied"),
        ("permission_denied", "rejected"),
        ("receive", "applied"),
    ]
    assert not AuditEntry.objects.filter(object_id="half", action="receive").exists()
    assert verify_chain().problem == ""


def test_a_database_failure_keeps_the_envelopes_before_it_and_answers_only_those() -> None:
    tokens = [
        envelope(1, person("Before")),
        envelope(2, {"uid": "x"}, kind="test.explode"),
        envelope(3, person("After")),
    ]
    status, receipts = post(tokens)
    assert status == 200 and [r.envelope for r in receipts] == [claimed_id(tokens[0])]
    assert list(Person.objects.values_list("names__full_name", flat=True)) == ["Before"]
    assert list(InboxEnvelope.objects.values_list("seq", flat=True)) == [1]


def test_a_database_failure_on_the_first_envelope_answers_503_and_keeps_nothing() -> None:
    tokens = [envelope(1, {"uid": "x"}, kind="test.explode"), envelope(2, person("After"))]
    response = Client().post(URL, batch_body(tokens), content_type=BATCH_MEDIA_TYPE)
    assert response.status_code == 503
    assert not InboxEnvelope.objects.exists() and not Person.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b'{"v": 1, "envelopes": "not a list"}', 401, "malformed"),
        (b'{"v": 1, "envelopes": []}', 401, "malformed"),
        (b"[1, 2]", 401, "malformed"),
        (batch_body(["x"] * (MAX_BATCH_ENVELOPES + 1)), 401, "malformed"),
        (b" " * (MAX_BATCH_BYTES + 1), 413, "too_large"),
    ],
)
def test_it_refuses_what_is_not_a_batch_with_a_signed_reason_and_applies_nothing(
    body: bytes, status: int, reason: str
) -> None:
    response = Client().post(URL, body, content_type=BATCH_MEDIA_TYPE)
    assert response.status_code == status
    receipt = open_receipt(response.content, node_key())
    assert (receipt.status, receipt.reason, receipt.envelope) == ("rejected", reason, None)
    assert not InboxEnvelope.objects.exists()


def test_an_envelope_over_the_envelope_limit_is_refused_alone_in_a_batch() -> None:
    big = envelope(1, person("Big")) + "x" * (256 * 1024)
    _, receipts = post([big, envelope(2, person("Small"))])
    assert [(r.status, r.reason) for r in receipts] == [("rejected", "too_large"), ("applied", "")]

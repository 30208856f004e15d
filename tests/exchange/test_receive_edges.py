"""The receiver's edges, in process against the real database: the HTTP status of each
refusal before the signature is trusted, a partner whose key cannot be fetched, and the
same envelope applied twice at once (the second sees the first's inbox row only when it
writes its own)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from liaison.exchange import keys
from liaison.exchange.identity import node_key
from liaison.exchange.models import InboxEnvelope, Peer
from liaison.exchange.protocol import open_receipt, unverified_claims
from liaison.exchange.receive import receive
from liaison.registry.models import Person
from tests.exchange.test_hostile import URL, Partner, person, post, unsigned

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    keys.create_key(Path(settings.DATA_DIR))  # this node (ma) signs its receipts
    return Client(raise_request_exception=False)


@pytest.fixture
def partners(client: Client) -> Callable[[str], Partner]:
    return Partner


def test_each_refusal_before_the_signature_is_trusted_has_its_http_status(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    stranger = Partner.__new__(Partner)  # signs as "xx", a node not pinned here
    stranger.node_id, stranger.key, stranger.seq = "xx", fr.key, iter(range(1, 9))
    forged = unsigned({"id": str(uuid.uuid4()), "from": "fr", "type": "person.upsert"})

    assert _refusal(client, stranger.token("person.upsert", person("xx"))) == (
        401,
        "unknown_sender",
    )
    assert _refusal(client, forged) == (401, "bad_signature")
    response = client.post(
        URL, fr.token("person.upsert", person("fr")), "application/jose", CONTENT_LENGTH=""
    )
    receipt = open_receipt(response.content, node_key())
    assert (response.status_code, receipt.reason) == (411, "length_required")
    assert not InboxEnvelope.objects.exists() and not Person.objects.exists()


def test_a_partner_whose_key_cannot_be_fetched_is_treated_as_unknown(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    # Pinned by fingerprint only, its key fetched on first need: its node (port 9) is down.
    Peer.objects.filter(node_id="fr").update(public_key="")

    assert _refusal(client, fr.token("person.upsert", person("fr"))) == (401, "unknown_sender")
    assert not InboxEnvelope.objects.exists() and not Person.objects.exists()


@pytest.mark.parametrize("stored", ["not-base64!", "AAAA", "x" * 60])
def test_a_partner_whose_stored_key_is_garbage_is_treated_as_unknown(
    client: Client, partners: Callable[[str], Partner], stored: str
) -> None:
    fr = partners("fr")
    Peer.objects.filter(node_id="fr").update(public_key=stored)  # edited in the database

    assert _refusal(client, fr.token("person.upsert", person("fr"))) == (401, "unknown_sender")
    assert not InboxEnvelope.objects.exists() and not Person.objects.exists()


def test_the_same_envelope_applied_twice_at_once_is_answered_duplicate_the_second_time(
    client: Client, partners: Callable[[str], Partner]
) -> None:
    fr = partners("fr")
    uid = str(uuid.uuid4())
    token = fr.token("person.upsert", person("fr", uid=uid))
    envelope_id = uuid.UUID(unverified_claims(token)["id"])
    assert post(client, token)[1].status == "applied"

    # A second delivery that looked the id up before the first committed (a batch passes
    # what it looked up as `known`): it applies, then its inbox row collides with the first.
    answer = receive(token, known={envelope_id: None})

    receipt = open_receipt(answer.receipt.encode(), node_key())
    assert (answer.status_code, receipt.status) == (200, "duplicate")
    assert InboxEnvelope.objects.filter(envelope_id=envelope_id).count() == 1
    assert Person.objects.filter(uid=uid).count() == 1


def _refusal(client: Client, token: bytes) -> tuple[int, str]:
    status, receipt = post(client, token)
    return status, receipt.reason

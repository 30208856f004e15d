"""Node key rotation, in process: the rotating node (this one, ma) and the partner that
learns the new key (this one again, receiving from a scripted fr). Each attack of
docs/federation.md § "Rotating a node key" has its test; tests/federation/test_key_rotation.py
rotates between two live nodes during a burst of shares.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from joserfc.jwk import OKPKey

from liaison.audit.models import AuditEntry
from liaison.exchange import keys
from liaison.exchange import worker as delivery
from liaison.exchange.identity import node_key, signing_key
from liaison.exchange.models import OutboxEnvelope, Peer, RetiredPeerKey
from liaison.exchange.outbox import enqueue
from liaison.exchange.protocol import (
    BATCH_MEDIA_TYPE,
    KEY_ROTATED,
    KeyRotated,
    Receipt,
    ReceiptData,
    Status,
    batch_body,
    check_key_rotated,
    envelope_claims,
    key_rotated_body,
    open_batch_receipts,
    open_receipt,
    sign,
    unverified_claims,
    uuid7,
    verify,
)
from liaison.exchange.rotation import rotate_node_key
from tests.exchange.partner import Partner as ScriptedPartner
from tests.exchange.test_hostile import URL, person

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """A data directory of its own: rotating must not change the key other tests use."""
    settings.DATA_DIR = tmp_path
    keys.create_key(tmp_path)
    return tmp_path


def fp(key: OKPKey) -> str:
    return keys.fingerprint(key)


# The partner side: ma learns fr's new key


class Fr:
    """Partner fr, pinned here with its first key; signs as the real node would."""

    def __init__(self) -> None:
        self.key = OKPKey.generate_key("Ed25519")
        self.seq = itertools.count(1)
        Peer.objects.create(
            node_id="fr",
            url="http://127.0.0.1:9",
            fingerprint=fp(self.key),
            public_key=keys.public_jwk(self.key)["x"],
        )

    def token(self, message_type: str, obj: dict[str, Any], key: OKPKey | None = None) -> bytes:
        claims = envelope_claims(
            envelope_id=uuid7(),
            sender="fr",
            recipient="ma",
            seq=next(self.seq),
            message_type=message_type,
            handling="H0",
            obj=obj,
        )
        return sign(claims, key or self.key).encode()

    def announce(self, new: OKPKey, *, signer: OKPKey | None = None, **body: Any) -> bytes:
        previous = body.pop("previous", fp(signer or self.key))
        announcement = key_rotated_body(node="fr", previous=previous, new=new) | body
        return self.token(KEY_ROTATED, announcement, key=signer)

    def rotate(self) -> tuple[OKPKey, bytes]:
        """A new key and its announcement, signed by the current one (now retired)."""
        new = OKPKey.generate_key("Ed25519")
        token = self.announce(new)
        self.key = new
        return new, token


@pytest.fixture
def fr() -> Fr:
    return Fr()


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def post(client: Client, body: bytes) -> tuple[int, Receipt]:
    response = client.post(URL, body, content_type="application/jose", REMOTE_ADDR="192.0.2.7")
    assert response.status_code < 500, response.content[:300]
    return response.status_code, open_receipt(response.content, node_key())


def pinned() -> str:
    return Peer.objects.get(node_id="fr").fingerprint


def share(client: Client, fr: Fr, key: OKPKey | None = None) -> Receipt:
    return post(client, fr.token("person.upsert", person("fr"), key=key))[1]


def test_an_announcement_signed_by_the_pinned_key_pins_the_new_key(client: Client, fr: Fr) -> None:
    old = fr.key
    new, token = fr.rotate()

    _, receipt = post(client, token)

    assert (receipt.status, receipt.detail) == ("applied", "updated peer fr")
    assert pinned() == fp(new)
    retired = RetiredPeerKey.objects.get()
    assert retired.fingerprint == fp(old)
    assert retired.accepted_until - retired.retired_at == timedelta(hours=168)
    entry = AuditEntry.objects.get(action="admin", object_type="peer", peer_node="fr")
    assert entry.detail["status"] == "rotated"
    assert (entry.detail["previous"], entry.detail["pinned"]) == (fp(old), fp(new))
    assert share(client, fr).status == "applied"  # signed with the new key


def test_the_old_key_is_accepted_during_the_grace_period_then_refused(
    client: Client, fr: Fr, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIAISON_KEY_GRACE_HOURS", "2")
    old = fr.key
    _, token = fr.rotate()
    post(client, token)
    assert share(client, fr, key=old).status == "applied"  # in flight: signed before

    later = timezone.now() + timedelta(hours=2, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    status, receipt = post(client, fr.token("person.upsert", person("fr"), key=old))
    assert (status, receipt.reason) == (401, "bad_signature")
    assert share(client, fr).status == "applied"  # the new key still is


def test_a_replayed_announcement_is_a_duplicate_and_changes_nothing(client: Client, fr: Fr) -> None:
    _, token = fr.rotate()
    post(client, token)
    second, later = fr.rotate()
    post(client, later)
    assert pinned() == fp(second)

    for replay in (token, later):
        _, receipt = post(client, replay)
        assert receipt.status == "duplicate"
    assert pinned() == fp(second)
    assert RetiredPeerKey.objects.count() == 2


def test_an_announcement_signed_by_a_retired_key_is_refused(client: Client, fr: Fr) -> None:
    old = fr.key
    _, token = fr.rotate()
    post(client, token)
    assert share(client, fr, key=old).status == "applied"  # still accepted for envelopes…

    # …but not to name the next key: whoever holds a retired key cannot take over.
    thief = OKPKey.generate_key("Ed25519")
    forged = fr.announce(thief, signer=old, previous=pinned())
    _, receipt = post(client, forged)

    assert (receipt.status, receipt.reason) == ("rejected", "key_not_current")
    assert pinned() == fp(fr.key)


def test_an_announcement_for_another_node_is_refused(client: Client, fr: Fr) -> None:
    body = key_rotated_body(node="de", previous=fp(fr.key), new=OKPKey.generate_key("Ed25519"))
    _, receipt = post(client, fr.token(KEY_ROTATED, body))

    assert (receipt.status, receipt.reason) == ("rejected", "not_owner")
    assert pinned() == fp(fr.key)
    assert not RetiredPeerKey.objects.exists()


def test_an_announcement_replacing_another_key_than_the_pinned_one_is_refused(
    client: Client, fr: Fr
) -> None:
    token = fr.announce(OKPKey.generate_key("Ed25519"), previous="ab" * 32)
    _, receipt = post(client, token)
    assert (receipt.status, receipt.reason) == ("rejected", "key_not_current")
    assert pinned() == fp(fr.key)


def test_an_announcement_whose_new_key_does_not_sign_its_proof_is_refused(
    client: Client, fr: Fr
) -> None:
    ours, stranger = OKPKey.generate_key("Ed25519"), OKPKey.generate_key("Ed25519")
    # Someone else's public key, with a proof its holder never made (signed by another key).
    body = key_rotated_body(node="fr", previous=fp(fr.key), new=stranger)
    claims = unverified_claims(body["proof"])
    token = fr.announce(stranger, proof=sign(claims, ours, typ="liaison-key+jws"))
    _, receipt = post(client, token)
    assert (receipt.status, receipt.reason) == ("rejected", "bad_key")
    assert pinned() == fp(fr.key)
    # Nor one whose fingerprint is not its key's.
    token = fr.announce(ours, fingerprint=fp(stranger))
    assert post(client, token)[1].reason == "bad_key"


def test_two_announcements_in_one_batch_are_both_applied(client: Client, fr: Fr) -> None:
    old = fr.key
    first, one = fr.rotate()
    second, two = fr.rotate()  # signed by `first`, pinned only once `one` is applied
    after = fr.token("person.upsert", person("fr"), key=old)  # in flight, old key
    body = batch_body([t.decode() for t in (one, two, after)])

    response = client.post("/federation/v1/batches", body, content_type=BATCH_MEDIA_TYPE)

    receipts = [open_receipt(r, node_key()) for r in open_batch_receipts(response.content)]
    assert [r.status for r in receipts] == ["applied"] * 3, [r.detail for r in receipts]
    assert pinned() == fp(second)
    assert set(RetiredPeerKey.objects.values_list("fingerprint", flat=True)) == {
        fp(old),
        fp(first),
    }


def test_two_rotations_chain_each_proof_to_the_key_before() -> None:
    k0, k1, k2 = (OKPKey.generate_key("Ed25519") for _ in range(3))
    first = KeyRotated.model_validate(key_rotated_body(node="fr", previous=fp(k0), new=k1))
    second = KeyRotated.model_validate(key_rotated_body(node="fr", previous=fp(k1), new=k2))

    assert fp(check_key_rotated(first, sender="fr", pinned=fp(k0))) == fp(k1)
    assert fp(check_key_rotated(second, sender="fr", pinned=fp(k1))) == fp(k2)
    with pytest.raises(Exception, match="key_not_current"):
        check_key_rotated(second, sender="fr", pinned=fp(k0))  # out of order: refused


# Re-pinning by hand (a compromised key)


def repin(*args: str) -> str:
    out = StringIO()
    call_command("peers", "repin", *args, stdout=out)
    return out.getvalue()


def test_a_repin_with_a_fingerprint_that_is_not_the_keys_is_refused_and_changes_nothing(
    fr: Fr,
) -> None:
    new = OKPKey.generate_key("Ed25519")
    with pytest.raises(CommandError, match="fingerprint"):
        repin("fr", "--fingerprint", "cd" * 32, f"--public-key={keys.public_jwk(new)['x']}")
    assert pinned() == fp(fr.key)
    assert not AuditEntry.objects.filter(detail__status="repinned").exists()
    with pytest.raises(CommandError, match="No partner node"):
        repin("de", "--fingerprint", fp(new))


def test_a_repin_refuses_the_replaced_keys_at_once(client: Client, fr: Fr) -> None:
    old = fr.key
    _, token = fr.rotate()
    post(client, token)  # an earlier rotation left `old` in its grace period
    stolen = fr.key
    fr.key = OKPKey.generate_key("Ed25519")

    out = repin("fr", "--fingerprint", fp(fr.key), f"--public-key={keys.public_jwk(fr.key)['x']}")

    assert f"fr repinned to {fp(fr.key)} (key pinned)" in out
    for key in (old, stolen):
        status, receipt = post(client, fr.token("person.upsert", person("fr"), key=key))
        assert (status, receipt.reason) == (401, "bad_signature")
    assert share(client, fr).status == "applied"
    assert not RetiredPeerKey.objects.exists()
    entry = AuditEntry.objects.get(detail__status="repinned")
    assert (entry.detail["previous"], entry.detail["pinned"]) == (fp(stolen), fp(fr.key))


# The rotating side: ma makes a new key and announces it


@pytest.fixture
def partner() -> Iterator[ScriptedPartner]:
    scripted = ScriptedPartner(OKPKey.generate_key("Ed25519"))
    scripted.start()
    yield scripted
    scripted.stop()


@pytest.fixture
def peer(partner: ScriptedPartner) -> Peer:
    return Peer.objects.create(
        node_id="fr",
        url=partner.url,
        fingerprint=fp(partner.key),
        public_key=keys.public_jwk(partner.key)["x"],
    )


def queue_share(peer: Peer) -> OutboxEnvelope:
    with transaction.atomic():
        return enqueue(
            peer, "person.upsert", {"uid": str(uuid.uuid4()), "version": 1}, handling="H0"
        )


def tokens(peer: Peer) -> list[tuple[str, str]]:
    peer.refresh_from_db()
    batches = delivery.signed_batches(peer, delivery.due_envelopes(peer))
    return [(row.message_type, token) for batch in batches for row, token in batch]


def test_rotating_announces_the_new_key_signed_by_the_old_one(data_dir: Path, peer: Peer) -> None:
    old = node_key()
    queue_share(peer)  # queued before: still signed with the key fr knows

    rotation = rotate_node_key()

    new = node_key()  # read again: the file changed
    assert (rotation.previous, rotation.fingerprint) == (fp(old), fp(new))
    assert rotation.partners == ["fr"]
    assert keys.load_retired(data_dir, fp(old)) is not None
    signed = tokens(peer)
    assert [kind for kind, _ in signed] == ["person.upsert", KEY_ROTATED]
    for _, token in signed:
        verify(token, old)
    body = KeyRotated.model_validate(unverified_claims(signed[1][1])["object"])
    assert fp(check_key_rotated(body, sender="ma", pinned=fp(old))) == fp(new)
    entry = AuditEntry.objects.get(object_type="node_key")
    assert (entry.detail["status"], entry.detail["partners"]) == ("rotated", ["fr"])


def test_what_is_queued_after_the_announcement_is_signed_with_the_new_key_once_acknowledged(
    data_dir: Path, peer: Peer, partner: ScriptedPartner, django_capture_on_commit_callbacks: Any
) -> None:
    old = node_key()
    rotate_node_key()
    queue_share(peer)
    assert signing_key(Peer.objects.get()) is not node_key()  # fr knows only the old key

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.Worker("test").run_once()

    peer.refresh_from_db()
    assert peer.our_key == ""
    assert OutboxEnvelope.objects.filter(state="delivered").count() == 2
    assert not keys.retired_fingerprints(data_dir)  # no partner needs the old key any more
    queue_share(peer)
    [(_, token)] = tokens(peer)
    verify(token, node_key())
    with pytest.raises(Exception, match="bad_signature"):
        verify(token, old)


def test_rotating_twice_quickly_signs_each_announcement_with_the_key_it_replaces(
    data_dir: Path, peer: Peer
) -> None:
    k0 = node_key()
    rotate_node_key()
    k1 = node_key()
    rotate_node_key()
    k2 = node_key()

    assert Peer.objects.get().our_key == fp(k0)  # fr still knows only the first
    assert set(keys.retired_fingerprints(data_dir)) == {fp(k0), fp(k1)}
    first, second = (token for _, token in tokens(peer))
    verify(first, k0)
    verify(second, k1)
    bodies = [KeyRotated.model_validate(unverified_claims(t)["object"]) for t in (first, second)]
    assert [(b.previous, b.fingerprint) for b in bodies] == [(fp(k0), fp(k1)), (fp(k1), fp(k2))]


def test_a_partner_offline_during_the_rotation_gets_the_announcement_when_back(
    data_dir: Path, peer: Peer, partner: ScriptedPartner
) -> None:
    partner.stop()
    rotate_node_key()
    delivery.Worker("test").run_once()  # fails: the partner is away
    assert OutboxEnvelope.objects.get().state == "pending"
    assert Peer.objects.get().our_key != ""

    partner.start()
    Peer.objects.update(url=partner.url, next_attempt_at=None)
    assert delivery.Worker("test").run_once()

    assert OutboxEnvelope.objects.get().state == "delivered"
    assert Peer.objects.get().our_key == ""


def test_a_compromised_key_is_announced_to_no_one_and_deleted(data_dir: Path, peer: Peer) -> None:
    rotate_node_key()  # an earlier announcement still queued…
    rotate_node_key(compromised=True)

    assert list(OutboxEnvelope.objects.values_list("state", flat=True)) == ["dropped"]
    assert Peer.objects.get().our_key == ""
    assert not keys.retired_fingerprints(data_dir)
    entry = AuditEntry.objects.filter(object_type="node_key").latest("seq")
    assert (entry.detail["status"], entry.detail["partners"]) == ("compromised", [])


def test_keys_rotate_prints_the_new_fingerprint_and_who_still_knows_the_old_one(
    peer: Peer,
) -> None:
    old = fp(node_key())
    out, err = StringIO(), StringIO()
    call_command("keys", "rotate", stdout=out, stderr=err)

    assert f"fingerprint {fp(node_key())}" in out.getvalue()
    assert f"partner fr still knows {old}" in out.getvalue()
    assert "Announced to: fr" in err.getvalue()


def test_a_partner_that_does_not_recognise_our_signature_is_retried_not_a_final_rejection(
    peer: Peer, partner: ScriptedPartner
) -> None:
    """After `keys rotate --compromised`, until the partner re-pins: nothing is lost."""
    rotate_node_key(compromised=True)
    row = queue_share(peer)
    partner.script = lambda claims: ReceiptData(Status.REJECTED, "bad_signature", "")

    assert delivery.Worker("test").run_once()

    row.refresh_from_db()
    assert (row.state, row.failures) == ("pending", 1)
    assert "did not recognise our signature" in Peer.objects.get().last_error

"""The envelope code, without a database or live nodes."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from joserfc import jws
from joserfc.jwk import OKPKey

from liaison.exchange import keys
from liaison.exchange.protocol import (
    ANSWER_TYP,
    MAX_ANSWER_BYTES,
    MAX_ENVELOPE_BYTES,
    RECEIPT_TYP,
    Envelope,
    ProtocolError,
    Reason,
    envelope_claims,
    open_envelope,
    open_receipt,
    sign,
    unverified_claims,
    utcnow,
    uuid7,
    verify,
)

MA = OKPKey.generate_key("Ed25519")


def token(key: OKPKey = MA, **extra: object) -> str:
    claims = envelope_claims(
        envelope_id=uuid7(),
        sender="ma",
        recipient="fr",
        seq=1,
        message_type="person.upsert",
        handling="H1",
        obj={"uid": "x"},
    )
    return sign(claims | extra, key)


def opened(raw: str, **kwargs: object) -> Envelope:
    return open_envelope(raw, lambda node: MA if node == "ma" else None, me="fr", **kwargs)


def reason_of(raw: str) -> Reason:
    with pytest.raises(ProtocolError) as caught:
        opened(raw)
    return caught.value.reason


def test_uuid7_has_version_7_the_rfc_variant_and_sorts_by_time() -> None:
    first, second = uuid7(now_ms=1_700_000_000_000), uuid7(now_ms=1_700_000_000_001)
    assert first.version == 7 and first.variant == uuid.RFC_4122
    assert first < second and first.int >> 80 == 1_700_000_000_000


def test_a_signed_envelope_opens_with_the_senders_pinned_key() -> None:
    envelope = opened(token())
    assert (envelope.from_, envelope.to, envelope.type, envelope.handling) == (
        "ma",
        "fr",
        "person.upsert",
        "H1",
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: token(OKPKey.generate_key("Ed25519")), Reason.BAD_SIGNATURE),
        (lambda: token(**{"from": "xx"}), Reason.UNKNOWN_SENDER),
        (lambda: token(to="de"), Reason.WRONG_RECIPIENT),
        (lambda: token(sent_at=(utcnow() - timedelta(minutes=6)).isoformat()), Reason.CLOCK_SKEW),
        (lambda: token(sent_at=(utcnow() + timedelta(minutes=6)).isoformat()), Reason.CLOCK_SKEW),
        (lambda: token(extra=1), Reason.BAD_SCHEMA),
        (lambda: token(handling="H3"), Reason.BAD_SCHEMA),
        (lambda: token(v=2), Reason.UNSUPPORTED_VERSION),
        (lambda: "not.a.jws", Reason.MALFORMED),
        (lambda: sign({"from": "ma"}, MA, typ=RECEIPT_TYP), Reason.MALFORMED),
    ],
)
def test_it_refuses_bad_envelopes_with_the_reason(make: object, reason: Reason) -> None:
    assert reason_of(make()) == reason  # type: ignore[operator]


def test_an_envelope_up_to_the_body_limit_opens() -> None:
    """joserfc alone refuses a payload over 128,000 base64 characters (~94 KiB of JSON):
    an envelope that fits the 256 KiB body limit must still open."""
    raw = token(object={"uid": "x", "notes": "n" * 180_000})
    assert 128_000 < len(raw) < MAX_ENVELOPE_BYTES
    assert unverified_claims(raw)["object"]["notes"] == "n" * 180_000
    assert len(opened(raw).object["notes"]) == 180_000


def test_an_answer_up_to_its_limit_verifies() -> None:
    raw = sign({"results": ["r" * 1000] * 2900}, MA, typ=ANSWER_TYP)
    assert 3_000_000 < len(raw) <= MAX_ANSWER_BYTES * 4 // 3
    assert len(verify(raw, MA, typ=ANSWER_TYP)["results"]) == 2900


def test_it_refuses_a_signed_receipt_whose_payload_is_not_a_json_object() -> None:
    header = {"alg": "Ed25519", "typ": RECEIPT_TYP}
    raw = jws.serialize_compact(header, b'["accepted"]', MA, algorithms=["Ed25519"])
    with pytest.raises(ProtocolError) as caught:
        open_receipt(raw, MA)
    assert caught.value.reason == Reason.MALFORMED


def test_the_key_file_is_private_and_the_fingerprint_is_sha256_hex(tmp_path: Path) -> None:
    assert keys.create_key(tmp_path) and not keys.create_key(tmp_path)
    assert keys.key_path(tmp_path).stat().st_mode & 0o777 == 0o600
    key = keys.load_key(tmp_path)
    fingerprint = keys.fingerprint(key)
    assert len(fingerprint) == 64 and keys.normalise_fingerprint(fingerprint.upper()) == fingerprint
    assert keys.fingerprint(keys.public_key_from_x(keys.public_jwk(key)["x"])) == fingerprint
    keys.key_path(tmp_path).chmod(0o644)
    with pytest.raises(keys.NodeKeyError):
        keys.load_key(tmp_path)


def test_the_envelope_code_imports_no_django() -> None:
    code = (
        "import sys; import liaison.exchange.protocol, liaison.exchange.keys; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PATH": "/usr/bin"})

"""The exchange protocol's wire format: signed envelopes and receipts (docs/federation.md).

Pure Python (pydantic, joserfc): no Django import here, so the format can be tested,
benchmarked and reimplemented by a partner without the rest of the node.

An envelope is a JWS in compact serialisation, signed with the sending node's Ed25519
key. Its payload is the JSON object `Envelope` below; `object` is validated separately
against the schema registered for `type`, so new record types plug in without touching
this module (see `register_type`).
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from liaison.exchange import keys

PROTOCOL_VERSION = 1
# RFC 9864's fully specified name for EdDSA over Ed25519; the signature bytes are the same
# as "EdDSA" (RFC 8037), which joserfc marks deprecated.
ALGORITHM = "Ed25519"
ENVELOPE_TYP = "liaison-envelope+jws"
RECEIPT_TYP = "liaison-receipt+jws"
QUERY_TYP = "liaison-query+jws"
ANSWER_TYP = "liaison-answer+jws"
KEY_TYP = "liaison-key+jws"
# The transport's own message: the sender's new signing key, signed by its current one.
KEY_ROTATED = "node.key_rotated"
MAX_ENVELOPE_BYTES = 256 * 1024
# A batch: several signed envelopes in one request, one signed receipt each in the answer.
BATCH_MEDIA_TYPE = "application/liaison-batch+json"
MAX_BATCH_ENVELOPES = 100
MAX_BATCH_BYTES = 2 * 1024 * 1024
MAX_QUERY_BYTES = 16 * 1024
MAX_ANSWER_BYTES = 4 * 1024 * 1024
MAX_CLOCK_SKEW = timedelta(minutes=5)
NODE_ID = r"^[a-z][a-z0-9-]{1,31}$"
MESSAGE_TYPE = r"^[a-z]+(\.[a-z_]+)+$"
# The largest integers a receiver can store: a sequence number is a PositiveBigIntegerField
# (a signed 64-bit integer on both databases); a version or a count of months is a
# PositiveIntegerField (PostgreSQL's 32-bit integer). Anything larger is refused by the
# schema (bad_schema), before it reaches the database.
MAX_SEQ = 2**63 - 1
MAX_COUNT = 2**31 - 1
MAX_REASON = 64
MAX_DETAIL = 500

# Characters that cannot be stored as they are: NUL (PostgreSQL refuses it in text and in
# jsonb), the other C0 controls and DEL (they garble logs and pages).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(value: object, limit: int = MAX_DETAIL) -> str:
    """Text from a partner or a stranger, made safe to store and show: control characters
    and lone surrogates (which no database encoding takes) are written as escapes, and the
    result is cut to `limit` characters. For what is kept before (or without) validation:
    claimed ids, refusal details, receipts."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return _UNSTORABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)[:limit]


class Reason(StrEnum):
    """Why a receiver refused an envelope; sent in the receipt, stored by the sender."""

    TOO_LARGE = "too_large"
    LENGTH_REQUIRED = "length_required"
    MALFORMED = "malformed"
    UNKNOWN_SENDER = "unknown_sender"
    BAD_SIGNATURE = "bad_signature"
    UNSUPPORTED_VERSION = "unsupported_version"
    WRONG_RECIPIENT = "wrong_recipient"
    CLOCK_SKEW = "clock_skew"
    UNKNOWN_TYPE = "unknown_type"
    BAD_SCHEMA = "bad_schema"
    NOT_OWNER = "not_owner"
    UNKNOWN_REFERENCE = "unknown_reference"
    NOT_ACCEPTED = "not_accepted"
    # A key announcement not signed by the key pinned now (a retired key), or from another
    # previous key than the one pinned; or whose new key does not prove itself.
    KEY_NOT_CURRENT = "key_not_current"
    BAD_KEY = "bad_key"
    INTERNAL = "internal_error"


class Status(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class ProtocolError(Exception):
    """An envelope or receipt that must be refused; `reason` is one of `Reason`."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = printable(detail)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(Strict):
    """The signed payload of one message from one node to another."""

    v: Literal[1]
    id: uuid.UUID
    from_: str = Field(alias="from", pattern=NODE_ID)
    to: str = Field(pattern=NODE_ID)
    seq: int = Field(ge=1, le=MAX_SEQ)
    sent_at: datetime
    type: str = Field(pattern=MESSAGE_TYPE, max_length=64)
    handling: Literal["H0", "H1", "H2"]
    object: dict[str, Any]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# What a partner writes in its receipts and answers is stored by the sender: kept printable
# and within the columns' sizes, whatever the partner sends.
ReasonText = Annotated[str, AfterValidator(lambda v: printable(v, MAX_REASON))]
DetailText = Annotated[str, AfterValidator(printable)]


class Receipt(Strict):
    """The receiver's signed answer to one envelope."""

    v: Literal[1]
    id: uuid.UUID
    envelope: uuid.UUID | None
    from_: str = Field(alias="from", pattern=NODE_ID)
    to: str | None
    status: Status
    reason: ReasonText = ""
    detail: DetailText = ""
    received_at: datetime

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Query(Strict):
    """A signed request for what the receiver keeps for the sender; nothing is applied."""

    v: Literal[1]
    id: uuid.UUID
    from_: str = Field(alias="from", pattern=NODE_ID)
    to: str = Field(pattern=NODE_ID)
    sent_at: datetime
    type: str = Field(pattern=MESSAGE_TYPE, max_length=64)
    object: dict[str, Any]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class QueryAnswer(Strict):
    """The receiver's signed answer to one query: `object` when answered, else a reason."""

    v: Literal[1]
    id: uuid.UUID
    query: uuid.UUID | None
    from_: str = Field(alias="from", pattern=NODE_ID)
    to: str | None
    status: Literal["answered", "rejected"]
    reason: ReasonText = ""
    detail: DetailText = ""
    answered_at: datetime
    object: dict[str, Any]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Batch(Strict):
    """Several signed envelopes in one request (each still a JWS of its own), in seq order."""

    v: Literal[1]
    envelopes: list[str] = Field(min_length=1, max_length=MAX_BATCH_ENVELOPES)


class BatchReceipts(Strict):
    """The answer to a batch: one signed receipt per envelope, in the batch's order. Shorter
    than the batch when the receiver stopped (its database failed): the rest is resent."""

    v: Literal[1]
    receipts: list[str] = Field(max_length=MAX_BATCH_ENVELOPES)


# Types of message: the body schema each `type` must satisfy. Apps register theirs.

_BODIES: dict[str, type[BaseModel]] = {}


def register_type(name: str, body: type[BaseModel]) -> None:
    if _BODIES.get(name, body) is not body:
        raise ValueError(f"Message type {name!r} is already registered.")
    _BODIES[name] = body


def registered_types() -> list[str]:
    return sorted(_BODIES)


def parse_body(envelope: Envelope) -> BaseModel:
    body = _BODIES.get(envelope.type)
    if body is None:
        raise ProtocolError(Reason.UNKNOWN_TYPE, envelope.type)
    try:
        return body.model_validate(envelope.object)
    except ValidationError as error:
        raise ProtocolError(Reason.BAD_SCHEMA, first_error(error)) from None


def first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(body)"
    return f"{where}: {first['msg']}"


# Identifiers


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    """A UUID version 7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then 74 random bits.

    Ids sort by creation time, which keeps the inbox index compact. (Python 3.14 has
    uuid.uuid7; this runs on 3.12 and 3.13 too.)
    """
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    value = (ms & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10)) & ((1 << 80) - 1)
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # variant 10
    return uuid.UUID(int=value)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Signing and verifying


def _dumps(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _registry() -> jws.JWSRegistry:
    """Our algorithm only, and our size limits: joserfc's default refuses a payload over
    128,000 base64 characters (about 94 KiB of JSON), under the 256 KiB an envelope may
    take and the 4 MiB of an answer. The sizes are held by the HTTP body limits
    (liaison/core/server.py) and the client's read limit; this only has to let them through."""
    registry = jws.JWSRegistry(algorithms=[ALGORITHM])
    registry.max_payload_length = MAX_ANSWER_BYTES * 4 // 3 + 4  # base64 of the largest
    return registry


JWS_REGISTRY = _registry()


def sign(claims: dict[str, Any], key: OKPKey, *, typ: str = ENVELOPE_TYP) -> str:
    header = {"alg": ALGORITHM, "typ": typ}
    return jws.serialize_compact(header, _dumps(claims), key, registry=JWS_REGISTRY)


def envelope_claims(
    *,
    envelope_id: uuid.UUID,
    sender: str,
    recipient: str,
    seq: int,
    message_type: str,
    handling: str,
    obj: dict[str, Any],
    sent_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "v": PROTOCOL_VERSION,
        "id": str(envelope_id),
        "from": sender,
        "to": recipient,
        "seq": seq,
        "sent_at": (sent_at or utcnow()).isoformat(),
        "type": message_type,
        "handling": handling,
        "object": obj,
    }


def unverified_claims(token: str | bytes) -> dict[str, Any]:
    """The payload as sent, before any check: only to find out who claims to send it."""
    try:
        raw = token.encode() if isinstance(token, str) else token
        compact = jws.extract_compact(raw, registry=JWS_REGISTRY)
    except (JoseError, ValueError, RecursionError) as error:
        raise ProtocolError(Reason.MALFORMED, type(error).__name__) from None
    return _json_object(compact.payload)


def _json_object(payload: bytes) -> dict[str, Any]:
    # RecursionError: JSON nested deeper than the interpreter's stack ([[[[...), which
    # 256 KiB allows many times over.
    try:
        claims = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(Reason.MALFORMED, type(error).__name__) from None
    if not isinstance(claims, dict):
        raise ProtocolError(Reason.MALFORMED, "the payload is not a JSON object")
    return claims


Keys = OKPKey | Sequence[OKPKey]


def verify(token: str | bytes, key: Keys, *, typ: str = ENVELOPE_TYP) -> dict[str, Any]:
    """The payload, if `key` (or one of several: a partner's current key, then keys it
    retired lately) signed `token` with our algorithm and type; else BAD_SIGNATURE."""
    candidates = [key] if isinstance(key, OKPKey) else list(key)
    error: JoseError | None = None
    for candidate in candidates:
        try:
            compact = jws.deserialize_compact(token, candidate, registry=JWS_REGISTRY)
            break
        except JoseError as failed:
            error = failed
        except (ValueError, RecursionError) as failed:
            raise ProtocolError(Reason.MALFORMED, type(failed).__name__) from None
    else:
        raise ProtocolError(Reason.BAD_SIGNATURE, type(error).__name__) from None
    if compact.headers().get("typ") != typ:
        raise ProtocolError(Reason.MALFORMED, f"typ must be {typ}")
    return _json_object(compact.payload)


KeyLookup = Callable[[str], Keys | None]


def open_envelope(
    token: str | bytes,
    key_for: KeyLookup,
    *,
    me: str,
    now: datetime | None = None,
) -> Envelope:
    """Verify an envelope: signature by the claimed sender's pinned key, version, recipient,
    clock skew and header schema. The body is checked afterwards with `parse_body`."""
    sender = unverified_claims(token).get("from")
    key = _key_of_claimed(sender, key_for)
    claims = verify(token, key)
    if claims.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(Reason.UNSUPPORTED_VERSION, str(claims.get("v"))[:16])
    try:
        envelope = Envelope.model_validate(claims)
    except ValidationError as error:
        raise ProtocolError(Reason.BAD_SCHEMA, first_error(error)) from None
    if envelope.to != me:
        raise ProtocolError(Reason.WRONG_RECIPIENT, f"addressed to {envelope.to}")
    check_clock(envelope.sent_at, now or utcnow())
    return envelope


def _key_of_claimed(sender: object, key_for: KeyLookup) -> Keys:
    """The pinned key(s) of the claimed sender. Only a well-formed node id is looked up: a
    NUL in it would be a database error on PostgreSQL, not an unknown sender."""
    if isinstance(sender, str) and re.fullmatch(NODE_ID, sender):
        key = key_for(sender)
        if key is not None and (isinstance(key, OKPKey) or len(key)):
            return key
    raise ProtocolError(Reason.UNKNOWN_SENDER, str(sender)[:64])


def check_clock(sent_at: datetime, now: datetime) -> None:
    if sent_at.tzinfo is None:
        raise ProtocolError(Reason.BAD_SCHEMA, "sent_at: needs a time zone")
    if abs(now - sent_at) > MAX_CLOCK_SKEW:
        raise ProtocolError(Reason.CLOCK_SKEW, f"sent_at {sent_at.isoformat()}, now {now}")


def query_claims(
    *, sender: str, recipient: str, query_type: str, obj: dict[str, Any]
) -> dict[str, Any]:
    return {
        "v": PROTOCOL_VERSION,
        "id": str(uuid7()),
        "from": sender,
        "to": recipient,
        "sent_at": utcnow().isoformat(),
        "type": query_type,
        "object": obj,
    }


def open_query(token: str | bytes, key_for: KeyLookup, *, me: str) -> Query:
    """Verify a query as an envelope is verified: the claimed sender's pinned key, version,
    recipient, clock skew and header schema. The body is the query type's to check."""
    sender = unverified_claims(token).get("from")
    key = _key_of_claimed(sender, key_for)
    claims = verify(token, key, typ=QUERY_TYP)
    if claims.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(Reason.UNSUPPORTED_VERSION, str(claims.get("v"))[:16])
    try:
        query = Query.model_validate(claims)
    except ValidationError as error:
        raise ProtocolError(Reason.BAD_SCHEMA, first_error(error)) from None
    if query.to != me:
        raise ProtocolError(Reason.WRONG_RECIPIENT, f"addressed to {query.to}")
    check_clock(query.sent_at, utcnow())
    return query


def answer_claims(
    *,
    query_id: uuid.UUID | None,
    me: str,
    sender: str | None,
    obj: dict[str, Any] | None = None,
    refusal: ProtocolError | None = None,
) -> dict[str, Any]:
    return {
        "v": PROTOCOL_VERSION,
        "id": str(uuid7()),
        "query": str(query_id) if query_id else None,
        "from": me,
        "to": sender,
        "status": "rejected" if refusal is not None else "answered",
        "reason": str(refusal.reason) if refusal is not None else "",
        "detail": refusal.detail if refusal is not None else "",
        "answered_at": utcnow().isoformat(),
        "object": obj or {},
    }


def open_answer(token: str | bytes, key: Keys) -> QueryAnswer:
    claims = verify(token, key, typ=ANSWER_TYP)
    try:
        return QueryAnswer.model_validate(claims)
    except ValidationError as error:
        raise ProtocolError(Reason.BAD_SCHEMA, first_error(error)) from None


@dataclass(frozen=True)
class ReceiptData:
    status: Status
    reason: str = ""
    detail: str = ""


def receipt_claims(
    outcome: ReceiptData, *, envelope_id: uuid.UUID | None, me: str, sender: str | None
) -> dict[str, Any]:
    return {
        "v": PROTOCOL_VERSION,
        "id": str(uuid7()),
        "envelope": str(envelope_id) if envelope_id else None,
        "from": me,
        "to": sender,
        "status": str(outcome.status),
        "reason": outcome.reason,
        "detail": outcome.detail,
        "received_at": utcnow().isoformat(),
    }


def batch_body(tokens: list[str]) -> bytes:
    return _dumps({"v": PROTOCOL_VERSION, "envelopes": tokens})


def open_batch(raw: bytes) -> list[str]:
    """The envelopes of a batch, not yet verified; MALFORMED if it is not a batch."""
    try:
        return Batch.model_validate_json(raw).envelopes
    except ValidationError as error:
        raise ProtocolError(Reason.MALFORMED, first_error(error)) from None


def receipts_body(receipts: list[str]) -> bytes:
    return _dumps({"v": PROTOCOL_VERSION, "receipts": receipts})


def open_batch_receipts(raw: bytes) -> list[str]:
    """The signed receipts of a batch answer, not yet verified (`open_receipt` each)."""
    try:
        return BatchReceipts.model_validate_json(raw).receipts
    except ValidationError as error:
        raise ProtocolError(Reason.MALFORMED, first_error(error)) from None


def open_receipt(token: str | bytes, key: Keys) -> Receipt:
    claims = verify(token, key, typ=RECEIPT_TYP)
    try:
        return Receipt.model_validate(claims)
    except ValidationError as error:
        raise ProtocolError(Reason.BAD_SCHEMA, first_error(error)) from None


# Key rotation: the announcement's body, and the new key's proof that it is held.

FINGERPRINT = r"^[0-9a-f]{64}$"


class KeyRotated(Strict):
    """The body of a `node.key_rotated` envelope, signed by the key it replaces."""

    node: str = Field(pattern=NODE_ID)
    previous: str = Field(pattern=FINGERPRINT)
    fingerprint: str = Field(pattern=FINGERPRINT)
    public_key: str = Field(min_length=43, max_length=43)  # JWK x: 32 bytes, base64url
    proof: str = Field(max_length=1024)  # a KEY_TYP JWS of the other fields, by the new key


class KeyProof(Strict):
    v: Literal[1]
    node: str
    previous: str
    fingerprint: str
    rotated_at: datetime


register_type(KEY_ROTATED, KeyRotated)


def key_rotated_body(*, node: str, previous: str, new: OKPKey) -> dict[str, Any]:
    """The announcement of `new`, replacing the key of fingerprint `previous`."""
    new_fp = keys.fingerprint(new)
    proof = {"v": PROTOCOL_VERSION, "node": node, "previous": previous, "fingerprint": new_fp}
    return {
        "node": node,
        "previous": previous,
        "fingerprint": new_fp,
        "public_key": keys.public_jwk(new)["x"],
        "proof": sign({**proof, "rotated_at": utcnow().isoformat()}, new, typ=KEY_TYP),
    }


def check_key_rotated(body: KeyRotated, *, sender: str, pinned: str) -> OKPKey:
    """The new key, if the announcement is the sender's, replaces the key pinned now and is
    proven by the new key itself; else ProtocolError."""
    if body.node != sender:
        raise ProtocolError(Reason.NOT_OWNER, f"a key of {body.node}, announced by {sender}")
    if body.previous != pinned:
        raise ProtocolError(Reason.KEY_NOT_CURRENT, f"replaces {body.previous}, not {pinned}")
    try:
        new = keys.public_key_from_x(body.public_key)
    except ValueError as error:
        raise ProtocolError(Reason.BAD_KEY, str(error)) from None
    if keys.fingerprint(new) != body.fingerprint or body.fingerprint == pinned:
        raise ProtocolError(Reason.BAD_KEY, "the fingerprint is not the new key's")
    try:
        proof = KeyProof.model_validate(verify(body.proof, new, typ=KEY_TYP))
    except (ProtocolError, ValidationError):
        raise ProtocolError(Reason.BAD_KEY, "the new key did not sign the proof") from None
    if (proof.node, proof.previous, proof.fingerprint) != (sender, pinned, body.fingerprint):
        raise ProtocolError(Reason.BAD_KEY, "the proof is for another rotation")
    return new

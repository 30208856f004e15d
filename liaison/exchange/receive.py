"""Receiving envelopes: verify, deduplicate, apply in one transaction, audit, answer.

Record types plug in with `register(name, body_schema, apply)`: `apply(sender, body)`
runs inside the transaction that also stores the envelope id and the audit entry, and
raises ProtocolError to refuse (nothing it did is kept).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from joserfc.jwk import OKPKey
from pydantic import BaseModel

from liaison.audit.actions import log_event
from liaison.exchange.identity import (
    PeerKeyError,
    accepted_keys,
    peer_key,
    signing_key_for,
)
from liaison.exchange.models import InboxEnvelope, Peer
from liaison.exchange.protocol import (
    KEY_ROTATED,
    RECEIPT_TYP,
    Envelope,
    ProtocolError,
    Reason,
    ReceiptData,
    Status,
    open_envelope,
    parse_body,
    printable,
    receipt_claims,
    register_type,
    sign,
    unverified_claims,
    verify,
)
from liaison.exchange.tally import UNAUTHENTICATED, count_refusal

logger = logging.getLogger("liaison.exchange.receive")


@dataclass(frozen=True)
class Applied:
    """What applying an envelope did: created, updated, deleted, unchanged (older), absent."""

    effect: str
    object_type: str
    object_uid: str
    version: int | None = None


Apply = Callable[[str, Any], Applied]
ReadAhead = Callable[[list[uuid.UUID]], AbstractContextManager[object]]
_APPLY: dict[str, Apply] = {}
_READ_AHEAD: dict[str, ReadAhead] = {}


def register[B: BaseModel](
    name: str,
    body: type[B],
    apply: Callable[[str, B], Applied],
    read_ahead: ReadAhead | None = None,
) -> None:
    register_type(name, body)
    _APPLY[name] = apply
    if read_ahead is not None:
        _READ_AHEAD[name] = read_ahead


@dataclass(frozen=True)
class Answer:
    """The signed receipt and the HTTP status to send it with."""

    status_code: int
    receipt: str
    content_type: str = "application/jose"
    headers: dict[str, str] = field(default_factory=dict)


# Refused before the signature is verified: the request is not authenticated (401).
_HTTP_STATUS = {
    Reason.TOO_LARGE: 413,
    Reason.LENGTH_REQUIRED: 411,
    Reason.MALFORMED: 401,
    Reason.UNKNOWN_SENDER: 401,
    Reason.BAD_SIGNATURE: 401,
    Reason.NOT_OWNER: 409,
}


Keys = Callable[[str], list[OKPKey] | None]
# Envelope ids looked up at once for a batch: the earlier inbox row, or None when new.
Known = dict[uuid.UUID, InboxEnvelope | None]


class Undo(Exception):
    """Applying an envelope failed on the fast path: what it wrote cannot be undone alone."""


def receive(
    raw: bytes,
    *,
    source: str = "",
    keys: Keys | None = None,
    known: Known | None = None,
    rows: list[InboxEnvelope] | None = None,
    opened: Envelope | None = None,
) -> Answer:
    """The whole pipeline for one request body from client address `source`. Raises
    DatabaseError only (answer 503). A batch passes the partners' keys it already looked up
    (`keys`) and the inbox rows of its envelope ids (`known`, see `known_envelopes`).

    With `rows` (a batch's fast path, batches.py), the envelope is applied without a
    savepoint of its own and its inbox row is added to `rows` for the batch to write;
    anything failing while applying raises Undo instead of being answered. `opened`: the
    envelope as the batch verified it already (`open_verified`).
    """
    try:
        envelope = opened or open_envelope(raw, keys or key_for, me=settings.NODE_ID)
    except ProtocolError as error:
        return refuse(error, claimed=_claimed(raw), source=source)
    if known is not None and envelope.id in known:
        previous = known[envelope.id]
    else:
        previous = InboxEnvelope.objects.filter(envelope_id=envelope.id).first()
    if previous is not None:
        return _duplicate(envelope, previous)
    try:
        if envelope.type == KEY_ROTATED:
            _check_signed_by_pinned(envelope, raw)
        body = parse_body(envelope)
    except ProtocolError as error:
        return _reject_verified(envelope, error, rows)
    try:
        applied = _apply(envelope, body, rows)
    except Exception as error:
        if rows is not None:
            raise Undo from error
        return _not_applied(envelope, error)
    detail = f"{applied.effect} {applied.object_type} {applied.object_uid}"
    return _answer(envelope, ReceiptData(Status.APPLIED, detail=detail))


def _not_applied(envelope: Envelope, error: Exception) -> Answer:
    """The answer when applying failed in its savepoint: the applier's refusal, a
    duplicate delivered twice at once, or an internal error; other database errors raise."""
    if isinstance(error, ProtocolError):
        return _reject_verified(envelope, error)
    if isinstance(error, IntegrityError):
        previous = InboxEnvelope.objects.filter(envelope_id=envelope.id).first()
        if previous is not None:
            return _duplicate(envelope, previous)  # the same envelope, delivered twice at once
    if isinstance(error, DatabaseError):
        raise error
    logger.exception("applying %s %s failed", envelope.type, envelope.id, exc_info=error)
    return _reject_verified(envelope, ProtocolError(Reason.INTERNAL, envelope.type))


def open_verified(raw: bytes, keys: Keys) -> Envelope | None:
    """The envelope if it verifies, else None (`receive` then refuses it with the reason)."""
    try:
        return open_envelope(raw, keys, me=settings.NODE_ID)
    except ProtocolError:
        return None


@contextmanager
def read_ahead(envelopes: list[Envelope]) -> Iterator[None]:
    """The record types' read-ahead (if they have one) for these verified envelopes."""
    uids: dict[str, list[uuid.UUID]] = defaultdict(list)
    for envelope in envelopes:
        uid = _uuid_or_none(str(envelope.object.get("uid", "")))
        if envelope.type in _READ_AHEAD and uid is not None:
            uids[envelope.type].append(uid)
    with ExitStack() as stack:
        for kind, wanted in uids.items():
            stack.enter_context(_READ_AHEAD[kind](wanted))
        yield


def known_envelopes(ids: list[uuid.UUID]) -> Known:
    """The inbox rows of these envelope ids, in one query: each id maps to its earlier row,
    or to None when it was never received."""
    known: Known = dict.fromkeys(ids)
    known.update(
        (row.envelope_id, row) for row in InboxEnvelope.objects.filter(envelope_id__in=ids)
    )
    return known


def key_for(sender: str) -> list[OKPKey] | None:
    """The pinned key of partner `sender` (then the keys it retired lately, still accepted
    for a while: liaison/exchange/rotation.py), or None when it is not a usable partner."""
    peer = Peer.objects.filter(node_id=sender).first()
    if peer is None:
        return None
    try:
        return accepted_keys(peer)
    except PeerKeyError:
        logger.warning("no usable key for partner %s", sender)
        return None


def _check_signed_by_pinned(envelope: Envelope, raw: bytes) -> None:
    """A key announcement counts only if the key pinned now signed it: a retired key, still
    accepted for other envelopes during its grace period, cannot name the next one."""
    try:
        verify(raw, peer_key(Peer.objects.get(node_id=envelope.from_)))
    except ProtocolError:
        raise ProtocolError(Reason.KEY_NOT_CURRENT, "signed by a key it retired") from None


def _claimed(raw: bytes) -> dict[str, Any]:
    try:
        claims = unverified_claims(raw)
    except ProtocolError:
        return {}
    return {k: printable(claims.get(k), 64) for k in ("id", "from", "to", "type") if k in claims}


def _apply(envelope: Envelope, body: Any, rows: list[InboxEnvelope] | None) -> Applied:
    with transaction.atomic(savepoint=rows is None):
        applied = _APPLY[envelope.type](envelope.from_, body)
        _store(envelope, rows, Status.APPLIED, effect=applied.effect, version=applied.version)
        log_event(
            action="receive",
            peer_node=envelope.from_,
            object_type=applied.object_type,
            object_id=applied.object_uid,
            detail=_detail(envelope, status="applied", effect=applied.effect),
        )
    return applied


def _store(
    envelope: Envelope, rows: list[InboxEnvelope] | None, status: Status, **values: Any
) -> None:
    """The inbox row: written now, or added to the batch's `rows` on its fast path."""
    obj = envelope.object
    row = InboxEnvelope(
        envelope_id=envelope.id,
        sender=envelope.from_,
        seq=envelope.seq,
        message_type=envelope.type,
        object_uid=printable(obj.get("uid", ""), 64),
        object_version=values.pop("version", None),
        status=status,
        sent_at=envelope.sent_at,
        **values,
    )
    if rows is None:
        row.save(force_insert=True)
    else:
        rows.append(row)


def _detail(envelope: Envelope, **extra: Any) -> dict[str, Any]:
    return {"envelope": str(envelope.id), "type": envelope.type, "seq": envelope.seq, **extra}


def _duplicate(envelope: Envelope, previous: InboxEnvelope) -> Answer:
    """A replay or a resend after a lost receipt: answered, audited, not applied again."""
    log_event(
        action="receive",
        peer_node=envelope.from_,
        object_type=envelope.type,
        object_id=previous.object_uid,
        detail=_detail(envelope, status="duplicate", first_outcome=previous.status),
    )
    if previous.status == Status.REJECTED:
        outcome = ReceiptData(Status.REJECTED, previous.reason, previous.detail)
    else:
        outcome = ReceiptData(Status.DUPLICATE, detail=f"first received {previous.received_at}")
    return _answer(envelope, outcome)


def _reject_verified(
    envelope: Envelope, error: ProtocolError, rows: list[InboxEnvelope] | None = None
) -> Answer:
    """A signed envelope refused on its content: stored, so a resend gets the same answer."""
    with transaction.atomic(savepoint=rows is None):
        _store(envelope, rows, Status.REJECTED, reason=error.reason, detail=error.detail)
        log_event(
            action="permission_denied",
            peer_node=envelope.from_,
            object_type=envelope.type,
            object_id=printable(envelope.object.get("uid", ""), 128),
            detail=_detail(envelope, status="rejected", reason=error.reason, why=error.detail),
        )
    return _answer(envelope, ReceiptData(Status.REJECTED, error.reason, error.detail), error)


def refuse(
    error: ProtocolError, claimed: dict[str, Any] | None = None, *, source: str = ""
) -> Answer:
    """An envelope refused before its signature or header could be trusted. Refusals before
    the signature is checked are counted per source, not audited one by one (tally.py)."""
    claimed = claimed or {}
    if error.reason in UNAUTHENTICATED:
        counted = count_refusal(kind="envelope", address=source, error=error, claimed=claimed)
        if counted.limited:
            return _too_many(counted.retry_after)
    else:  # signed by the partner it claims to be from: its refusal is audited on its own
        log_event(
            action="permission_denied",
            peer_node=claimed.get("from", ""),
            object_type="envelope",
            object_id=claimed.get("id", ""),
            origin="exchange",
            detail={"status": "rejected", "reason": error.reason, "why": error.detail, **claimed},
        )
    outcome = ReceiptData(Status.REJECTED, error.reason, error.detail)
    # The claimed id lets the sender match the receipt to its envelope and stop retrying.
    claims = receipt_claims(
        outcome,
        envelope_id=_uuid_or_none(claimed.get("id")),
        me=settings.NODE_ID,
        sender=claimed.get("from"),
    )
    key = signing_key_for(claimed.get("from"))
    return Answer(_HTTP_STATUS.get(error.reason, 400), sign(claims, key, typ=RECEIPT_TYP))


def _too_many(retry_after: int) -> Answer:
    detail = {"detail": "Too many refused requests from this address; retry later."}
    return Answer(
        429,
        json.dumps(detail),
        content_type="application/json",
        headers={"Retry-After": str(retry_after)},
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _answer(envelope: Envelope, outcome: ReceiptData, error: ProtocolError | None = None) -> Answer:
    claims = receipt_claims(
        outcome, envelope_id=envelope.id, me=settings.NODE_ID, sender=envelope.from_
    )
    code = _HTTP_STATUS.get(error.reason, 400) if error is not None else 200
    return Answer(code, sign(claims, signing_key_for(envelope.from_), typ=RECEIPT_TYP))

"""Receiving a batch of envelopes: each one as `receive` takes it, all in one transaction.

One commit per batch instead of one per envelope is what makes batches fast; the batch
also looks up its envelope ids in the inbox in one query and its sender's key once.

First the fast path: every envelope applied with no savepoint of its own, the inbox rows
and the audit entries written together at the end (`appended_together`). A refusal decided
before anything is written (signature, duplicate, schema) is answered there too. If
applying one fails, the whole batch is rolled back and taken again on the safe path: what
each envelope changes runs in savepoints (`receive` applies in one, `log_event` audits in
one), so a refusal or an error takes only that envelope down. If the database fails on one,
the envelopes before it are committed and answered, and the answer stops there: the sender
resends the rest, in order.
"""

from __future__ import annotations

import logging
import uuid
from functools import cache

from django.db import DatabaseError, connection, transaction

from liaison.audit.actions import appended_together
from liaison.exchange.models import InboxEnvelope
from liaison.exchange.protocol import (
    KEY_ROTATED,
    MAX_ENVELOPE_BYTES,
    Envelope,
    ProtocolError,
    Reason,
    unverified_claims,
)
from liaison.exchange.receive import (
    Answer,
    Keys,
    Known,
    Undo,
    key_for,
    known_envelopes,
    open_verified,
    read_ahead,
    receive,
    refuse,
)

logger = logging.getLogger("liaison.exchange.receive")


def receive_batch(tokens: list[str], *, source: str = "") -> list[str]:
    """The signed receipt of each envelope, in order; raises DatabaseError (answer 503) only
    if not even the first envelope could be taken."""
    claimed = [_claimed(token) for token in tokens]
    ids = [envelope_id for envelope_id, _ in claimed]
    # The fast path verifies every envelope before applying any: not with a key
    # announcement, after which the next envelopes may be signed by the key it pins.
    rotation = any(message_type == KEY_ROTATED for _, message_type in claimed)
    if None not in ids and len(set(ids)) == len(ids) and not rotation:
        try:
            return _all_together(tokens, claimed, source)
        except (Undo, DatabaseError) as error:
            logger.info("batch taken again envelope by envelope: %r", error.__cause__ or error)
    return _one_by_one(tokens, claimed, source)


Claimed = list[tuple[uuid.UUID | None, object]]


def _all_together(tokens: list[str], claimed: Claimed, source: str) -> list[str]:
    keys = cache(key_for)  # each partner's pinned key, looked up once per batch
    rows: list[InboxEnvelope] = []
    raws = [token.encode("ascii", "replace") for token in tokens]
    with transaction.atomic(), appended_together():
        known = known_envelopes([i for i, _ in claimed if i is not None])
        opened = [
            open_verified(raw, keys) if len(raw) <= MAX_ENVELOPE_BYTES else None for raw in raws
        ]
        new = [e for e in opened if e is not None and known.get(e.id) is None]
        with read_ahead(new):
            receipts = [
                _receive_one(raw, source, keys, known, rows, envelope).receipt
                for raw, envelope in zip(raws, opened, strict=True)
            ]
        InboxEnvelope.objects.bulk_create(rows)
    return receipts


def _one_by_one(tokens: list[str], claimed: Claimed, source: str) -> list[str]:
    receipts: list[str] = []
    keys = cache(key_for)
    with transaction.atomic():
        known = known_envelopes([i for i, _ in claimed if i is not None])
        for token, (envelope_id, message_type) in zip(tokens, claimed, strict=True):
            try:
                answer = _receive_one(token.encode("ascii", "replace"), source, keys, known)
            except DatabaseError:
                # Applying and auditing run in savepoints of their own, so what failed there
                # is undone already; the database says whether the rest can still commit.
                if not receipts or not _usable():
                    raise
                logger.exception("batch stopped after %d envelopes", len(receipts))
                break
            receipts.append(answer.receipt)
            if envelope_id is not None:
                known.pop(envelope_id, None)  # a second copy in the batch is looked up again
            if message_type == KEY_ROTATED:
                keys.cache_clear()  # the next envelopes may be signed by the key it pinned
    return receipts


def _claimed(token: str) -> tuple[uuid.UUID | None, object]:
    """The id the envelope claims (before verification), to look the batch's up at once;
    and its claimed type."""
    try:
        claims = unverified_claims(token)
    except ProtocolError:
        return None, None
    try:
        return uuid.UUID(str(claims.get("id"))), claims.get("type")
    except ValueError:
        return None, claims.get("type")


def _usable() -> bool:
    """Whether the transaction can still commit (PostgreSQL refuses every statement after
    an error outside a savepoint: then nothing of the batch is kept)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _receive_one(
    raw: bytes,
    source: str,
    keys: Keys,
    known: Known,
    rows: list[InboxEnvelope] | None = None,
    opened: Envelope | None = None,
) -> Answer:
    if len(raw) > MAX_ENVELOPE_BYTES:
        error = ProtocolError(Reason.TOO_LARGE, f"{len(raw)} > {MAX_ENVELOPE_BYTES} bytes")
        return refuse(error, source=source)
    return receive(raw, source=source, keys=keys, known=known, rows=rows, opened=opened)

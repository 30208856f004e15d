"""Receiving a batch of envelopes: each one as `receive` takes it, all in one transaction.

One commit per batch instead of one per envelope is what makes batches fast. What each
envelope changes runs in savepoints (`receive` applies in one, `log_event` audits in one),
so a refusal or an error takes only that envelope down. If the database fails on one,
the envelopes before it are committed and answered, and the answer stops there: the
sender resends the rest, in order.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from liaison.exchange.protocol import MAX_ENVELOPE_BYTES, ProtocolError, Reason
from liaison.exchange.receive import Answer, receive, refuse

logger = logging.getLogger("liaison.exchange.receive")


def receive_batch(tokens: list[str], *, source: str = "") -> list[str]:
    """The signed receipt of each envelope, in order; raises DatabaseError (answer 503) only
    if not even the first envelope could be taken."""
    receipts: list[str] = []
    with transaction.atomic():
        for token in tokens:
            try:
                answer = _receive_one(token.encode("ascii", "replace"), source)
            except DatabaseError:
                # Applying and auditing run in savepoints of their own, so what failed there
                # is undone already; the database says whether the rest can still commit.
                if not receipts or not _usable():
                    raise
                logger.exception("batch stopped after %d envelopes", len(receipts))
                break
            receipts.append(answer.receipt)
    return receipts


def _usable() -> bool:
    """Whether the transaction can still commit (PostgreSQL refuses every statement after
    an error outside a savepoint: then nothing of the batch is kept)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _receive_one(raw: bytes, source: str) -> Answer:
    if len(raw) > MAX_ENVELOPE_BYTES:
        error = ProtocolError(Reason.TOO_LARGE, f"{len(raw)} > {MAX_ENVELOPE_BYTES} bytes")
        return refuse(error, source=source)
    return receive(raw, source=source)

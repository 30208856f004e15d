"""Receiving a batch of envelopes: each one as `receive` takes it, all in one transaction.

One commit per batch instead of one per envelope is what makes batches fast. Each
envelope runs in a savepoint of its own, so a refusal or an error takes only that
envelope down. If the database fails on one, the envelopes before it are committed and
answered, and the answer stops there: the sender resends the rest, in order.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction

from liaison.exchange.protocol import MAX_ENVELOPE_BYTES, ProtocolError, Reason
from liaison.exchange.receive import Answer, receive, refuse

logger = logging.getLogger("liaison.exchange.receive")


def receive_batch(tokens: list[str]) -> list[str]:
    """The signed receipt of each envelope, in order; raises DatabaseError (answer 503) only
    if not even the first envelope could be taken."""
    receipts: list[str] = []
    with transaction.atomic():
        for token in tokens:
            try:
                with transaction.atomic():  # a savepoint: an error undoes this envelope only
                    answer = _receive_one(token.encode("ascii", "replace"))
            except DatabaseError:
                if not receipts:
                    raise
                logger.exception("batch stopped after %d envelopes", len(receipts))
                break
            receipts.append(answer.receipt)
    return receipts


def _receive_one(raw: bytes) -> Answer:
    if len(raw) > MAX_ENVELOPE_BYTES:
        return refuse(ProtocolError(Reason.TOO_LARGE, f"{len(raw)} > {MAX_ENVELOPE_BYTES} bytes"))
    return receive(raw)

"""Writing envelopes to the outbox, inside the caller's transaction.

Nothing is sent here: the worker (liaison/exchange/worker.py) delivers committed rows.
A change that rolls back takes its envelopes with it; one that commits cannot lose them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.protocol import envelope_claims, uuid7

if TYPE_CHECKING:
    from liaison.accounts.models import Actor

# Set on commit of a transaction that wrote envelopes, so a worker thread in the same
# process starts at once instead of at its next poll.
wake = threading.Event()


def enqueue(
    peer: Peer,
    message_type: str,
    obj: dict[str, Any],
    *,
    handling: str,
    sent_by: Actor | None = None,
) -> OutboxEnvelope:
    """Append one envelope to `peer`'s queue with the next sequence number."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue() belongs in the transaction of the change it reports.")
    seq = _next_seq(peer)
    envelope_id = uuid7()
    claims = envelope_claims(
        envelope_id=envelope_id,
        sender=settings.NODE_ID,
        recipient=peer.node_id,
        seq=seq,
        message_type=message_type,
        handling=handling,
        obj=obj,
    )
    del claims["sent_at"]  # set at each delivery attempt
    row = OutboxEnvelope.objects.create(
        peer=peer,
        seq=seq,
        envelope_id=envelope_id,
        message_type=message_type,
        object_uid=str(obj.get("uid", "")),
        object_version=obj.get("version"),
        handling=handling,
        payload=claims,
        sent_by=sent_by if sent_by is not None and sent_by.is_authenticated else None,
    )
    transaction.on_commit(wake.set)
    return row


def _next_seq(peer: Peer) -> int:
    # The row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) serialises writers.
    Peer.objects.filter(pk=peer.pk).update(next_seq=F("next_seq") + 1)
    return Peer.objects.filter(pk=peer.pk).values_list("next_seq", flat=True).get() - 1


def remember_share(peer: Peer, object_type: str, uid: Any, actor: Actor | None) -> None:
    """Note that `peer` holds this record now, for withdrawals and resync."""
    Share.objects.update_or_create(
        peer=peer,
        object_type=object_type,
        object_uid=uid,
        defaults={"shared_by": actor if actor is not None and actor.is_authenticated else None},
    )

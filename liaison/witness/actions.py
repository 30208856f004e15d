"""Signing this node's audit head for its partners, and keeping the heads they send.

docs/audit.md ("Witnessed heads") and docs/federation.md (`audit.head`, `audit.heads`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pydantic import Field

from liaison.audit.actions import chain_head, log_event
from liaison.audit.models import AuditEntry
from liaison.config import env_int
from liaison.exchange.identity import accepted_keys, node_key
from liaison.exchange.models import Peer
from liaison.exchange.outbox import enqueue
from liaison.exchange.protocol import MAX_SEQ, ProtocolError, Reason, Strict
from liaison.exchange.receive import Applied
from liaison.witness.heads import open_head, sign_head
from liaison.witness.models import PartnerHead, SignedHead

if TYPE_CHECKING:
    from liaison.accounts.models import User

logger = logging.getLogger("liaison.witness")

HEAD_MESSAGE = "audit.head"
HEADS_QUERY = "audit.heads"
# Entries that witnessing itself writes (signing, receiving a partner's head, serving heads)
# do not count as the head moving: else two idle nodes would witness each other's receipts
# at every interval, forever.
BOOKKEEPING = (HEAD_MESSAGE, HEADS_QUERY)
HEADS_PER_ANSWER = 250  # about 100 KiB of answer


class HeadBody(Strict):
    """`audit.head`: one signed head of the sender's chain."""

    head: str = Field(min_length=1, max_length=2048)


class HeadsQueryBody(Strict):
    """`audit.heads`: the sender's heads held here, after the cursor of the previous page."""

    after: int = Field(default=0, ge=0, le=MAX_SEQ)


def interval_seconds() -> int:
    """LIAISON_WITNESS_INTERVAL, read at use: seconds between signed heads, 0 to stop."""
    return env_int("LIAISON_WITNESS_INTERVAL", 900)


# Signing (this node's head)


@transaction.atomic
def witness_head(*, actor: User | None = None, origin: str | None = None) -> SignedHead:
    """Sign the chain head now and queue it for every partner, in one transaction."""
    seq, digest = chain_head()
    token = sign_head(node=settings.NODE_ID, seq=seq, digest=digest, key=node_key())
    signed = open_head(token, node_key())
    row = SignedHead.objects.create(seq=seq, hash=digest, signed_at=signed.signed_at, token=token)
    partners = list(Peer.objects.order_by("node_id"))
    for peer in partners:
        enqueue(peer, HEAD_MESSAGE, {"head": token}, handling="H0")
    log_event(
        action="admin",
        actor=actor,
        object_type=HEAD_MESSAGE,
        object_id=str(seq),
        origin=origin,
        detail={"signed": "head", "hash": digest, "partners": [p.node_id for p in partners]},
    )
    return row


def witness_if_due() -> SignedHead | None:
    """The worker's periodic job: sign when the interval has passed and the head moved."""
    interval = interval_seconds()
    if interval == 0 or not Peer.objects.exists():
        return None
    last = SignedHead.objects.order_by("-pk").first()
    if last is not None:
        if timezone.now() - last.signed_at < timedelta(seconds=interval):
            return None
        if not head_moved_since(last):
            return None
    return witness_head(origin="worker")


def head_moved_since(last: SignedHead) -> bool:
    """True if anything but witnessing's own bookkeeping was logged after `last`, or the
    chain no longer reaches it (it went backwards: a restore, or worse)."""
    seq, digest = chain_head()
    if seq <= last.seq:
        return (seq, digest) != (last.seq, last.hash)
    later = AuditEntry.objects.filter(seq__gt=last.seq)
    return later.exclude(object_type__in=BOOKKEEPING).exists()


def poll_seconds() -> float:
    """How often the worker asks `witness_if_due`: well within the interval."""
    interval = interval_seconds()
    return 60.0 if interval == 0 else min(interval / 2, 30.0)


# Keeping (a partner's heads)


def apply_head(sender: str, body: HeadBody) -> Applied:
    """Keep a partner's signed head. Runs in the transport's transaction (exchange.receive):
    the sender is already a verified partner; the head must be signed by it, about its own
    chain. A head that contradicts one held before is kept, flagged: it is evidence."""
    head = open_head(body.head, accepted_keys(Peer.objects.get(node_id=sender)))
    if head.node != sender:
        raise ProtocolError(Reason.NOT_OWNER, f"a head of {head.node}'s chain, sent by {sender}")
    held = PartnerHead.objects.filter(node=sender)
    if held.filter(seq=head.seq, hash=head.hash).exists():
        return Applied("unchanged", HEAD_MESSAGE, str(head.seq))
    contradicted = Q(seq=head.seq) | Q(seq__gt=head.seq, signed_at__lte=head.signed_at)
    conflict = held.filter(contradicted).exists()
    PartnerHead.objects.create(
        node=sender,
        seq=head.seq,
        hash=head.hash,
        signed_at=head.signed_at,
        token=body.head,
        conflict=conflict,
    )
    if conflict:
        logger.warning("%s sent a head (seq %d) that contradicts one held", sender, head.seq)
    return Applied("conflict" if conflict else "created", HEAD_MESSAGE, str(head.seq))


def answer_heads(sender: str, body: HeadsQueryBody) -> dict[str, Any]:
    """The heads held here that `sender` signed, one page: only ever the asker's own."""
    page = list(
        PartnerHead.objects.filter(node=sender, pk__gt=body.after)
        .order_by("pk")
        .values_list("pk", "token")[:HEADS_PER_ANSWER]
    )
    more = len(page) == HEADS_PER_ANSWER
    return {"heads": [token for _, token in page], "next": page[-1][0] if more else None}

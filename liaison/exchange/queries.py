"""Reads of the exchange state, for `liaison peers list` and the administrators' page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q

from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer


@dataclass(frozen=True)
class PeerState:
    peer: Peer
    reachable: bool | None  # None: never tried
    queue: int
    oldest_undelivered: datetime | None
    delivered: int
    rejected: int
    set_aside: int
    shares: int
    rejections: list[OutboxEnvelope]
    set_aside_rows: list[OutboxEnvelope]

    def as_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.peer.node_id,
            "url": self.peer.url,
            "fingerprint": self.peer.fingerprint,
            "key_known": bool(self.peer.public_key),
            "reachable": self.reachable,
            "queue": self.queue,
            "oldest_undelivered": _iso(self.oldest_undelivered),
            "delivered": self.delivered,
            "rejected": self.rejected,
            "set_aside": self.set_aside,
            "shares": self.shares,
            "failures": self.peer.failures,
            "last_error": self.peer.last_error,
            "last_success_at": _iso(self.peer.last_success_at),
            "next_attempt_at": _iso(self.peer.next_attempt_at),
            "rejections": [
                {
                    "seq": r.seq,
                    "envelope": str(r.envelope_id),
                    "type": r.message_type,
                    "object": r.object_uid,
                    "reason": r.reason,
                    "detail": r.detail,
                }
                for r in self.rejections
            ],
            "set_aside_envelopes": [
                {
                    "seq": r.seq,
                    "envelope": str(r.envelope_id),
                    "type": r.message_type,
                    "object": r.object_uid,
                    "failures": r.failures,
                    "error": r.detail,
                }
                for r in self.set_aside_rows
            ],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def peer_states(*, rejections: int = 10) -> list[PeerState]:
    pending = Q(outbox__state=OutboxState.PENDING)
    peers = Peer.objects.annotate(
        queue=Count("outbox", filter=pending),
        oldest=Min("outbox__created_at", filter=pending),
        delivered=Count("outbox", filter=Q(outbox__state=OutboxState.DELIVERED)),
        rejected=Count("outbox", filter=Q(outbox__state=OutboxState.REJECTED)),
        set_aside=Count("outbox", filter=Q(outbox__state=OutboxState.SET_ASIDE)),
    )
    return [_state(peer, rejections) for peer in peers]


def _state(peer: Any, rejections: int) -> PeerState:
    rejected = OutboxEnvelope.objects.filter(peer=peer, state=OutboxState.REJECTED)
    set_aside = OutboxEnvelope.objects.filter(peer=peer, state=OutboxState.SET_ASIDE)
    reachable = None
    if peer.last_success_at or peer.failures:
        reachable = peer.failures == 0
    return PeerState(
        peer=peer,
        reachable=reachable,
        queue=peer.queue,
        oldest_undelivered=peer.oldest,
        delivered=peer.delivered,
        rejected=peer.rejected,
        set_aside=peer.set_aside,
        shares=peer.shares.count(),
        rejections=list(rejected.order_by("-seq")[:rejections]),
        # All of them: each waits for an administrator, who needs its id.
        set_aside_rows=list(set_aside.order_by("seq")),
    )

"""Reads of the exchange state: `liaison peers list`, the administrators' page, the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer, Share


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


# The share state of records, and the outbox, for the API (liaison/exchange/api.py and
# the record apps' own endpoints). Only exchange metadata: no payload leaves here.


def shares_of(uids: Iterable[Any]) -> QuerySet[Share]:
    """Who holds these records now: one row per record and partner."""
    return (
        Share.objects.filter(object_uid__in=list(uids))
        .select_related("peer", "shared_by")
        .order_by("peer__node_id", "object_type", "shared_at")
    )


def envelopes_about(uids: Iterable[Any]) -> QuerySet[OutboxEnvelope]:
    """Every envelope sent (or waiting) about these records, newest first."""
    return (
        OutboxEnvelope.objects.filter(object_uid__in=[str(u) for u in uids])
        .select_related("peer")
        .order_by("-created_at", "-pk")
    )


def outbox(*, partner: str = "", state: str = "") -> QuerySet[OutboxEnvelope]:
    """The outbox, filtered by partner and state, in sending order (per partner, by seq)."""
    rows = OutboxEnvelope.objects.select_related("peer").order_by("peer__node_id", "seq")
    if partner:
        rows = rows.filter(peer__node_id=partner)
    if state:
        rows = rows.filter(state=state)
    return rows


def envelope_summary(row: OutboxEnvelope) -> dict[str, Any]:
    """An envelope's delivery state, without its payload."""
    return {
        "partner": row.peer.node_id,
        "envelope": row.envelope_id,
        "seq": row.seq,
        "type": row.message_type,
        "uid": row.object_uid,
        "version": row.object_version,
        "handling": row.handling,
        "state": row.state,
        "attempts": row.attempts,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
        "receipt_status": row.receipt_status,
        "reason": row.reason,
        "detail": row.detail,
    }


def share_summary(share: Share) -> dict[str, Any]:
    return {
        "partner": share.peer.node_id,
        "object_type": share.object_type,
        "uid": share.object_uid,
        "shared_at": share.shared_at,
        "shared_by": share.shared_by.get_username() if share.shared_by else None,
    }

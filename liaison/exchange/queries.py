"""Reads of the exchange state: `liaison peers list`, the administrators' page, the API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer, Share
from liaison.exchange.protocol import Reason


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


# Partners named by their service, and the share status of records (the "Sharing" panel of
# record pages, `GET /api/v1/persons/{uid}/shares`). Record-type agnostic: callers pass
# (object type, uid) pairs of records the user may see; this reads only exchange rows.


def service_names() -> dict[str, str]:
    """Each node id → its service's name (the agency; the node id if none is known),
    this node's own included. One query: call it once per page, not per row."""
    names = {
        node_id: agency or node_id
        for node_id, agency in Peer.objects.values_list("node_id", "agency")
    }
    names[settings.NODE_ID] = settings.NODE_AGENCY or settings.NODE_ID
    return names


def service_name(node_id: str, names: dict[str, str] | None = None) -> str:
    """A partner's service name; `names` from `service_names()` saves the query."""
    if names is None:
        names = service_names()
    return names.get(node_id, node_id)


# What a partner's refusal means, in words an officer can act on (Reason codes).
REFUSAL_WORDS: dict[str, Promise] = {
    Reason.TOO_LARGE: _("the record was too large for the partner to receive"),
    Reason.LENGTH_REQUIRED: _("the partner's server refused the message's form"),
    Reason.MALFORMED: _("the partner could not read the message"),
    Reason.UNKNOWN_SENDER: _("the partner does not know this node (it is not pinned there)"),
    Reason.BAD_SIGNATURE: _("the partner could not verify this node's signature (keys differ)"),
    Reason.UNSUPPORTED_VERSION: _("the partner runs another version of the protocol"),
    Reason.WRONG_RECIPIENT: _("the message was addressed to another node"),
    Reason.CLOCK_SKEW: _("the two nodes' clocks differ by more than five minutes"),
    Reason.UNKNOWN_TYPE: _("the partner does not accept this kind of record"),
    Reason.BAD_SCHEMA: _("the partner found a field of the record invalid"),
    Reason.NOT_OWNER: _("the partner holds this record as another service's, or owns it"),
    Reason.UNKNOWN_REFERENCE: _(
        "the partner does not hold the record this one belongs to (share that one first)"
    ),
    Reason.NOT_ACCEPTED: _("the partner did not accept the record"),
    Reason.INTERNAL: _("the partner had an internal error"),
}


def refusal_words(reason: str) -> str:
    """A partner's refusal reason in the user's language."""
    words = REFUSAL_WORDS.get(reason)
    if words is None:
        return gettext("refused by the partner (%(reason)s)") % {"reason": reason or "?"}
    return str(words)


class ShareState(StrEnum):
    """Where a record stands with one partner, as the pages say it."""

    QUEUED = "queued"  # the latest version waits for delivery
    DELIVERED = "delivered"  # the latest version sent is acknowledged
    REFUSED = "refused"  # the partner refused the latest version (with a reason)
    SET_ASIDE = "set_aside"  # failed too often: waits for an administrator
    DROPPED = "dropped"  # given up by an administrator
    WITHDRAWN = "withdrawn"  # the partner was told to delete its copy (or it went with its parent)


_ENVELOPE_STATE = {
    OutboxState.PENDING: ShareState.QUEUED,
    OutboxState.DELIVERED: ShareState.DELIVERED,
    OutboxState.REJECTED: ShareState.REFUSED,
    OutboxState.SET_ASIDE: ShareState.SET_ASIDE,
    OutboxState.DROPPED: ShareState.DROPPED,
}


@dataclass(frozen=True)
class Delivery:
    """One envelope about the record, as far as its delivery goes (never its payload)."""

    envelope: str
    version: int | None
    state: str  # OutboxState
    sent_by: str | None
    created_at: datetime
    delivered_at: datetime | None
    receipt_status: str
    reason: str
    detail: str

    @property
    def refusal(self) -> str:
        return refusal_words(self.reason) if self.state == OutboxState.REJECTED else ""


@dataclass(frozen=True)
class ShareStatus:
    """One record and one partner: to whom, by whom, since when, what arrived.

    `sends` are the upserts of the current share (the first, updates, shares again), oldest
    first; a share withdrawn and made again starts a new list. `withdrawal` is the withdraw
    envelope when the partner was told to delete its copy.
    """

    object_type: str
    uid: str
    partner: str
    service: str
    shared: bool  # the partner holds it now (as far as this node knows)
    sends: tuple[Delivery, ...]
    withdrawal: Delivery | None

    @property
    def first(self) -> Delivery | None:
        return self.sends[0] if self.sends else None

    @property
    def latest(self) -> Delivery | None:
        return self.sends[-1] if self.sends else None

    @property
    def delivered(self) -> Delivery | None:
        """The latest upsert the partner acknowledged (applied or duplicate)."""
        done = [s for s in self.sends if s.state == OutboxState.DELIVERED]
        return max(done, key=lambda s: s.version or 0) if done else None

    @property
    def shared_by(self) -> str | None:
        return self.first.sent_by if self.first else None

    @property
    def shared_at(self) -> datetime | None:
        return self.first.created_at if self.first else None

    @property
    def updates(self) -> int:
        """Envelopes sent after the first (updates and shares again)."""
        return max(0, len(self.sends) - 1)

    @property
    def updates_delivered(self) -> int:
        return sum(1 for s in self.sends[1:] if s.state == OutboxState.DELIVERED)

    @property
    def state(self) -> ShareState:
        if not self.shared:
            return ShareState.WITHDRAWN
        latest = self.latest
        return _ENVELOPE_STATE[OutboxState(latest.state)] if latest else ShareState.QUEUED

    def as_dict(self) -> dict[str, Any]:
        def delivery(d: Delivery | None) -> dict[str, Any] | None:
            if d is None:
                return None
            return {
                "envelope": d.envelope,
                "version": d.version,
                "state": d.state,
                "sent_by": d.sent_by,
                "created_at": d.created_at,
                "delivered_at": d.delivered_at,
                "receipt_status": d.receipt_status,
                "reason": d.reason,
                "refusal": d.refusal,
            }

        return {
            "partner": self.partner,
            "service": self.service,
            "object_type": self.object_type,
            "uid": self.uid,
            "state": self.state.value,
            "shared": self.shared,
            "shared_by": self.shared_by,
            "shared_at": self.shared_at,
            "sent": len(self.sends),
            "updates": self.updates,
            "updates_delivered": self.updates_delivered,
            "latest": delivery(self.latest),
            "delivered": delivery(self.delivered),
            "withdrawal": delivery(self.withdrawal),
        }


def share_status(records: Iterable[tuple[str, Any]]) -> list[ShareStatus]:
    """The share status of each (object type, uid) with each partner it went to: one row per
    record and partner, in the order of `records`, then by partner. Two queries, however
    many records, partners and envelopes. The caller passes only records the user may see.
    """
    from liaison.exchange.sharing import message_types

    wanted = {str(uid): object_type for object_type, uid in records}
    if not wanted:
        return []
    kinds = message_types()  # message type -> (record type, is a withdrawal)
    held = {
        (str(s.object_uid), s.peer.node_id)
        for s in Share.objects.filter(object_uid__in=list(wanted)).select_related("peer")
    }
    rows = (
        OutboxEnvelope.objects.filter(object_uid__in=list(wanted))
        .select_related("peer", "sent_by")
        .only(*_DELIVERY_FIELDS)
        .order_by("seq")
    )
    envelopes: dict[tuple[str, str], list[OutboxEnvelope]] = defaultdict(list)
    peers: dict[str, Peer] = {}
    for row in rows:
        kind = kinds.get(row.message_type)
        if kind is not None and kind[0] == wanted[row.object_uid]:
            envelopes[(row.object_uid, row.peer.node_id)].append(row)
            peers[row.peer.node_id] = row.peer
    order = {uid: index for index, uid in enumerate(wanted)}
    statuses = [
        _status(wanted[uid], uid, peers[node], sent, (uid, node) in held, kinds)
        for (uid, node), sent in envelopes.items()
    ]
    return sorted(statuses, key=lambda s: (order[s.uid], s.service.casefold(), s.partner))


_DELIVERY_FIELDS = [
    "envelope_id",
    "seq",
    "message_type",
    "object_uid",
    "object_version",
    "state",
    "created_at",
    "delivered_at",
    "receipt_status",
    "reason",
    "detail",
    "peer__node_id",
    "peer__agency",
    "sent_by__username",
]


def _status(
    object_type: str,
    uid: str,
    peer: Peer,
    rows: list[OutboxEnvelope],
    held: bool,
    kinds: dict[str, tuple[str, bool]],
) -> ShareStatus:
    # The current share: the upserts since the last withdrawal; if the last envelope is a
    # withdrawal, the share it ended.
    withdrawals = [i for i, row in enumerate(rows) if kinds[row.message_type][1]]
    withdrawal = None
    if withdrawals and withdrawals[-1] == len(rows) - 1:
        end = withdrawals[-1]
        start = withdrawals[-2] + 1 if len(withdrawals) > 1 else 0
        withdrawal = _delivery(rows[end])
        sends = rows[start:end]
    else:
        sends = rows[withdrawals[-1] + 1 :] if withdrawals else rows
    return ShareStatus(
        object_type=object_type,
        uid=uid,
        partner=peer.node_id,
        service=peer.agency or peer.node_id,
        # Without a share row and without a withdrawal of its own, it went with the record
        # it belongs to (a person withdrawn takes its warrants and alerts with it).
        shared=held and withdrawal is None,
        sends=tuple(_delivery(row) for row in sends),
        withdrawal=withdrawal,
    )


def _delivery(row: OutboxEnvelope) -> Delivery:
    return Delivery(
        envelope=str(row.envelope_id),
        version=row.object_version,
        state=row.state,
        sent_by=row.sent_by.get_username() if row.sent_by else None,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        receipt_status=row.receipt_status,
        reason=row.reason,
        detail=row.detail,
    )


_NAMES_ATTRIBUTE = "_liaison_service_names"


def service_names_for(holder: Any) -> dict[str, str]:
    """`service_names()`, read once per request (or template context) and kept on it."""
    names = getattr(holder, _NAMES_ATTRIBUTE, None) if holder is not None else None
    if names is None:
        names = service_names()
        if holder is not None:
            setattr(holder, _NAMES_ATTRIBUTE, names)
    return names


def share_outcome(previous: ShareStatus | None, service: str, version: int) -> str:
    """What sharing a record (at `version`) with a partner did, given its status before:
    a first share, or a share again that brings something new or nothing new."""
    if previous is None:
        return gettext("Shared with %(service)s: version %(version)d is queued for delivery.") % {
            "service": service,
            "version": version,
        }
    since = _when(previous.shared_at)
    had = previous.delivered
    if had is not None and had.version == version:
        return gettext(
            "Already shared with %(service)s since %(since)s, and it holds version %(version)d: "
            "nothing new; the same version was sent again."
        ) % {"service": service, "since": since, "version": version}
    if had is None:
        return gettext(
            "Already shared with %(service)s since %(since)s, but nothing was delivered yet: "
            "version %(version)d was sent again."
        ) % {"service": service, "since": since, "version": version}
    return gettext(
        "Already shared with %(service)s since %(since)s: re-sent; it will get version "
        "%(version)d (it holds version %(had)s)."
    ) % {"service": service, "since": since, "version": version, "had": had.version}


def _when(value: datetime | None) -> str:
    if value is None:
        return "?"
    return date_format(localtime(value), "Y-m-d H:i")

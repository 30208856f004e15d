"""Partners: pinning a partner node's key (operator commands). Atomic and audited.

Sharing records is in liaison/exchange/sharing.py (the contract record types plug into).
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from liaison.audit.actions import log_event
from liaison.exchange import keys
from liaison.exchange.identity import PeerKeyError, fetch_document, pin_peer_key
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer
from liaison.exchange.rotation import forget_retired_keys
from liaison.exchange.sharing import ExchangeError

if TYPE_CHECKING:
    from liaison.accounts.models import Actor

# Partners (operator commands)


@transaction.atomic
def add_peer(
    *,
    node_id: str,
    url: str,
    fingerprint: str,
    public_key: str = "",
    agency: str = "",
    country: str = "",
) -> Peer:
    """Pin a partner's key by its fingerprint, fetched from its well-known document unless
    given (`public_key`, the JWK x, for partners not reachable from here yet). `agency` and
    `country` name its service on the pages (the well-known document's, when fetched)."""
    fingerprint = keys.normalise_fingerprint(fingerprint)
    peer = Peer.objects.filter(node_id=node_id).first() or Peer(node_id=node_id)
    if peer.pk and peer.fingerprint != fingerprint:
        raise ExchangeError(
            f"{node_id} is pinned with another fingerprint ({peer.fingerprint}); "
            "remove it first if its key really changed."
        )
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise ExchangeError(f"--country {country!r}: give an ISO 3166 alpha-2 code (e.g. FR).")
    peer.url, peer.fingerprint = url.rstrip("/"), fingerprint
    peer.agency = agency.strip()[:200] or peer.agency
    peer.country = country or peer.country
    try:
        document = (
            {"node_id": node_id, "public_key": {"x": public_key}}
            if public_key
            else fetch_document(peer.url)
        )
        pin_peer_key(peer, document)
    except PeerKeyError as error:
        if public_key or "fingerprint" in str(error) or "is node" in str(error):
            raise ExchangeError(str(error)) from error
        peer.public_key = ""  # unreachable now: fetched and checked at first contact
    peer.next_attempt_at = None
    peer.save()
    log_event(
        action="admin",
        peer_node=node_id,
        object_type="peer",
        object_id=node_id,
        detail={"pinned": fingerprint, "url": peer.url, "key_known": bool(peer.public_key)},
    )
    return peer


@transaction.atomic
def repin_peer(*, node_id: str, fingerprint: str, public_key: str = "") -> Peer:
    """Pin another key for a partner whose key was compromised or lost, after its operators
    confirmed the new fingerprint out of band. No grace for the key it replaces: from now
    on only the new key is accepted. The key is fetched, given (`public_key`), or fetched
    at first contact; it is kept only if its fingerprint is the one given."""
    fingerprint = keys.normalise_fingerprint(fingerprint)
    peer = Peer.objects.select_for_update().filter(node_id=node_id).first()
    if peer is None:
        raise ExchangeError(f"No partner node {node_id!r}: `peers add` pins a new partner.")
    if fingerprint == peer.fingerprint:
        raise ExchangeError(f"{node_id} is pinned with {fingerprint} already.")
    previous = peer.fingerprint
    peer.fingerprint, peer.public_key = fingerprint, ""
    try:
        document = (
            {"node_id": node_id, "public_key": {"x": public_key}}
            if public_key
            else fetch_document(peer.url)
        )
        pin_peer_key(peer, document)
    except PeerKeyError as error:
        if public_key or "fingerprint" in str(error) or "is node" in str(error):
            raise ExchangeError(str(error)) from error
    forgotten = forget_retired_keys(peer)
    peer.next_attempt_at, peer.failures = None, 0
    peer.save()
    log_event(
        action="admin",
        peer_node=node_id,
        object_type="peer",
        object_id=node_id,
        origin="cli",
        detail={
            "status": "repinned",
            "previous": previous,
            "pinned": fingerprint,
            "key_known": bool(peer.public_key),
            "retired_forgotten": forgotten,
        },
    )
    return peer


# Envelopes set aside by the worker (administrators)


@transaction.atomic
def retry_envelopes(*, node_id: str, envelope: str = "", actor: Actor | None = None) -> int:
    """Put a set-aside envelope (its id or seq; all of the partner's when empty) back in the
    queue, in its place (its seq): the worker sends it next. How many were put back."""
    rows = _set_aside(node_id, envelope)
    for row in rows:
        _log_admin(row, node_id, "retried", actor)
    return OutboxEnvelope.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=OutboxState.PENDING, failures=0, detail=""
    )


@transaction.atomic
def drop_envelopes(*, node_id: str, envelope: str, actor: Actor | None = None) -> int:
    """Give up a set-aside envelope: it stays on record (dropped), never sent."""
    if not envelope:
        raise ExchangeError("Name the envelope to drop (its id or seq).")
    rows = _set_aside(node_id, envelope)
    for row in rows:
        _log_admin(row, node_id, "dropped", actor)
    return OutboxEnvelope.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=OutboxState.DROPPED
    )


def _set_aside(node_id: str, envelope: str) -> list[OutboxEnvelope]:
    if not Peer.objects.filter(node_id=node_id).exists():
        raise ExchangeError(f"No partner node {node_id!r}.")
    rows = OutboxEnvelope.objects.select_for_update().filter(
        peer__node_id=node_id, state=OutboxState.SET_ASIDE
    )
    if envelope:
        rows = rows.filter(_envelope_is(envelope))
        if not rows.exists():
            raise ExchangeError(f"No envelope {envelope!r} set aside for {node_id}.")
    return list(rows.order_by("seq"))


def _envelope_is(envelope: str) -> Q:
    if envelope.isdigit():
        return Q(seq=int(envelope))
    try:
        return Q(envelope_id=uuid.UUID(envelope))
    except ValueError:
        raise ExchangeError(f"{envelope!r} is neither an envelope id nor a seq number.") from None


def _log_admin(row: OutboxEnvelope, node_id: str, what: str, actor: Actor | None) -> None:
    log_event(
        action="admin",
        actor=actor,
        peer_node=node_id,
        object_type="envelope",
        object_id=str(row.envelope_id),
        origin="cli" if actor is None else None,
        detail={"status": what, "seq": row.seq, "type": row.message_type, "object": row.object_uid},
    )

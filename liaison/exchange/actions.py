"""Partners: pinning a partner node's key (operator commands). Atomic and audited.

Sharing records is in liaison/exchange/sharing.py (the contract record types plug into).
"""

from __future__ import annotations

from django.db import transaction

from liaison.audit.actions import log_event
from liaison.exchange import keys
from liaison.exchange.identity import PeerKeyError, fetch_document, pin_peer_key
from liaison.exchange.models import Peer
from liaison.exchange.sharing import ExchangeError

# Partners (operator commands)


@transaction.atomic
def add_peer(*, node_id: str, url: str, fingerprint: str, public_key: str = "") -> Peer:
    """Pin a partner's key by its fingerprint, fetched from its well-known document unless
    given (`public_key`, the JWK x, for partners not reachable from here yet)."""
    fingerprint = keys.normalise_fingerprint(fingerprint)
    peer = Peer.objects.filter(node_id=node_id).first() or Peer(node_id=node_id)
    if peer.pk and peer.fingerprint != fingerprint:
        raise ExchangeError(
            f"{node_id} is pinned with another fingerprint ({peer.fingerprint}); "
            "remove it first if its key really changed."
        )
    peer.url, peer.fingerprint = url.rstrip("/"), fingerprint
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

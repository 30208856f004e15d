"""This node's signing key and public identity, and partners' pinned keys."""

from __future__ import annotations

import json
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from joserfc.jwk import OKPKey

from liaison.exchange import keys
from liaison.exchange.models import Peer
from liaison.exchange.protocol import ALGORITHM, PROTOCOL_VERSION

WELL_KNOWN_PATH = "/.well-known/liaison-node"
FETCH_TIMEOUT_SECONDS = 5


class PeerKeyError(Exception):
    """A partner's published key cannot be fetched, or does not match the pinned fingerprint."""


@cache
def _load(data_dir: Path) -> OKPKey:
    return keys.load_key(data_dir)


def node_key() -> OKPKey:
    """This node's private key (read once per process)."""
    return _load(Path(settings.DATA_DIR))


def node_document() -> dict[str, Any]:
    """What /.well-known/liaison-node publishes."""
    key = node_key()
    return {
        "node_id": settings.NODE_ID,
        "agency": settings.NODE_AGENCY,
        "country": settings.NODE_COUNTRY,
        "protocol_version": PROTOCOL_VERSION,
        "algorithm": ALGORITHM,
        "public_key": keys.public_jwk(key),
        "fingerprint": keys.fingerprint(key),
        "endpoints": {
            "envelopes": "/federation/v1/envelopes",
            "batches": "/federation/v1/batches",
            "queries": "/federation/v1/queries",
        },
    }


def peer_key(peer: Peer) -> OKPKey:
    """The partner's pinned key, fetched from its well-known document on first need."""
    if not peer.public_key:
        pin_peer_key(peer, fetch_document(peer.url))
    return _peer_key_from_x(peer.public_key)


@cache
def _peer_key_from_x(x: str) -> OKPKey:
    return keys.public_key_from_x(x)


def fetch_document(url: str) -> dict[str, Any]:
    target = url.rstrip("/") + WELL_KNOWN_PATH
    if not target.startswith(("http://", "https://")):
        raise PeerKeyError(f"{url} is not an http(s) URL.")
    try:
        with urllib.request.urlopen(target, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            document = json.loads(response.read(64 * 1024))
    except (OSError, ValueError) as error:
        raise PeerKeyError(f"{target}: {error}") from error
    if not isinstance(document, dict):
        raise PeerKeyError(f"{target} is not a node document.")
    return document


def pin_peer_key(peer: Peer, document: dict[str, Any]) -> None:
    """Keep the key from `document` if it is the partner's and matches the pinned fingerprint."""
    try:
        x = str(document["public_key"]["x"])
        key = keys.public_key_from_x(x)
    except (KeyError, TypeError, ValueError) as error:
        raise PeerKeyError(f"{peer.node_id}: no usable public key ({error}).") from error
    if document.get("node_id") != peer.node_id:
        raise PeerKeyError(f"{peer.url} is node {document.get('node_id')!r}, not {peer.node_id}.")
    if keys.fingerprint(key) != peer.fingerprint:
        raise PeerKeyError(
            f"{peer.node_id}: its key has fingerprint {keys.fingerprint(key)}, but "
            f"{peer.fingerprint} is pinned. Check with the partner's operators."
        )
    peer.public_key = x
    # A key pinned offline comes without the service's name: keep the one the operator gave.
    peer.agency = str(document.get("agency") or peer.agency)[:200]
    peer.country = str(document.get("country") or peer.country)[:2]
    if peer.pk:
        peer.save(update_fields=["public_key", "agency", "country"])

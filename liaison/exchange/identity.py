"""This node's signing key and public identity, and partners' pinned keys."""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from joserfc.jwk import OKPKey

from liaison.exchange import keys
from liaison.exchange.models import Peer, RetiredPeerKey
from liaison.exchange.protocol import ALGORITHM, NODE_ID, PROTOCOL_VERSION

WELL_KNOWN_PATH = "/.well-known/liaison-node"
FETCH_TIMEOUT_SECONDS = 5

logger = logging.getLogger("liaison.exchange.identity")


class PeerKeyError(Exception):
    """A partner's published key cannot be fetched, or does not match the pinned fingerprint."""


@cache
def _load(data_dir: Path, version: tuple[int, int]) -> OKPKey:
    return keys.load_key(data_dir)


def node_key() -> OKPKey:
    """This node's current private key: read again when its file changes (`keys rotate`
    replaces it while the node runs), else once per process."""
    data_dir = Path(settings.DATA_DIR)
    try:
        stat = keys.key_path(data_dir).stat()
    except OSError:
        return keys.load_key(data_dir)  # says what is wrong
    return _load(data_dir, (stat.st_ino, stat.st_mtime_ns))


@cache
def _retired(data_dir: Path, fp: str) -> OKPKey | None:
    return keys.load_retired(data_dir, fp)


def own_key(fp: str) -> OKPKey | None:
    """This node's key of fingerprint `fp`: the current one, or a retired one still kept."""
    current = node_key()
    if fp == keys.fingerprint(current):
        return current
    return _retired(Path(settings.DATA_DIR), fp)


def signing_key(peer: Peer | None) -> OKPKey:
    """The key to sign with for `peer`: the one it knows (a retired key until it has
    acknowledged our rotation), else the current key."""
    if peer is None or not peer.our_key:
        return node_key()
    key = own_key(peer.our_key)
    if key is None:
        logger.warning(
            "%s knows key %s, whose file is gone: signing with the current key",
            peer.node_id,
            peer.our_key,
        )
        return node_key()
    return key


def signing_key_for(node_id: object) -> OKPKey:
    """`signing_key` of the partner named `node_id` (an unverified claim: any string). The
    partner is looked up only while this node keeps a retired key (during a rotation)."""
    data_dir = Path(settings.DATA_DIR)
    if not isinstance(node_id, str) or not re.fullmatch(NODE_ID, node_id):
        return node_key()
    if not _retired_files(data_dir, data_dir.stat().st_mtime_ns):
        return node_key()
    return signing_key(Peer.objects.filter(node_id=node_id).first())


@cache
def _retired_files(data_dir: Path, version: int) -> bool:
    return bool(keys.retired_fingerprints(data_dir))


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
    try:
        return keys.public_key_from_x(x)
    except ValueError as error:  # a stored key edited to garbage: not a usable partner
        raise PeerKeyError(f"the pinned key is not an Ed25519 public key: {error}") from error


def accepted_keys(peer: Peer) -> list[OKPKey]:
    """The partner's pinned key, then the keys it retired whose grace period still runs."""
    now = timezone.now()
    if peer.retired_keys_until is None or peer.retired_keys_until <= now:
        return [peer_key(peer)]
    retired = RetiredPeerKey.objects.filter(peer=peer, accepted_until__gt=now)
    older = retired.order_by("-retired_at").values_list("public_key", flat=True)
    return [peer_key(peer), *(_peer_key_from_x(x) for x in older)]


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

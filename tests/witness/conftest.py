"""This node is `ma` (tests/settings.py) with its key in the test data directory; `fr` is a
pinned partner whose key the tests hold, so they can sign as `fr`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from joserfc.jwk import OKPKey

from liaison.exchange import keys
from liaison.exchange.models import Peer
from liaison.exchange.protocol import QUERY_TYP, envelope_claims, query_claims, sign, uuid7
from liaison.witness.heads import sign_head

FR = OKPKey.generate_key("Ed25519")
STRANGER = OKPKey.generate_key("Ed25519")
HASH = "ab" * 32


@pytest.fixture(autouse=True)
def node_key() -> None:
    keys.create_key(Path(settings.DATA_DIR))


@pytest.fixture
def fr(db: None) -> Peer:
    return pin("fr", FR)


def pin(node_id: str, key: OKPKey) -> Peer:
    return Peer.objects.create(
        node_id=node_id,
        url="http://127.0.0.1:9",
        fingerprint=keys.fingerprint(key),
        public_key=keys.public_jwk(key)["x"],
    )


def head_envelope(head: str, *, sender: str = "fr", key: OKPKey = FR, seq: int = 1) -> bytes:
    """An `audit.head` envelope from `sender` to this node, signed with `key`."""
    claims = envelope_claims(
        envelope_id=uuid7(),
        sender=sender,
        recipient=settings.NODE_ID,
        seq=seq,
        message_type="audit.head",
        handling="H0",
        obj={"head": head},
    )
    return sign(claims, key).encode()


def fr_head(seq: int = 5, digest: str = HASH, *, node: str = "fr", key: OKPKey = FR) -> str:
    return sign_head(node=node, seq=seq, digest=digest, key=key)


def heads_query(*, sender: str = "fr", key: OKPKey = FR, **extra: Any) -> bytes:
    claims = query_claims(
        sender=sender, recipient=settings.NODE_ID, query_type="audit.heads", obj={"after": 0}
    )
    return sign(claims | extra, key, typ=QUERY_TYP).encode()

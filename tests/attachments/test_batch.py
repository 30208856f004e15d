"""A partner's attachment arriving as the worker sends it: signed envelopes in one batch
on POST /federation/v1/batches, one receipt each, then the file shown."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from joserfc.jwk import OKPKey

from liaison.attachments import storage
from liaison.attachments.models import Attachment
from liaison.attachments.sharing import PART_BYTES, part_objects
from liaison.exchange import keys
from liaison.exchange.identity import node_key
from liaison.exchange.models import Peer
from liaison.exchange.protocol import (
    BATCH_MEDIA_TYPE,
    batch_body,
    envelope_claims,
    open_batch_receipts,
    open_receipt,
    sign,
    unverified_claims,
    uuid7,
)
from tests.assistance.conftest import PARTNER_REQUEST, partner_request
from tests.attachments.conftest import PDF

pytestmark = pytest.mark.django_db
FR = OKPKey.generate_key("Ed25519")
DATA = PDF + bytes(range(256)) * 2000  # four parts


@pytest.fixture
def fr_keyed() -> Peer:
    keys.create_key(Path(settings.DATA_DIR))
    return Peer.objects.create(
        node_id="fr",
        url="http://127.0.0.1:9",
        fingerprint=keys.fingerprint(FR),
        public_key=keys.public_jwk(FR)["x"],
    )


def _envelope(seq: int, kind: str, obj: dict[str, Any]) -> str:
    claims = envelope_claims(
        envelope_id=uuid7(),
        sender="fr",
        recipient="ma",
        seq=seq,
        message_type=kind,
        handling="H1",
        obj=obj,
    )
    return sign(claims, FR)


def test_an_attachment_in_one_batch_is_received_whole(fr_keyed: Peer) -> None:
    partner_request()
    uid = uuid.uuid4()
    announce = {
        "uid": str(uid),
        "owner": "fr",
        "version": 1,
        "handling_code": "H1",
        "review_date": None,
        "parent_type": "request",
        "parent": PARTNER_REQUEST,
        "file_name": "pv.pdf",
        "media_type": "application/pdf",
        "size": len(DATA),
        "sha256": storage.digest(DATA),
        "parts": -(-len(DATA) // PART_BYTES),
        "description": "",
        "uploaded_by_name": "lo-fr",
    }
    parts = part_objects(Attachment(uid=uid, owner_node="fr"), DATA)
    tokens = [_envelope(1, "attachment.upsert", announce)]
    tokens += [_envelope(2 + i, "attachment.part", p) for i, p in enumerate(parts)]
    response = Client().post(
        "/federation/v1/batches", batch_body(tokens), content_type=BATCH_MEDIA_TYPE
    )
    receipts = [open_receipt(r, node_key()) for r in open_batch_receipts(response.content)]
    assert [str(r.envelope) for r in receipts] == [unverified_claims(t)["id"] for t in tokens]
    assert [r.status for r in receipts] == ["applied"] * len(tokens), receipts
    row = Attachment.objects.get(uid=uid)
    assert row.complete and storage.read(row.sha256, row.size) == DATA

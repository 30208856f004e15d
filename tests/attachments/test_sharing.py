"""A partner's attachment received in parts: staged, assembled, checked, then shown; and
every way the envelopes are refused (read from the database and the store after)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import OKPKey

from liaison.accounts.models import User
from liaison.assistance.models import AssistanceRequest
from liaison.attachments import storage
from liaison.attachments.cleanup import sweep_store
from liaison.attachments.models import Attachment, StagedPart
from liaison.attachments.sharing import (
    PART_BYTES,
    AttachmentBody,
    PartBody,
    apply_attachment,
    apply_part,
    apply_withdraw,
    part_objects,
)
from liaison.exchange.models import Peer
from liaison.exchange.protocol import (
    MAX_ENVELOPE_BYTES,
    ProtocolError,
    Reason,
    envelope_claims,
    open_envelope,
    sign,
    uuid7,
)
from liaison.exchange.sharing import WithdrawBody
from tests.assistance.conftest import PARTNER_REQUEST, partner_request
from tests.attachments.conftest import PDF, files_in

pytestmark = pytest.mark.django_db
UID = "0193a4f2-1111-7abc-8def-000000000001"
DATA = PDF + bytes(range(256)) * 550  # about 140 KB: three parts


def _announce(sender: str = "fr", data: bytes = DATA, **extra: Any) -> Any:
    values = {
        "uid": UID,
        "owner": "fr",
        "version": 1,
        "handling_code": "H1",
        "parent_type": "request",
        "parent": PARTNER_REQUEST,
        "file_name": "pv.pdf",
        "media_type": "application/pdf",
        "size": len(data),
        "sha256": storage.digest(data),
        "parts": -(-len(data) // PART_BYTES),
        "uploaded_by_name": "lo-fr",
    }
    return apply_attachment(sender, AttachmentBody.model_validate(values | extra))


def _parts(data: bytes = DATA) -> list[PartBody]:
    source = Attachment(uid=UID, owner_node="fr")
    return [PartBody.model_validate(p) for p in part_objects(source, data)]


def _seen() -> tuple[list[tuple[Any, ...]], int]:
    rows = Attachment.objects.values_list("uid", "complete")
    return sorted((str(u), c) for u, c in rows), StagedPart.objects.count()


@pytest.fixture
def held(fr: Peer, liaison: User) -> AssistanceRequest:
    return partner_request()


def test_the_parts_make_the_file_and_only_then_is_it_shown(
    held: AssistanceRequest, store: Path
) -> None:
    assert _announce().effect == "created"
    parts = _parts()
    assert len(parts) == 3
    for part in parts[:-1]:
        apply_part("fr", part)
        assert not Attachment.objects.get(uid=UID).complete  # hidden until complete
    assert files_in(store) == []
    assert apply_part("fr", parts[-1]).effect == "complete"
    row = Attachment.objects.get(uid=UID)
    assert row.complete and row.owner_node == "fr" and row.received_at is not None
    assert storage.read(row.sha256, row.size) == DATA
    assert not StagedPart.objects.exists()


def test_a_part_sent_again_changes_nothing(held: AssistanceRequest) -> None:
    _announce()
    parts = _parts()
    apply_part("fr", parts[0])
    apply_part("fr", parts[0])  # resent with another envelope id
    assert StagedPart.objects.count() == 1
    for part in parts[1:]:
        apply_part("fr", part)
    assert apply_part("fr", parts[1]).effect == "unchanged"
    assert _announce().effect == "unchanged"


def test_a_part_of_an_attachment_not_announced_is_refused(held: AssistanceRequest) -> None:
    with pytest.raises(ProtocolError) as refused:
        apply_part("fr", _parts()[0])
    assert refused.value.reason == Reason.UNKNOWN_REFERENCE
    assert _seen() == ([], 0)


def test_an_attachment_of_a_record_not_held_here_is_refused(fr: Peer, db: None) -> None:
    with pytest.raises(ProtocolError) as refused:
        _announce()
    assert refused.value.reason == Reason.UNKNOWN_REFERENCE
    assert _seen() == ([], 0)


def test_a_node_that_does_not_own_the_attachment_is_refused(held: AssistanceRequest) -> None:
    Peer.objects.create(node_id="de", url="http://127.0.0.1:9", fingerprint="1" * 64)
    with pytest.raises(ProtocolError) as refused:
        _announce(sender="de")
    assert refused.value.reason == Reason.NOT_OWNER
    _announce()
    with pytest.raises(ProtocolError) as refused:
        apply_part("de", PartBody.model_validate(_parts()[0].model_dump() | {"owner": "de"}))
    assert refused.value.reason == Reason.NOT_OWNER
    assert _seen() == ([(UID, False)], 0)


def test_a_third_node_may_not_attach_to_a_request_between_two_others(
    held: AssistanceRequest,
) -> None:
    Peer.objects.create(node_id="de", url="http://127.0.0.1:9", fingerprint="1" * 64)
    with pytest.raises(ProtocolError) as refused:
        _announce(sender="de", owner="de")
    assert refused.value.reason == Reason.UNKNOWN_REFERENCE
    assert _seen() == ([], 0)


def test_parts_that_do_not_make_the_file_announced_are_refused(
    held: AssistanceRequest, store: Path
) -> None:
    other = DATA[:-1] + b"!"
    _announce()  # announces DATA's digest
    parts = _parts(other)
    for part in parts[:-1]:
        apply_part("fr", part)
    with pytest.raises(ProtocolError) as refused:
        apply_part("fr", parts[-1])
    assert refused.value.reason == Reason.NOT_ACCEPTED
    assert not Attachment.objects.get(uid=UID).complete and files_in(store) == []


def test_a_part_whose_bytes_do_not_match_its_digest_is_refused(held: AssistanceRequest) -> None:
    _announce()
    part = _parts()[0]
    forged = part.model_dump() | {"data": base64.b64encode(b"%PDF-forged").decode()}
    with pytest.raises(ProtocolError) as refused:
        apply_part("fr", PartBody.model_validate(forged))
    assert refused.value.reason == Reason.BAD_SCHEMA
    assert StagedPart.objects.count() == 0


def test_a_file_whose_content_is_not_the_type_announced_is_refused(
    held: AssistanceRequest, store: Path
) -> None:
    html = b"<html><script>alert(1)</script></html>"
    _announce(data=html)  # announced as a PDF
    with pytest.raises(ProtocolError) as refused:
        apply_part("fr", _parts(html)[0])
    assert refused.value.reason == Reason.NOT_ACCEPTED
    assert files_in(store) == []


def test_a_type_or_size_this_node_does_not_take_is_refused(
    held: AssistanceRequest, settings: Any
) -> None:
    with pytest.raises(ProtocolError) as refused:
        _announce(media_type="image/svg+xml")
    assert refused.value.reason == Reason.NOT_ACCEPTED
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ProtocolError) as refused:
        _announce()
    assert refused.value.reason == Reason.NOT_ACCEPTED
    assert _seen() == ([], 0)


def test_a_withdrawal_removes_the_copy_and_the_sweep_its_bytes(
    held: AssistanceRequest, store: Path
) -> None:
    _announce()
    for part in _parts():
        apply_part("fr", part)
    body = WithdrawBody(uid=UID, owner="fr", version=1, reason="erreur")
    assert apply_withdraw("fr", body).effect == "deleted"
    assert not Attachment.objects.exists()
    path = storage.path_for(storage.digest(DATA))
    past = path.stat().st_mtime - 120
    os.utime(path, (past, past))
    assert sweep_store() == 1 and files_in(store) == []
    assert apply_part("fr", _parts()[0]).effect == "absent"  # a late part is not an error


def test_the_parents_deletion_takes_its_attachments(held: AssistanceRequest) -> None:
    _announce()
    held.delete()
    assert not Attachment.objects.exists()


def test_the_largest_part_signed_fits_in_an_envelope(liaison: User, db: None) -> None:
    data = bytes(range(256)) * (PART_BYTES // 256)
    source = Attachment(uid=UID, owner_node="ma", size=len(data), sha256=storage.digest(data))
    (part,) = part_objects(source, data)
    claims = envelope_claims(
        envelope_id=uuid7(),
        sender="ma",
        recipient="fr",
        seq=2**62,
        message_type="attachment.part",
        handling="H2",
        obj=part,
    )
    key = OKPKey.generate_key("Ed25519")
    token = sign(claims, key)
    assert len(token) < MAX_ENVELOPE_BYTES
    assert open_envelope(token, lambda _node: key, me="fr").object == part  # as received

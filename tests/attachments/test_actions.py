"""Attaching files to a request for assistance and reading them back: what is refused
changes nothing (read from the database and the store after), what is stored is served
only while its bytes keep their digest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from liaison.accounts.models import User
from liaison.assistance.actions import take_step
from liaison.assistance.models import AssistanceRequest
from liaison.attachments import storage
from liaison.attachments.actions import (
    AttachmentError,
    DamagedFile,
    clean_name,
    read_attachment,
    remove_attachment,
    upload_attachment,
)
from liaison.attachments.cleanup import sweep_store
from liaison.attachments.models import Attachment
from liaison.attachments.parents import parent_named
from liaison.attachments.sharing import PART_BYTES
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope
from tests.attachments.conftest import PDF, files_in

pytestmark = pytest.mark.django_db


def _upload(actor: User, record: AssistanceRequest, data: bytes, **extra: Any) -> Attachment:
    values: dict[str, Any] = {"file_name": "rapport.pdf", "description": ""}
    return upload_attachment(
        actor=actor, parent=parent_named("request"), record=record, data=data, **values | extra
    )


def _state(store: Path) -> tuple[int, list[str], int, int]:
    """Rows, files, envelopes and audit entries of collection: what a refusal must not move."""
    collected = AuditEntry.objects.filter(action="collect", object_type="attachment").count()
    return Attachment.objects.count(), files_in(store), OutboxEnvelope.objects.count(), collected


def test_a_liaison_officer_attaches_a_pdf_and_it_goes_to_the_partner_in_parts(
    liaison: User, sent: AssistanceRequest, store: Path
) -> None:
    data = PDF + b"x" * (PART_BYTES + 10)  # two parts
    attachment = _upload(liaison, sent, data, description="Procès-verbal d'audition")
    row = Attachment.objects.get(uid=attachment.uid)
    assert (row.media_type, row.size, row.sha256) == (
        "application/pdf",
        len(data),
        storage.digest(data),
    )
    assert (row.parent_type, row.parent_uid, row.owner_node) == ("request", sent.uid, "ma")
    assert row.uploaded_by == liaison and row.complete
    assert (store / row.sha256[:2] / row.sha256).read_bytes() == data
    queued = list(OutboxEnvelope.objects.filter(object_uid=str(row.uid)).order_by("seq"))
    assert [e.message_type for e in queued] == [
        "attachment.upsert",
        "attachment.part",
        "attachment.part",
    ]
    assert all(e.peer.node_id == "fr" for e in queued)
    assert AuditEntry.objects.filter(action="collect", object_id=str(row.uid)).count() == 1
    assert AuditEntry.objects.filter(action="disclose", object_id=str(row.uid)).count() == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "vide.pdf", "empty"),
        (b"<html><script>alert(1)</script></html>", "rapport.pdf", "cannot be attached"),
        (b"MZ\x90\x00" + b"\x00" * 100, "photo.png", "cannot be attached"),
        (PDF + b"x" * 2048, "gros.pdf", "too large"),
    ],
)
def test_a_refused_file_stores_nothing_and_sends_nothing(
    liaison: User,
    sent: AssistanceRequest,
    store: Path,
    settings: Any,
    data: bytes,
    name: str,
    message: str,
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 2048
    before = _state(store)
    with pytest.raises(AttachmentError, match=message):
        _upload(liaison, sent, data, file_name=name)
    assert _state(store) == before


def test_a_user_who_may_not_act_on_the_request_is_refused_and_audited(
    officer: User, sent: AssistanceRequest, store: Path
) -> None:
    before = _state(store)
    with pytest.raises(PermissionDenied):
        _upload(officer, sent, PDF)
    assert _state(store) == before
    denied = AuditEntry.objects.get(action="permission_denied", object_type="attachment")
    assert denied.object_id == str(sent.uid)


def test_a_user_of_another_node_is_refused(
    make_user: Callable[..., User], partner_agency: Any, sent: AssistanceRequest, store: Path
) -> None:
    stranger = make_user("lo-fr", "liaison_officer", agency=partner_agency)
    before = _state(store)
    with pytest.raises(PermissionDenied):
        _upload(stranger, sent, PDF)
    assert _state(store) == before


def test_nothing_is_attached_to_a_closed_request(
    liaison: User, sent: AssistanceRequest, store: Path
) -> None:
    take_step(actor=liaison, record=sent, step="withdraw", note="Plus nécessaire.")
    sent.refresh_from_db()
    before = _state(store)
    with pytest.raises(AttachmentError, match="closed"):
        _upload(liaison, sent, PDF)
    assert _state(store) == before


def test_a_bad_description_is_refused_beside_its_field(
    liaison: User, sent: AssistanceRequest, store: Path
) -> None:
    before = _state(store)
    with pytest.raises(AttachmentError) as refused:
        _upload(liaison, sent, PDF, description="bad\x00text")
    assert refused.value.field == "description"
    assert _state(store) == before


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\rapport final.pdf", "rapport final.pdf"),
        ('a<b>:"c|?*.txt', "a_b___c___.txt"),
        ("\x00\x1f", "attachment"),
        ("facture\u202egpj.exe", "facturegpj.exe"),
        ("...", "attachment"),
        ("تقرير.pdf", "تقرير.pdf"),
        ("n" * 300 + ".pdf", "n" * 196 + ".pdf"),
    ],
)
def test_the_file_name_is_cleaned(given: str, kept: str) -> None:
    assert clean_name(given) == kept


def test_a_download_reads_the_bytes_and_is_audited_as_a_consultation(
    liaison: User, sent: AssistanceRequest
) -> None:
    attachment = _upload(liaison, sent, PDF)
    assert (
        read_attachment(
            actor=liaison, parent=parent_named("request"), record=sent, attachment=attachment
        )
        == PDF
    )
    consulted = AuditEntry.objects.get(action="consult", object_type="attachment")
    assert consulted.object_id == str(attachment.uid)


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_damaged_stored_file_is_never_served(
    liaison: User, sent: AssistanceRequest, store: Path, damage: str
) -> None:
    attachment = _upload(liaison, sent, PDF)
    path = store / attachment.sha256[:2] / attachment.sha256
    if damage == "changed":
        path.write_bytes(PDF.replace(b"Catalog", b"Catalug"))
    else:
        path.unlink()
    with pytest.raises(DamagedFile):
        read_attachment(
            actor=liaison, parent=parent_named("request"), record=sent, attachment=attachment
        )
    assert not AuditEntry.objects.filter(action="consult", object_type="attachment").exists()
    flagged = AuditEntry.objects.get(action="admin", object_type="attachment")
    assert flagged.detail["status"] == "damaged"


def test_the_same_bytes_are_stored_once_and_kept_while_one_holds_them(
    liaison: User, sent: AssistanceRequest, store: Path
) -> None:
    first = _upload(liaison, sent, PDF)
    _upload(liaison, sent, PDF, file_name="copie.pdf")
    assert files_in(store) == [first.sha256]
    assert sweep_store() == 0


def test_the_sweep_removes_bytes_no_attachment_holds(store: Path, db: None) -> None:
    orphan = storage.write(b"left by a rolled-back upload")
    path = storage.path_for(orphan)
    assert storage.sweep(set()) == 0  # a minute's grace: it may be an upload in progress
    assert storage.sweep(set(), now=path.stat().st_mtime + 61) == 1
    assert files_in(store) == []


def test_removing_an_attachment_tells_the_partner_and_is_audited(
    liaison: User, sent: AssistanceRequest
) -> None:
    attachment = _upload(liaison, sent, PDF)
    remove_attachment(
        actor=liaison, parent=parent_named("request"), record=sent, attachment=attachment
    )
    assert not Attachment.objects.exists()
    last = OutboxEnvelope.objects.order_by("-seq").first()
    assert last is not None and last.message_type == "attachment.withdraw"
    assert last.payload["object"]["uid"] == str(attachment.uid)
    erased = AuditEntry.objects.get(action="erase", object_type="attachment")
    assert erased.object_id == str(attachment.uid)


def test_a_partners_attachment_is_not_removed_here(
    liaison: User, sent: AssistanceRequest, store: Path
) -> None:
    theirs = _upload(liaison, sent, PDF)
    Attachment.objects.filter(pk=theirs.pk).update(owner_node="fr")
    theirs.refresh_from_db()
    before = _state(store)
    with pytest.raises(AttachmentError, match="Only the service"):
        remove_attachment(
            actor=liaison, parent=parent_named("request"), record=sent, attachment=theirs
        )
    assert _state(store) == before and Attachment.objects.filter(pk=theirs.pk).exists()

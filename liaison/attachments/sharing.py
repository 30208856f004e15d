"""Attachments in the sharing contract (liaison/exchange/sharing.py), in pieces: an
envelope is at most 256 KiB, an attachment up to LIAISON_ATTACHMENT_MAX_MB.

- `attachment.upsert`: the metadata (parent record, file name, media type, size, SHA-256,
  number of parts), first;
- `attachment.part`: one part of the bytes (`index` of `count`, base64, its own SHA-256),
  PART_BYTES (64 KiB) each, after it in the same partner's queue;
- `attachment.withdraw`: the owner deleted it; the partner deletes its copy.

The receiver stages the parts (StagedPart, in the transaction of each envelope), and when
the last is in, assembles them, checks size, digest and content type, stores the file and
only then shows the attachment. Registered from AttachmentsConfig.ready().
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
from typing import Any
from uuid import UUID

from django.conf import settings
from pydantic import Field

from liaison.attachments import sniff, storage
from liaison.attachments.cleanup import release_files
from liaison.attachments.models import Attachment, StagedPart
from liaison.attachments.parents import parent_type
from liaison.audit.actions import log_event
from liaison.core.field_rules import Line
from liaison.exchange import sharing
from liaison.exchange.outbox import enqueue
from liaison.exchange.protocol import MAX_COUNT, NODE_ID, ProtocolError, Reason
from liaison.exchange.receive import Applied, register
from liaison.exchange.sharing import RecordType, WithdrawBody, owned_by_sender
from liaison.records import (
    Body,
    Shared,
    existing_copy,
    finder,
    held_back,
    kept_local,
    received_fields,
    shared_fields,
    superseded,
)

logger = logging.getLogger("liaison.attachments")
OBJECT = "attachment"
PART = "attachment.part"
# 64 KiB of bytes is about 85 KiB in base64 and 114 KiB once signed: well under the
# envelope's 256 KiB, and many to a batch. tests/attachments/test_sharing.py signs the
# largest part and verifies it as a receiver does.
PART_BYTES = 64 * 1024
PART_BASE64 = 4 * math.ceil(PART_BYTES / 3)
SHA256 = r"^[0-9a-f]{64}$"


class AttachmentBody(Shared):
    parent_type: str = Field(pattern=r"^[a-z_]{1,32}$")
    parent: UUID
    file_name: Line = Field(min_length=1, max_length=200)
    media_type: str = Field(max_length=100)
    size: int = Field(ge=1, le=MAX_COUNT)
    sha256: str = Field(pattern=SHA256)
    parts: int = Field(ge=1, le=MAX_COUNT)
    description: Line = Field("", max_length=500)
    uploaded_by_name: Line = Field("", max_length=200)


class PartBody(Body):
    uid: UUID  # the attachment's
    owner: str = Field(pattern=NODE_ID)
    index: int = Field(ge=0, le=MAX_COUNT)
    count: int = Field(ge=1, le=MAX_COUNT)
    sha256: str = Field(pattern=SHA256)
    data: str = Field(min_length=1, max_length=PART_BASE64)


def attachment_object(attachment: Attachment) -> dict[str, Any]:
    body = AttachmentBody(
        **shared_fields(attachment),
        parent_type=attachment.parent_type,
        parent=attachment.parent_uid,
        file_name=attachment.file_name,
        media_type=attachment.media_type,
        size=attachment.size,
        sha256=attachment.sha256,
        parts=part_count(attachment.size),
        description=attachment.description,
        uploaded_by_name=attachment.uploaded_by_name,
    )
    return body.model_dump(mode="json")


def part_count(size: int) -> int:
    return max(1, math.ceil(size / PART_BYTES))


def part_objects(attachment: Attachment, data: bytes) -> list[dict[str, Any]]:
    count = part_count(len(data))
    chunks = [data[i * PART_BYTES : (i + 1) * PART_BYTES] for i in range(count)]
    return [
        PartBody(
            uid=attachment.uid,
            owner=attachment.owner_node,
            index=index,
            count=count,
            sha256=storage.digest(chunk),
            data=base64.b64encode(chunk).decode("ascii"),
        ).model_dump(mode="json")
        for index, chunk in enumerate(chunks)
    ]


# Sending (inside the upload's transaction)


def send_attachment(
    attachment: Attachment, data: bytes, nodes: list[str], *, actor: Any
) -> list[str]:
    """Queue the metadata then every part for each partner; returns the partners told.
    An H3 or flagged attachment stays here."""
    if kept_local(attachment) or not nodes:
        return []
    handling = sharing.envelope_handling(attachment)
    parts = part_objects(attachment, data)
    told = []
    for node in sorted(set(nodes) - {settings.NODE_ID}):
        peer = sharing.peer_for(node)
        first = enqueue(
            peer,
            f"{OBJECT}.upsert",
            attachment_object(attachment),
            handling=handling,
            sent_by=actor,
        )
        for part in parts:
            enqueue(peer, PART, part, handling=handling, sent_by=actor)
        log_event(
            action="disclose",
            actor=actor,
            peer_node=node,
            object_type=OBJECT,
            object_id=str(attachment.uid),
            detail={
                "envelope": str(first.envelope_id),
                "type": first.message_type,
                "version": attachment.version,
                "handling": handling,
                "parts": len(parts),
            },
        )
        told.append(node)
    return told


def send_attached(kind: str, parent_uid: UUID, partner: str, *, actor: Any) -> int:
    """When a record is shared: the files this node attached to it before go after it, in
    the partner's queue (a file damaged on disk is left out, and logged). Returns how many."""
    rows = Attachment.objects.filter(
        parent_type=kind, parent_uid=parent_uid, owner_node=settings.NODE_ID
    ).order_by("created_at", "pk")
    sent = 0
    for row in rows:
        try:
            data = storage.read(row.sha256, row.size)
        except storage.StoredFileError as error:
            logger.error("%s %s: file %s not sent: %s", kind, parent_uid, row.uid, error)
            continue
        sent += len(send_attachment(row, data, [partner], actor=actor))
    return sent


def resend_attached(kind: str, record: Any, partner: str, actor: Any) -> int:
    """A record resent to a partner that lost its data (`peers resync`): the files this
    node attached to it go after it again (a partner still holding one answers "unchanged")."""
    if parent_type(kind) is None:
        return 0
    return send_attached(kind, record.uid, partner, actor=actor)


def withdraw_attachment(attachment: Attachment, nodes: list[str], *, reason: str) -> list[str]:
    """Tell the partners that received the attachment to delete their copy."""
    if kept_local(attachment):
        return []
    body = WithdrawBody(
        uid=attachment.uid,
        owner=attachment.owner_node,
        version=attachment.version,
        reason=reason[:300] or "removed",
    )
    handling = sharing.envelope_handling(attachment)
    told = []
    for node in sorted(set(nodes) - {settings.NODE_ID}):
        row = enqueue(
            sharing.peer_for(node),
            f"{OBJECT}.withdraw",
            body.model_dump(mode="json"),
            handling=handling,
        )
        log_event(
            action="disclose",
            peer_node=node,
            object_type=OBJECT,
            object_id=str(attachment.uid),
            detail={
                "envelope": str(row.envelope_id),
                "type": row.message_type,
                "reason": body.reason,
            },
        )
        told.append(node)
    return told


# Receiving


def _parent_held(sender: str, kind: str, uid: UUID) -> None:
    """The record the attachment belongs to is here, and the sender may attach to it."""
    parent = parent_type(kind)
    if parent is None:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"no record type {kind} takes files")
    record = parent.model._default_manager.filter(uid=uid).first()
    if record is None:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"{kind} {uid} is not held here")
    if not parent.accepts(record, sender):
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"{sender} takes no part in {kind} {uid}")


def apply_attachment(sender: str, body: AttachmentBody) -> Applied:
    """A partner's attachment announced: kept hidden until all its parts are in."""
    owned_by_sender(sender, body.owner)
    _parent_held(sender, body.parent_type, body.parent)
    if body.media_type not in sniff.ACCEPTED:
        raise ProtocolError(Reason.NOT_ACCEPTED, f"media type {body.media_type} not accepted")
    if body.size > settings.ATTACHMENT_MAX_BYTES:
        raise ProtocolError(Reason.NOT_ACCEPTED, f"{body.size} bytes is over this node's limit")
    if body.parts != part_count(body.size):
        raise ProtocolError(
            Reason.BAD_SCHEMA, f"{body.size} bytes come in {part_count(body.size)} parts"
        )
    record = existing_copy(Attachment, sender, body.uid)
    if superseded(record, body):
        return Applied("unchanged", OBJECT, str(body.uid), body.version)
    if record is not None:  # the bytes never change: only what describes them
        record.description, record.version = body.description, body.version
        record.save(update_fields=["description", "version", "updated_at"])
        return Applied("updated", OBJECT, str(body.uid), body.version)
    Attachment.objects.create(
        uid=body.uid,
        **received_fields(sender, body),
        parent_type=body.parent_type,
        parent_uid=body.parent,
        file_name=body.file_name,
        media_type=body.media_type,
        size=body.size,
        sha256=body.sha256,
        parts=body.parts,
        description=body.description,
        uploaded_by_name=body.uploaded_by_name,
        complete=False,
    )
    return Applied("created", OBJECT, str(body.uid), body.version)


def apply_part(sender: str, body: PartBody) -> Applied:
    """One part of a partner's attachment: staged; the last one makes the file."""
    owned_by_sender(sender, body.owner)
    attachment = existing_copy(Attachment, sender, body.uid)
    if attachment is None:
        if sharing.withdrawn(sender, body.uid, 1):
            return Applied("absent", OBJECT, str(body.uid))
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"attachment {body.uid} is not held here")
    _parent_held(sender, attachment.parent_type, attachment.parent_uid)
    if attachment.complete:
        return Applied("unchanged", OBJECT, str(body.uid), attachment.version)
    if body.count != attachment.parts or body.index >= attachment.parts:
        raise ProtocolError(
            Reason.BAD_SCHEMA, f"part {body.index} of {body.count}, not of {attachment.parts}"
        )
    StagedPart.objects.get_or_create(
        attachment=attachment, index=body.index, defaults={"data": _decoded(body)}
    )
    staged = StagedPart.objects.filter(attachment=attachment)
    if staged.count() < attachment.parts:
        return Applied(f"part {body.index + 1}/{body.count}", OBJECT, str(body.uid))
    _assemble(attachment, staged)
    return Applied("complete", OBJECT, str(body.uid), attachment.version)


def _decoded(body: PartBody) -> bytes:
    try:
        chunk = base64.b64decode(body.data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError(Reason.BAD_SCHEMA, f"part {body.index} is not base64") from None
    if len(chunk) > PART_BYTES or storage.digest(chunk) != body.sha256:
        raise ProtocolError(Reason.BAD_SCHEMA, f"part {body.index} does not match its SHA-256")
    return chunk


def _assemble(attachment: Attachment, staged: Any) -> None:
    data = b"".join(bytes(p.data) for p in staged.order_by("index"))
    if len(data) != attachment.size or storage.digest(data) != attachment.sha256:
        raise ProtocolError(Reason.NOT_ACCEPTED, "the parts do not make the file announced")
    if sniff.media_type(data) != attachment.media_type:
        raise ProtocolError(Reason.NOT_ACCEPTED, f"the file is not {attachment.media_type}")
    storage.write(data)
    staged.delete()
    attachment.complete = True
    attachment.save(update_fields=["complete", "updated_at"])


def apply_withdraw(sender: str, body: WithdrawBody) -> Applied:
    owned_by_sender(sender, body.owner)
    record = existing_copy(Attachment, sender, body.uid)
    sharing.bury(sender, OBJECT, body.uid, body.version)
    if record is None:
        return Applied("absent", OBJECT, str(body.uid), body.version)
    digest = record.sha256
    record.delete()
    release_files({digest})
    return Applied("deleted", OBJECT, str(body.uid), body.version)


def register_types() -> None:
    sharing.register_record_type(
        RecordType(
            name=OBJECT,
            body=AttachmentBody,
            serialise=attachment_object,
            apply=apply_attachment,
            find=finder(Attachment),
            refusal=held_back,
            withdraw=apply_withdraw,
            resync_order=50,
        )
    )
    register(PART, PartBody, apply_part)

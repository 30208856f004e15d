"""Every change to attachments, and every read of their bytes: permission-checked through
the parent record, audited, and sent to the partners that receive the parent, in the same
transaction (docs/assistance.md, "Attachments")."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor
from liaison.attachments import sniff, storage
from liaison.attachments.cleanup import release_files
from liaison.attachments.models import Attachment
from liaison.attachments.parents import ParentType
from liaison.attachments.sharing import send_attachment, withdraw_attachment
from liaison.audit.actions import log_event
from liaison.audit.choices import Action as Audited
from liaison.core.field_rules import FieldRuleError, line
from liaison.policy import atomic_action, authorise, effective_handling_code
from liaison.refusals import Refused

logger = logging.getLogger("liaison.attachments")
OBJECT = "attachment"
MAX_NAME = 200
_RESERVED = re.compile(r'[<>:"/\\|?*]')
# Control characters, and the bidirectional overrides that make "gpj.exe" read "exe.jpg".
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class AttachmentError(Refused):
    """An upload the rules refuse; `field` names the input it is about."""

    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(message)
        self.field = field


class DamagedFile(Exception):
    """The stored bytes of an attachment are missing or changed: never served."""


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_BYTES)


def too_large_message() -> str:
    return _("The file is too large: at most %(mb)d MB.") % {"mb": max_bytes() // 2**20}


def clean_name(name: str) -> str:
    """The file's own name, without any folder, control or reserved character, at most
    200 characters (its extension kept)."""
    base = unicodedata.normalize("NFC", re.split(r"[/\\]", name or "")[-1])
    base = _RESERVED.sub("_", _INVISIBLE.sub("", base)).strip(" .")
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        base = f"{(stem or base)[: MAX_NAME - len(ext) - 1]}.{ext}" if ext else base[:MAX_NAME]
    return base or "attachment"


def check_content(data: bytes) -> str:
    """The media type of `data` if it may be attached; AttachmentError otherwise."""
    if not data:
        raise AttachmentError(_("The file is empty."))
    if len(data) > max_bytes():
        raise AttachmentError(too_large_message())
    kind = sniff.media_type(data)
    if kind is None:
        raise AttachmentError(
            _(
                "This kind of file cannot be attached. Accepted: PDF, PNG, JPEG, plain text "
                "(UTF-8), and Word, Excel, PowerPoint or OpenDocument files without macros."
            )
        )
    return kind


def _description(value: str) -> str:
    value = value.strip()
    try:
        return line(value) if value else ""
    except FieldRuleError as error:
        raise AttachmentError(str(error), field="description") from None


@atomic_action
def upload_attachment(
    *,
    actor: Actor,
    parent: ParentType,
    record: Any,
    file_name: str,
    data: bytes,
    description: str = "",
    request: HttpRequest | None = None,
) -> Attachment:
    """Attach `data` to `record`: stored outside the database, then sent to the partners
    that receive the record."""
    user = authorise(actor, parent.upload_action, record, request=request, object_type=OBJECT)
    refusal = parent.upload_refusal(record)
    if refusal:
        raise AttachmentError(refusal, field="")
    kind = check_content(data)
    description = _description(description)
    attachment = Attachment(
        owner_node=settings.NODE_ID,
        handling_code=effective_handling_code(record),
        parent_type=parent.name,
        parent_uid=record.uid,
        file_name=clean_name(file_name),
        media_type=kind,
        size=len(data),
        sha256=storage.digest(data),
        description=description,
        created_by=user,
        uploaded_by=user,
        uploaded_by_name=user.get_username(),
    )
    storage.write(data)  # before the row commits: a row never lacks its file
    attachment.save()
    partners = send_attachment(attachment, data, parent.partners(record), actor=user)
    log_event(
        action=Audited.COLLECT,
        request=request,
        actor=user,
        object_type=OBJECT,
        object_id=str(attachment.uid),
        detail=_detail(attachment) | {"partners": partners},
    )
    return attachment


@atomic_action
def remove_attachment(
    *,
    actor: Actor,
    parent: ParentType,
    record: Any,
    attachment: Attachment,
    reason: str = "",
    request: HttpRequest | None = None,
) -> None:
    """Delete one of this node's attachments (who may attach files to the record may remove
    them); partners that received it delete their copy (`attachment.withdraw`)."""
    user = authorise(actor, parent.upload_action, record, request=request, object_type=OBJECT)
    if not attachment.is_local:
        raise AttachmentError(_("Only the service that attached a file may remove it."), field="")
    partners = withdraw_attachment(attachment, parent.partners(record), reason=reason)
    detail = _detail(attachment) | {"partners": partners}
    attachment.delete()
    release_files({attachment.sha256})
    log_event(
        action=Audited.ERASE,
        request=request,
        actor=user,
        object_type=OBJECT,
        object_id=str(attachment.uid),
        detail=detail,
    )


def _detail(attachment: Attachment) -> dict[str, Any]:
    return {
        "parent": f"{attachment.parent_type}:{attachment.parent_uid}",
        "file": attachment.file_name,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def read_attachment(
    *,
    actor: Actor,
    parent: ParentType,
    record: Any,
    attachment: Attachment,
    request: HttpRequest | None = None,
) -> bytes:
    """The attachment's bytes, for a user the caller found may see its parent; audited as
    a consultation. Refused (PermissionDenied, audited) while the parent's type says its
    files may not leave (`download_refusal`). Bytes that no longer match their digest are
    never returned: the problem is logged and audited, and DamagedFile raised."""

    def audit(action: str, detail: dict[str, Any]) -> None:
        with transaction.atomic():
            log_event(
                action=action,
                request=request,
                actor=actor,
                object_type=OBJECT,
                object_id=str(attachment.uid),
                detail=_detail(attachment) | detail,
            )

    why = parent.download_refusal(record)
    if why:
        audit(Audited.PERMISSION_DENIED, {"attempted": "download", "reason": why})
        raise PermissionDenied(why)
    try:
        data = storage.read(attachment.sha256, attachment.size)
    except storage.StoredFileError as error:
        logger.error("attachment %s: %s", attachment.uid, error)
        audit(Audited.ADMIN, {"status": "damaged", "problem": str(error)})
        raise DamagedFile(str(error)) from None
    audit(Audited.CONSULT, {})
    return data

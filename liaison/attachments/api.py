"""The attachment endpoints of a record type in the JSON API: list, upload, download under
`/api/v1/<resource>/{uid}/attachments`. A record type adds them to its router with
`add_attachment_routes(router, "request", "requests")`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from liaison.attachments import actions, sniff
from liaison.attachments.models import Attachment
from liaison.attachments.parents import ParentType, parent_named
from liaison.attachments.queries import attachments_of, get_attachment
from liaison.attachments.views import file_response
from liaison.core.api_errors import error_responses


class AttachmentOut(Schema):
    uid: UUID
    owner_node: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    description: str
    uploaded_by: str
    uploaded_at: datetime


def attachment_out(row: Attachment) -> dict[str, Any]:
    fields = ["uid", "owner_node", "file_name", "media_type", "size", "sha256", "description"]
    return {name: getattr(row, name) for name in fields} | {
        "uploaded_by": row.uploaded_by_name,
        "uploaded_at": row.created_at,
    }


_BINARY = {"schema": {"type": "string", "format": "binary"}}


def add_attachment_routes(router: Router, parent_name: str, resource: str) -> None:
    base = f"/{resource}/{{uid}}/attachments"

    def parent() -> ParentType:
        return parent_named(parent_name)  # registered by the record app's ready()

    @router.get(
        base,
        response={200: list[AttachmentOut], **error_responses(400, 401, 403, 404)},
        summary=f"List the attachments of a {parent_name}",
        operation_id=f"list_{parent_name}_attachments",
    )
    def list_attachments(request: HttpRequest, uid: UUID) -> Any:
        record = parent().get_for_user(request.user, uid)
        return [attachment_out(row) for row in attachments_of(parent(), record)]

    @router.post(
        base,
        response={201: AttachmentOut, **error_responses(400, 401, 403, 404, 413)},
        summary=f"Attach a file to a {parent_name} (multipart: file, description)",
        operation_id=f"upload_{parent_name}_attachment",
    )
    def upload_attachment(
        request: HttpRequest,
        uid: UUID,
        file: File[UploadedFile],
        description: Form[str] = "",
    ) -> Any:
        record = parent().get_for_user(request.user, uid)
        if file.size is not None and file.size > actions.max_bytes():
            raise HttpError(413, actions.too_large_message())
        row = actions.upload_attachment(
            actor=request.user,
            parent=parent(),
            record=record,
            file_name=file.name or "",
            data=file.read(),
            description=description,
            request=request,
        )
        return Status(201, attachment_out(row))

    @router.delete(
        f"{base}/{{attachment_uid}}",
        response={204: None, **error_responses(400, 401, 403, 404)},
        summary=f"Remove one of this node's attachments of a {parent_name} (partners too)",
        operation_id=f"remove_{parent_name}_attachment",
    )
    def remove_attachment(request: HttpRequest, uid: UUID, attachment_uid: UUID) -> Any:
        record = parent().get_for_user(request.user, uid)
        row = get_attachment(parent(), record, attachment_uid)
        actions.remove_attachment(
            actor=request.user, parent=parent(), record=record, attachment=row, request=request
        )
        return Status(204, None)

    @router.get(
        f"{base}/{{attachment_uid}}",
        response={200: None, **error_responses(400, 401, 403, 404, 500)},
        summary=f"Download an attachment of a {parent_name}",
        operation_id=f"download_{parent_name}_attachment",
        openapi_extra={
            "responses": {
                200: {
                    "description": "The file, as attached (Content-Disposition: attachment)",
                    # Served as its sniffed type, one of those an upload may have.
                    "content": {kind: _BINARY for kind in sniff.ACCEPTED},
                }
            }
        },
    )
    def download_attachment(request: HttpRequest, uid: UUID, attachment_uid: UUID) -> Any:
        record = parent().get_for_user(request.user, uid)
        row = get_attachment(parent(), record, attachment_uid)
        try:
            data = actions.read_attachment(
                actor=request.user, parent=parent(), record=record, attachment=row, request=request
            )
        except actions.DamagedFile:
            raise HttpError(
                500, _("The stored file is missing or damaged; the administrators were told.")
            ) from None
        return file_response(row, data)

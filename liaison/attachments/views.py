"""Attachment pages for any record type that takes files: the upload form's target and
the download. A record type plugs them in with `urls(parent_name)` in its urls.py and
shows `panel(...)` on its page (docs/assistance.md, "Attachments")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.attachments import actions
from liaison.attachments.forms import AttachmentForm
from liaison.attachments.models import Attachment
from liaison.attachments.parents import ParentType, parent_type
from liaison.attachments.queries import attachments_of, get_attachment
from liaison.policy import decide, require
from liaison.refusals import Refused

# The bytes are a document of their own, never a page of the site: nothing in it runs.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _parent(name: str) -> ParentType:
    parent = parent_type(name)
    if parent is None:
        raise Http404
    return parent


def panel(
    request: HttpRequest, parent: ParentType, record: Any, form: Any = None
) -> dict[str, Any]:
    """The context of the attachments panel (attachments/panel.html) on a record's page."""
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    rows = list(attachments_of(parent, record))
    may_remove = bool(decide(request.user, parent.upload_action, record))
    may_upload = may_remove and not parent.upload_refusal(record)
    return {
        "attachments": [
            (
                row,
                reverse(f"{namespace}:attachment", args=[record.uid, row.uid]),
                reverse(f"{namespace}:attachment_remove", args=[record.uid, row.uid])
                if may_remove and row.is_local
                else "",
            )
            for row in rows
        ],
        "attachment_form": (form or AttachmentForm()) if may_upload else None,
        "attachment_upload_url": reverse(f"{namespace}:attachment_upload", args=[record.uid]),
    }


@login_required
@require_POST
def upload(request: HttpRequest, uid: UUID, parent_name: str) -> HttpResponse:
    parent = _parent(parent_name)
    record = parent.get_for_user(request.user, uid)
    require(request, parent.upload_action, record, object_type=actions.OBJECT)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            if upload_file.size > actions.max_bytes():
                raise actions.AttachmentError(actions.too_large_message())
            actions.upload_attachment(
                actor=request.user,
                parent=parent,
                record=record,
                file_name=upload_file.name or "",
                data=upload_file.read(),
                description=form.cleaned_data["description"],
                request=request,
            )
        except actions.AttachmentError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("File attached."))
            return redirect(parent.url_name, uid=record.uid)
    context = {
        "record": record,
        "form": form,
        "record_url": reverse(parent.url_name, args=[record.uid]),
        "upload_url": request.path,
    }
    return render(request, "attachments/upload.html", context, status=400)


@login_required
def download(
    request: HttpRequest, uid: UUID, attachment_uid: UUID, parent_name: str
) -> HttpResponse:
    parent = _parent(parent_name)
    record = parent.get_for_user(request.user, uid)
    attachment = get_attachment(parent, record, attachment_uid)
    try:
        data = actions.read_attachment(
            actor=request.user, parent=parent, record=record, attachment=attachment, request=request
        )
    except PermissionDenied as error:  # audited: back to the record, which says why
        messages.error(request, str(error))
        return redirect(parent.url_name, uid=uid)
    except actions.DamagedFile:
        context = {"attachment": attachment, "record_url": reverse(parent.url_name, args=[uid])}
        return render(request, "attachments/damaged.html", context, status=500)
    return file_response(attachment, data)


@login_required
@require_POST
def remove(request: HttpRequest, uid: UUID, attachment_uid: UUID, parent_name: str) -> HttpResponse:
    parent = _parent(parent_name)
    record = parent.get_for_user(request.user, uid)
    attachment = get_attachment(parent, record, attachment_uid)
    try:
        actions.remove_attachment(
            actor=request.user, parent=parent, record=record, attachment=attachment, request=request
        )
    except Refused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Attachment removed."))
    return redirect(parent.url_name, uid=record.uid)


def file_response(attachment: Attachment, data: bytes) -> HttpResponse:
    """The bytes as a download, never shown inline nor sniffed, nothing in them run."""
    response = HttpResponse(data, content_type=attachment.media_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "private, no-store"
    return response


def urls(parent_name: str) -> list[URLPattern]:
    """The attachment routes under a record's page (`<uuid:uid>/attachments/…`)."""
    extra = {"parent_name": parent_name}
    return [
        path("<uuid:uid>/attachments/", upload, extra, name="attachment_upload"),
        path("<uuid:uid>/attachments/<uuid:attachment_uid>/", download, extra, name="attachment"),
        path(
            "<uuid:uid>/attachments/<uuid:attachment_uid>/remove/",
            remove,
            extra,
            name="attachment_remove",
        ),
    ]

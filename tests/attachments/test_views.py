"""The attachments of a request on its page and in the API: who sees, who uploads, what
a download carries; refusals change nothing (read from the database and the store)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liaison.accounts.models import User
from liaison.assistance.models import AssistanceRequest
from liaison.attachments.actions import upload_attachment
from liaison.attachments.models import Attachment
from liaison.attachments.parents import parent_named
from liaison.audit.models import AuditEntry
from liaison.core.server import body_limit
from tests.attachments.conftest import PDF, api, files_in

pytestmark = pytest.mark.django_db


def _attach(user: User, record: AssistanceRequest, data: bytes = PDF) -> Attachment:
    return upload_attachment(
        actor=user, parent=parent_named("request"), record=record, file_name="pv.pdf", data=data
    )


def _file(data: bytes, name: str = "pv.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _state(store: Path) -> tuple[int, list[str]]:
    return Attachment.objects.count(), files_in(store)


# Pages


def test_the_request_page_lists_attachments_and_offers_the_form(
    signed_in: Client, liaison: User, sent: AssistanceRequest
) -> None:
    attachment = _attach(liaison, sent)
    page = signed_in.get(f"/requests/{sent.uid}/").content.decode()
    assert f"/requests/{sent.uid}/attachments/{attachment.uid}/" in page
    assert 'enctype="multipart/form-data"' in page and "pv.pdf" in page


def test_a_read_only_colleague_sees_the_list_but_no_form(
    login: Callable[[User], Client], officer: User, liaison: User, sent: AssistanceRequest
) -> None:
    _attach(liaison, sent)
    page = login(officer).get(f"/requests/{sent.uid}/").content.decode()
    assert "pv.pdf" in page and 'enctype="multipart/form-data"' not in page


def test_a_file_is_attached_from_the_page(
    signed_in: Client, sent: AssistanceRequest, store: Path
) -> None:
    response = signed_in.post(
        f"/requests/{sent.uid}/attachments/", {"file": _file(PDF), "description": "PV"}
    )
    assert response.status_code == 302 and response["Location"] == f"/requests/{sent.uid}/"
    row = Attachment.objects.get()
    assert (row.file_name, row.description, files_in(store)) == ("pv.pdf", "PV", [row.sha256])


def test_a_refused_file_is_named_beside_the_field_and_nothing_is_kept(
    signed_in: Client, sent: AssistanceRequest, store: Path
) -> None:
    html = b"<html><script>alert(1)</script></html>"
    response = signed_in.post(f"/requests/{sent.uid}/attachments/", {"file": _file(html)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_file_error"' in page and "cannot be attached" in page
    assert _state(store) == (0, [])


def test_a_download_is_the_file_as_attached_never_run_and_audited(
    signed_in: Client, liaison: User, sent: AssistanceRequest
) -> None:
    attachment = _attach(liaison, sent)
    response = signed_in.get(f"/requests/{sent.uid}/attachments/{attachment.uid}/")
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="pv.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert AuditEntry.objects.filter(action="consult", object_id=str(attachment.uid)).count() == 1


def test_a_damaged_file_gives_a_clear_page_not_its_bytes(
    signed_in: Client, liaison: User, sent: AssistanceRequest, store: Path
) -> None:
    attachment = _attach(liaison, sent)
    (store / attachment.sha256[:2] / attachment.sha256).write_bytes(b"%PDF-1.7 other bytes")
    response = signed_in.get(f"/requests/{sent.uid}/attachments/{attachment.uid}/")
    assert response.status_code == 500
    assert b"other bytes" not in response.content and b'id="damaged"' in response.content


@pytest.mark.parametrize("role", ["auditor", "node_admin"])
def test_who_may_not_see_the_request_gets_404_and_nothing_changes(
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    liaison: User,
    sent: AssistanceRequest,
    store: Path,
    role: str,
) -> None:
    attachment = _attach(liaison, sent)
    client = login(make_user("someone", role))
    before = _state(store), AuditEntry.objects.filter(action="consult").count()
    base = f"/requests/{sent.uid}/attachments/"
    assert client.get(f"{base}{attachment.uid}/").status_code == 404
    assert client.post(base, {"file": _file(PDF + b"new")}).status_code == 404
    assert (_state(store), AuditEntry.objects.filter(action="consult").count()) == before


def test_a_read_only_colleague_may_not_upload(
    login: Callable[[User], Client], officer: User, sent: AssistanceRequest, store: Path
) -> None:
    response = login(officer).post(f"/requests/{sent.uid}/attachments/", {"file": _file(PDF)})
    assert response.status_code == 403
    assert _state(store) == (0, [])
    assert AuditEntry.objects.filter(action="permission_denied", object_type="attachment").exists()


def test_an_attachment_of_another_request_is_not_found(
    signed_in: Client, liaison: User, sent: AssistanceRequest
) -> None:
    attachment = _attach(liaison, sent)
    other = AssistanceRequest.objects.create(
        owner_node="ma",
        recipient_node="fr",
        request_type="information",
        subject="Autre",
        text="x",
        urgency="normal",
        requested_by_name="liaison",
    )
    assert signed_in.get(f"/requests/{other.uid}/attachments/{attachment.uid}/").status_code == 404


# API


def test_the_api_lists_uploads_and_downloads(
    liaison: User, sent: AssistanceRequest, store: Path
) -> None:
    client = api(liaison)
    base = f"/api/v1/requests/{sent.uid}/attachments"
    created = client.post(base, {"file": _file(PDF), "description": "PV"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["file_name"], body["media_type"], body["size"]) == (
        "pv.pdf",
        "application/pdf",
        len(PDF),
    )
    assert [row["uid"] for row in client.get(base).json()] == [body["uid"]]
    download = client.get(f"{base}/{body['uid']}")
    assert download.status_code == 200 and download.content == PDF
    assert download["X-Content-Type-Options"] == "nosniff"


def test_the_api_refuses_bad_files_and_strangers_and_keeps_nothing(
    liaison: User,
    officer: User,
    make_user: Callable[..., User],
    sent: AssistanceRequest,
    store: Path,
    settings: Any,
) -> None:
    base = f"/api/v1/requests/{sent.uid}/attachments"
    wrong = api(liaison).post(base, {"file": _file(b"MZ\x90\x00executable")})
    assert wrong.status_code == 400 and "cannot be attached" in wrong.json()["detail"]
    assert api(officer).post(base, {"file": _file(PDF)}).status_code == 403
    auditor = make_user("auditor", "auditor")
    assert api(auditor).get(base).status_code == 404
    assert api(auditor).post(base, {"file": _file(PDF)}).status_code == 404
    settings.ATTACHMENT_MAX_BYTES = 16  # refused before the action, as the server does
    assert api(liaison).post(base, {"file": _file(PDF)}).status_code == 413
    assert _state(store) == (0, [])


def test_the_openapi_document_has_the_attachment_operations(liaison: User) -> None:
    paths = api(liaison).get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/requests/{uid}/attachments"]) == {"get", "post"}
    assert set(paths["/api/v1/requests/{uid}/attachments/{attachment_uid}"]) == {"get", "delete"}


def test_the_upload_paths_take_a_file_up_to_the_attachment_limit(settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    uid = "6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01"
    for path in (f"/requests/{uid}/attachments/", f"/api/v1/requests/{uid}/attachments"):
        assert body_limit(path) == 10 * 1024 * 1024 + 64 * 1024
    assert body_limit(f"/requests/{uid}/") == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_the_request_page_costs_the_same_queries_with_more_attachments(
    signed_in: Client, liaison: User, sent: AssistanceRequest
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _attach(liaison, sent)
    with CaptureQueriesContext(connection) as one:
        signed_in.get(f"/requests/{sent.uid}/")
    for n in range(3):
        _attach(liaison, sent, PDF + str(n).encode())
    with CaptureQueriesContext(connection) as four:
        signed_in.get(f"/requests/{sent.uid}/")
    assert len(four) == len(one)


def test_an_attachment_is_removed_from_the_page_and_the_api(
    signed_in: Client, liaison: User, sent: AssistanceRequest
) -> None:
    first, second = _attach(liaison, sent), _attach(liaison, sent, PDF + b"2")
    page = signed_in.get(f"/requests/{sent.uid}/").content.decode()
    assert f"/requests/{sent.uid}/attachments/{first.uid}/remove/" in page
    response = signed_in.post(f"/requests/{sent.uid}/attachments/{first.uid}/remove/")
    assert response.status_code == 302
    deleted = api(liaison).delete(f"/api/v1/requests/{sent.uid}/attachments/{second.uid}")
    assert deleted.status_code == 204
    assert not Attachment.objects.exists()


def test_a_read_only_colleague_may_not_remove(
    login: Callable[[User], Client], officer: User, liaison: User, sent: AssistanceRequest
) -> None:
    attachment = _attach(liaison, sent)
    assert "/remove/" not in login(officer).get(f"/requests/{sent.uid}/").content.decode()
    url = f"/api/v1/requests/{sent.uid}/attachments/{attachment.uid}"
    assert api(officer).delete(url).status_code == 403
    assert Attachment.objects.filter(uid=attachment.uid).exists()

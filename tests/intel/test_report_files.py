"""A report's files (attachments): who lists, downloads, adds and removes them, and how
they go to the partners holding the report, never elsewhere (read from the database, the
store and the outbox after each step)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liaison.accounts.models import Agency, User
from liaison.attachments import storage
from liaison.attachments.actions import upload_attachment
from liaison.attachments.models import Attachment
from liaison.attachments.parents import parent_named
from liaison.attachments.sharing import part_objects
from liaison.audit.models import AuditEntry
from liaison.exchange import keys
from liaison.exchange.models import OutboxEnvelope
from liaison.intel.actions import create_report, share_report, update_report
from liaison.intel.models import Report
from tests.attachments.conftest import PDF, files_in
from tests.conftest import AUDIT_ENTRY_QUERIES
from tests.exchange.test_hostile import Partner
from tests.intel.conftest import partner_body, report_data
from tests.plan.conftest import api, deliver

pytestmark = pytest.mark.django_db
TEXT = b"Liste des camions\nTanger Med, 3 mars\n"


@pytest.fixture(autouse=True)
def store(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path / "attachments"


@pytest.fixture
def fr(settings: Any) -> Partner:
    """Partner fr, pinned here with a key of its own: its envelopes are signed for real."""
    keys.create_key(Path(settings.DATA_DIR))  # this node signs its receipts
    return Partner("fr")


@pytest.fixture
def liaison(make_user: Callable[..., User]) -> User:
    return make_user("liaison", "liaison_officer")


@pytest.fixture
def report(officer: User) -> Report:
    return create_report(actor=officer, data=report_data())


def _attach(user: User, report: Report, data: bytes = PDF) -> Attachment:
    return upload_attachment(
        actor=user, parent=parent_named("report"), record=report, file_name="photo.pdf", data=data
    )


def _file(data: bytes, name: str = "photo.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _state(store: Path) -> tuple[int, list[str]]:
    return Attachment.objects.count(), files_in(store)


def _age(store: Path) -> None:
    """The store's files older than the minute a fresh file is kept for (storage.py)."""
    for path in store.rglob("*"):
        if path.is_file():
            os.utime(path, (path.stat().st_atime, path.stat().st_mtime - 120))


def _kinds() -> list[str]:
    return list(OutboxEnvelope.objects.order_by("seq").values_list("message_type", flat=True))


def _open(client: Client, report: Report) -> Client:
    client.post(f"/intel/{report.uid}/purpose/", {"purpose": "Enquête conjointe 2026"})
    return client


def _reader(make_user: Callable[..., User]) -> User:
    """Sees reports, writes none (no role is so; a service may make one)."""
    group, _ = Group.objects.get_or_create(name="report reader")
    group.permissions.set(Permission.objects.filter(codename="view_records"))
    return make_user("reader", "report reader")


# Pages


def test_a_file_is_added_from_the_report_page_and_listed_there(
    login: Callable[[User], Client], officer: User, report: Report, store: Path
) -> None:
    client = _open(login(officer), report)
    base = f"/intel/{report.uid}/attachments/"
    response = client.post(base, {"file": _file(TEXT, "camions.txt"), "description": "Liste"})
    assert response.status_code == 302 and response["Location"] == f"/intel/{report.uid}/"
    row = Attachment.objects.get()
    assert (row.parent_type, row.parent_uid, row.media_type, row.handling_code) == (
        "report",
        report.uid,
        "text/plain",
        "H2",
    )
    assert files_in(store) == [row.sha256]
    page = client.get(f"/intel/{report.uid}/").content.decode()
    assert f"{base}{row.uid}/" in page and 'enctype="multipart/form-data"' in page
    assert f"{base}{row.uid}/remove/" in page


def test_a_download_asks_for_the_purpose_and_is_audited_as_a_consultation(
    login: Callable[[User], Client], officer: User, analyst: User, report: Report
) -> None:
    row = _attach(officer, report)
    client = login(analyst)
    url = f"/intel/{report.uid}/attachments/{row.uid}/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].endswith("/purpose/")
    assert not AuditEntry.objects.filter(action="consult", object_id=str(row.uid)).exists()
    response = _open(client, report).get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Disposition"] == 'attachment; filename="photo.pdf"'
    assert AuditEntry.objects.filter(action="consult", object_id=str(row.uid)).count() == 1


def test_a_reader_lists_and_downloads_but_may_neither_add_nor_remove(
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    officer: User,
    report: Report,
    store: Path,
) -> None:
    row = _attach(officer, report)
    before = _state(store)
    client = _open(login(_reader(make_user)), report)
    page = client.get(f"/intel/{report.uid}/").content.decode()
    assert "photo.pdf" in page and 'enctype="multipart/form-data"' not in page
    base = f"/intel/{report.uid}/attachments/"
    assert client.get(f"{base}{row.uid}/").content == PDF
    assert client.post(base, {"file": _file(PDF + b"more")}).status_code == 403
    client.post(f"{base}{row.uid}/remove/")
    assert _state(store) == before
    refused = AuditEntry.objects.filter(action="permission_denied", object_type="attachment")
    assert refused.count() == 2


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "x.html", "cannot be attached"),
        (PDF + b"x" * 2048, "big.pdf", "too large"),
    ],
)
def test_a_wrong_type_or_an_oversize_file_is_named_and_nothing_is_kept(
    login: Callable[[User], Client],
    officer: User,
    report: Report,
    store: Path,
    settings: Any,
    data: bytes,
    name: str,
    message: str,
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = _open(login(officer), report)
    response = client.post(f"/intel/{report.uid}/attachments/", {"file": _file(data, name)})
    assert response.status_code == 400 and message in response.content.decode()
    token = api(officer).post(f"/api/v1/reports/{report.uid}/attachments", {"file": _file(data)})
    assert token.status_code in (400, 413) and message in token.content.decode()
    assert _state(store) == (0, [])


@pytest.mark.parametrize("who", ["other agency", "unnamed officer", "auditor"])
def test_who_may_not_see_the_report_gets_404_and_nothing_changes(
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    supervisor: User,
    store: Path,
    who: str,
) -> None:
    code = "H3" if who == "unnamed officer" else "H2"
    report = create_report(actor=supervisor, data=report_data(handling_code=code))
    row = _attach(supervisor, report)
    if who == "other agency":
        other = Agency.objects.create(name="Other", country="FR", node_id="fr")
        user = make_user("x", "analyst", agency=other)
    else:
        user = make_user("x", "officer" if who == "unnamed officer" else "auditor")
    client = login(user)
    before = _state(store), AuditEntry.objects.filter(action="consult").count()
    base = f"/intel/{report.uid}/attachments/"
    assert client.get(f"{base}{row.uid}/").status_code == 404
    assert client.post(base, {"file": _file(PDF + b"new")}).status_code == 404
    assert client.post(f"{base}{row.uid}/remove/").status_code == 404
    token = api(user)
    api_base = f"/api/v1/reports/{report.uid}/attachments"
    assert token.get(api_base).status_code == 404
    assert token.get(f"{api_base}/{row.uid}").status_code == 404
    assert token.delete(f"{api_base}/{row.uid}").status_code == 404
    assert (_state(store), AuditEntry.objects.filter(action="consult").count()) == before


# API


def test_the_api_adds_lists_downloads_and_removes_a_report_file(
    officer: User,
    analyst: User,
    report: Report,
    store: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    base = f"/api/v1/reports/{report.uid}/attachments"
    created = api(officer).post(base, {"file": _file(PDF), "description": "Photo du camion"})
    assert created.status_code == 201, created.content
    uid = created.json()["uid"]
    reader = api(analyst)
    assert [row["uid"] for row in reader.get(base).json()] == [uid]
    assert reader.get(f"{base}/{uid}").content == PDF
    _age(store)
    with django_capture_on_commit_callbacks(execute=True):
        assert api(officer).delete(f"{base}/{uid}").status_code == 204
    assert _state(store) == (0, [])


# The partners


def test_a_file_follows_the_report_to_the_partner_holding_it_and_its_removal_too(
    officer: User,
    liaison: User,
    report: Report,
    fr: Partner,
    store: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    share_report(actor=liaison, report=report, partner="fr")
    row = _attach(officer, report)
    assert _kinds() == ["report.upsert", "attachment.upsert", "attachment.part"]
    sent = OutboxEnvelope.objects.get(message_type="attachment.upsert").payload["object"]
    assert (sent["parent_type"], sent["parent"], sent["sha256"]) == (
        "report",
        str(report.uid),
        row.sha256,
    )
    _age(store)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(officer).delete(f"/api/v1/reports/{report.uid}/attachments/{row.uid}")
    assert response.status_code == 204
    assert _kinds()[-1] == "attachment.withdraw" and _state(store) == (0, [])


def test_files_added_before_the_share_go_after_the_report(
    officer: User, liaison: User, report: Report, fr: Partner
) -> None:
    _attach(officer, report)
    assert _kinds() == []  # held by no partner yet
    share_report(actor=liaison, report=report, partner="fr")
    assert _kinds() == ["report.upsert", "attachment.upsert", "attachment.part"]


def test_a_file_never_goes_to_a_partner_no_longer_among_the_recipients(
    officer: User, liaison: User, report: Report, fr: Partner
) -> None:
    share_report(actor=liaison, report=report, partner="fr")
    update_report(actor=officer, report=report, data=report_data(recipients=["es"]))
    before = _kinds()
    _attach(officer, Report.objects.get(pk=report.pk))
    assert Attachment.objects.count() == 1
    assert "attachment.upsert" not in _kinds() and _kinds() == before


def _announce(report_uid: str, **extra: Any) -> dict[str, Any]:
    return {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H2",
        "parent_type": "report",
        "parent": report_uid,
        "file_name": "scellés.pdf",
        "media_type": "application/pdf",
        "size": len(PDF),
        "sha256": storage.digest(PDF),
        "parts": 1,
    } | extra


def _their_file(fr: Partner, body: dict[str, Any], **extra: Any) -> Attachment:
    """fr's report `body`, then a file of it, received through the real receiver."""
    assert deliver(fr, "report.upsert", body).status == "applied"
    announce = _announce(body["uid"], **extra)
    assert deliver(fr, "attachment.upsert", announce).status == "applied"
    [part] = part_objects(Attachment(uid=announce["uid"], owner_node="fr"), PDF)
    assert deliver(fr, "attachment.part", part).status == "applied"
    return Attachment.objects.get()


def test_a_file_of_the_partners_h2_report_leaves_only_with_its_export_consent(
    fr: Partner, analyst: User, liaison: User, login: Callable[[User], Client]
) -> None:
    """The report's JSON, STIX and FtM exports wait for the originator's consent under H2;
    its files would take the same out of Liaison."""
    from django.utils import timezone

    from liaison.intel.actions import request_consent

    body = partner_body()
    row = _their_file(fr, body)
    url = f"/api/v1/reports/{body['uid']}/attachments/{row.uid}"
    assert api(analyst).get(url).status_code == 403
    client = _open(login(analyst), Report.objects.get())
    page = client.get(f"/intel/{body['uid']}/attachments/{row.uid}/", follow=True)
    assert "consent" in page.content.decode() and page.content != PDF
    denied = AuditEntry.objects.filter(action="permission_denied", object_id=str(row.uid))
    assert denied.count() == 2
    assert not AuditEntry.objects.filter(action="consult", object_id=str(row.uid)).exists()
    asked = request_consent(
        actor=liaison, report=Report.objects.get(), kind="export", reason="Dossier du juge."
    )
    decision = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H2",
        "request": str(asked.uid),
        "granted": True,
        "reason": "Accordé.",
        "decided_by": "chef (Police nationale)",
        "decided_on": timezone.now().isoformat(),
    }
    receipt = deliver(fr, "consent.decision", decision)
    assert receipt.status == "applied", receipt
    assert api(analyst).get(url).content == PDF
    assert AuditEntry.objects.filter(action="consult", object_id=str(row.uid)).count() == 1


def test_the_originator_sends_its_report_files_here(
    fr: Partner, analyst: User, login: Callable[[User], Client], store: Path
) -> None:
    body = partner_body(handling_code="H1")  # H2: test_..._only_with_its_export_consent
    row = _their_file(fr, body, handling_code="H1")
    assert (row.complete, row.parent_uid, row.owner_node) == (True, uuid.UUID(body["uid"]), "fr")
    assert files_in(store) == [row.sha256]
    token = api(analyst)
    assert token.get(f"/api/v1/reports/{body['uid']}/attachments/{row.uid}").content == PDF
    # Our own analyst writes reports, but not the originator's.
    client = _open(login(analyst), Report.objects.get())
    refused = client.post(f"/intel/{body['uid']}/attachments/", {"file": _file(TEXT)})
    assert refused.status_code == 403
    assert Attachment.objects.count() == 1
    page = client.get(f"/intel/{body['uid']}/").content.decode()
    assert "scellés.pdf" in page and f"{row.uid}/remove/" not in page


def test_the_partner_may_not_attach_to_our_report_it_holds(
    report: Report, liaison: User, fr: Partner, store: Path
) -> None:
    share_report(actor=liaison, report=report, partner="fr")
    receipt = deliver(fr, "attachment.upsert", _announce(str(report.uid)))
    assert (receipt.status, receipt.reason) == ("rejected", "unknown_reference")
    assert _state(store) == (0, [])


def test_a_partner_that_is_not_the_originator_may_not_attach_to_its_report(
    fr: Partner, store: Path
) -> None:
    body = partner_body(owner="es")
    es = Partner("es")
    assert deliver(es, "report.upsert", body).status == "applied"
    receipt = deliver(fr, "attachment.upsert", _announce(body["uid"]))
    assert (receipt.status, receipt.reason) == ("rejected", "unknown_reference")
    assert _state(store) == (0, [])


OWN_REPORT_PAGE_QUERIES = 19 + AUDIT_ENTRY_QUERIES  # one entry: the consultation


def test_the_report_page_costs_a_fixed_number_of_queries_whatever_its_files(
    login: Callable[[User], Client],
    officer: User,
    report: Report,
    django_assert_num_queries: Any,
) -> None:
    client = _open(login(officer), report)
    client.get(f"/intel/{report.uid}/")  # the session's first page settles its own rows
    for n in (1, 3):
        for i in range(n):
            _attach(officer, report, PDF + f"{n}-{i}".encode())
        with django_assert_num_queries(OWN_REPORT_PAGE_QUERIES):
            assert client.get(f"/intel/{report.uid}/").status_code == 200


def _received_file(fr: Partner) -> tuple[dict[str, Any], Attachment]:
    body = partner_body()
    deliver(fr, "report.upsert", body)
    announce = _announce(body["uid"])
    deliver(fr, "attachment.upsert", announce)
    [part] = part_objects(Attachment(uid=announce["uid"], owner_node="fr"), PDF)
    deliver(fr, "attachment.part", part)
    return body, Attachment.objects.get()


@pytest.mark.parametrize("withdrawn", ["attachment", "report"])
def test_what_the_originator_withdraws_takes_the_file_here(
    fr: Partner, store: Path, django_capture_on_commit_callbacks: Any, withdrawn: str
) -> None:
    body, row = _received_file(fr)
    uid = str(row.uid) if withdrawn == "attachment" else body["uid"]
    _age(store)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = deliver(
            fr, f"{withdrawn}.withdraw", {"uid": uid, "owner": "fr", "version": 2, "reason": "x"}
        )
    assert receipt.status == "applied", receipt
    assert _state(store) == (0, [])
    assert Report.objects.filter(uid=body["uid"]).exists() == (withdrawn == "attachment")

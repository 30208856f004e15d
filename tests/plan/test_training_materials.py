"""A training's materials (attachments): who lists, downloads, adds and removes them, and
how they go to the partner holding the training (read from the database, the store and the
outbox after each step)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from liaison.accounts.models import User
from liaison.attachments import storage
from liaison.attachments.actions import upload_attachment
from liaison.attachments.models import Attachment
from liaison.attachments.parents import parent_named
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope
from liaison.exchange.sharing import resync_peer
from liaison.plan.delivery import create_training, share_training
from liaison.plan.models import Training
from tests.attachments.conftest import PDF, files_in
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import api, deliver, training_data

pytestmark = pytest.mark.django_db
TEXT = b"Programme de la session\nJour 1 : documents de voyage\n"


@pytest.fixture(autouse=True)
def store(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path / "attachments"


def _attach(user: User, training: Training, data: bytes = PDF) -> Attachment:
    return upload_attachment(
        actor=user,
        parent=parent_named("training"),
        record=training,
        file_name="programme.pdf",
        data=data,
    )


def _file(data: bytes, name: str = "programme.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _state(store: Path) -> tuple[int, list[str]]:
    return Attachment.objects.count(), files_in(store)


def _kinds() -> list[str]:
    return list(OutboxEnvelope.objects.order_by("seq").values_list("message_type", flat=True))


# Pages


def test_a_material_is_added_from_the_page_and_listed_there(
    login: Callable[[User], Client], officer: User, training: Training, store: Path
) -> None:
    client = login(officer)
    base = f"/plan/trainings/{training.uid}/attachments/"
    response = client.post(base, {"file": _file(TEXT, "programme.txt"), "description": "Jour 1"})
    assert (
        response.status_code == 302 and response["Location"] == f"/plan/trainings/{training.uid}/"
    )
    row = Attachment.objects.get()
    assert (row.parent_type, row.parent_uid, row.media_type) == (
        "training",
        training.uid,
        "text/plain",
    )
    assert files_in(store) == [row.sha256]
    page = client.get(f"/plan/trainings/{training.uid}/").content.decode()
    assert f"{base}{row.uid}/" in page and 'enctype="multipart/form-data"' in page


def test_a_reader_lists_and_downloads_but_gets_no_form(
    login: Callable[[User], Client], officer: User, analyst: User, training: Training
) -> None:
    row = _attach(officer, training)
    client = login(analyst)
    page = client.get(f"/plan/trainings/{training.uid}/").content.decode()
    assert "programme.pdf" in page and 'enctype="multipart/form-data"' not in page
    response = client.get(f"/plan/trainings/{training.uid}/attachments/{row.uid}/")
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Disposition"] == 'attachment; filename="programme.pdf"'
    assert AuditEntry.objects.filter(action="consult", object_id=str(row.uid)).count() == 1


def test_a_reader_may_neither_add_nor_remove(
    login: Callable[[User], Client],
    officer: User,
    analyst: User,
    training: Training,
    store: Path,
) -> None:
    row = _attach(officer, training)
    before = _state(store)
    client = login(analyst)
    base = f"/plan/trainings/{training.uid}/attachments/"
    assert client.post(base, {"file": _file(PDF + b"more")}).status_code == 403
    client.post(f"{base}{row.uid}/remove/")
    assert _state(store) == before
    refused = AuditEntry.objects.filter(action="permission_denied", object_type="attachment")
    assert refused.count() == 2


def test_a_refused_type_is_named_and_nothing_is_kept(
    login: Callable[[User], Client], officer: User, training: Training, store: Path
) -> None:
    html = b"<html><script>alert(1)</script></html>"
    response = login(officer).post(
        f"/plan/trainings/{training.uid}/attachments/", {"file": _file(html, "x.html")}
    )
    assert response.status_code == 400 and "cannot be attached" in response.content.decode()
    assert _state(store) == (0, [])


@pytest.mark.parametrize("who", ["unnamed officer", "auditor"])
def test_who_may_not_see_the_training_gets_404_and_nothing_changes(
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    supervisor: User,
    store: Path,
    who: str,
) -> None:
    training = create_training(actor=supervisor, data=training_data(handling_code="H3"))
    row = _attach(supervisor, training)
    user = make_user("x", "officer" if who == "unnamed officer" else "auditor")
    client = login(user)
    before = _state(store), AuditEntry.objects.filter(action="consult").count()
    base = f"/plan/trainings/{training.uid}/attachments/"
    assert client.get(f"{base}{row.uid}/").status_code == 404
    assert client.post(base, {"file": _file(PDF + b"new")}).status_code == 404
    assert client.post(f"{base}{row.uid}/remove/").status_code == 404
    token = api(user)
    assert token.get(f"/api/v1/trainings/{training.uid}/attachments").status_code == 404
    assert token.get(f"/api/v1/trainings/{training.uid}/attachments/{row.uid}").status_code == 404
    assert (_state(store), AuditEntry.objects.filter(action="consult").count()) == before


def test_the_owner_removes_a_material_and_the_partner_is_told(
    officer: User, liaison: User, training: Training, fr: Partner, store: Path
) -> None:
    share_training(actor=liaison, training=training, partner="fr")
    row = _attach(officer, training)
    response = api(officer).delete(f"/api/v1/trainings/{training.uid}/attachments/{row.uid}")
    assert response.status_code == 204
    assert Attachment.objects.count() == 0
    assert _kinds()[-1] == "attachment.withdraw"


# API


def test_the_api_adds_lists_and_downloads_materials(
    officer: User, analyst: User, training: Training
) -> None:
    base = f"/api/v1/trainings/{training.uid}/attachments"
    created = api(officer).post(base, {"file": _file(PDF), "description": "Support"})
    assert created.status_code == 201, created.content
    uid = created.json()["uid"]
    reader = api(analyst)
    assert [row["uid"] for row in reader.get(base).json()] == [uid]
    assert reader.get(f"{base}/{uid}").content == PDF
    assert reader.post(base, {"file": _file(PDF + b"x")}).status_code == 403
    assert Attachment.objects.count() == 1


# The partner


def test_a_material_follows_the_training_to_the_partner_holding_it(
    officer: User, liaison: User, training: Training, fr: Partner
) -> None:
    share_training(actor=liaison, training=training, partner="fr")
    row = _attach(officer, training)
    assert _kinds() == ["training.upsert", "attachment.upsert", "attachment.part"]
    sent = OutboxEnvelope.objects.get(message_type="attachment.upsert").payload["object"]
    assert (sent["parent_type"], sent["parent"], sent["sha256"]) == (
        "training",
        str(training.uid),
        row.sha256,
    )


def test_materials_added_before_the_share_go_after_the_training(
    officer: User, liaison: User, training: Training, fr: Partner
) -> None:
    _attach(officer, training)
    assert _kinds() == []  # held by no partner yet
    share_training(actor=liaison, training=training, partner="fr")
    assert _kinds() == ["training.upsert", "attachment.upsert", "attachment.part"]


def test_a_material_damaged_on_disk_is_left_out_of_a_later_share_and_the_rest_goes(
    officer: User, liaison: User, training: Training, fr: Partner, caplog: Any
) -> None:
    damaged = _attach(officer, training)
    whole = _attach(officer, training, data=PDF + b"\n% second")
    storage.path_for(damaged.sha256).write_bytes(b"not the file")
    share_training(actor=liaison, training=training, partner="fr")
    sent = OutboxEnvelope.objects.filter(message_type="attachment.upsert")
    assert [e.payload["object"]["uid"] for e in sent] == [str(whole.uid)]
    assert f"file {damaged.uid} not sent" in caplog.text


def _announce(training_uid: str, **extra: Any) -> dict[str, Any]:
    return {
        "uid": "0193a4f2-3333-7abc-8def-000000000001",
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "parent_type": "training",
        "parent": training_uid,
        "file_name": "support.pdf",
        "media_type": "application/pdf",
        "size": len(PDF),
        "sha256": storage.digest(PDF),
        "parts": 1,
    } | extra


def test_the_owner_of_a_training_sends_its_materials_here(fr: Partner, analyst: User) -> None:
    from liaison.attachments.sharing import part_objects
    from tests.plan.test_trainings import _their_training

    body = _their_training()
    assert deliver(fr, "training.upsert", body).status == "applied"
    assert deliver(fr, "attachment.upsert", _announce(body["uid"])).status == "applied"
    [part] = part_objects(Attachment(uid=_announce("")["uid"], owner_node="fr"), PDF)
    assert deliver(fr, "attachment.part", part).status == "applied"
    row = Attachment.objects.get()
    assert (row.complete, row.parent_uid, row.owner_node) == (
        True,
        Training.objects.get().uid,
        "fr",
    )
    token = api(analyst)
    assert token.get(f"/api/v1/trainings/{body['uid']}/attachments/{row.uid}").content == PDF


def test_the_partner_may_not_attach_to_our_training_it_holds(
    training: Training, liaison: User, fr: Partner, store: Path
) -> None:
    share_training(actor=liaison, training=training, partner="fr")
    receipt = deliver(fr, "attachment.upsert", _announce(str(training.uid)))
    assert (receipt.status, receipt.reason) == ("rejected", "unknown_reference")
    assert _state(store) == (0, [])


def test_our_officer_may_not_attach_to_the_partners_training(
    login: Callable[[User], Client], officer: User, fr: Partner, store: Path
) -> None:
    from tests.plan.test_trainings import _their_training

    body = _their_training()
    deliver(fr, "training.upsert", body)
    response = login(officer).post(
        f"/plan/trainings/{body['uid']}/attachments/", {"file": _file(PDF)}
    )
    assert response.status_code == 403
    assert _state(store) == (0, [])


def test_the_demo_workshop_has_its_names_and_its_programme(
    make_user: Callable[..., User], fr: Partner, settings: Any
) -> None:
    from liaison.plan.demo_data import share_demo_plan

    assert settings.NODE_ID == "ma"
    make_user("ma-officer", "officer")
    make_user("ma-liaison-officer", "liaison_officer")
    share_demo_plan("fr")
    workshop = Training.objects.get(title="Atelier : documents de voyage biométriques")
    assert (workshop.participants, len(workshop.participant_list)) == (4, 4)
    row = Attachment.objects.get(parent_uid=workshop.uid)
    assert (row.file_name, row.media_type) == ("programme-atelier.txt", "text/plain")
    kinds = list(
        OutboxEnvelope.objects.filter(object_uid__in=[str(workshop.uid), str(row.uid)])
        .order_by("seq")
        .values_list("message_type", flat=True)
    )
    assert kinds == ["training.upsert", "attachment.upsert", "attachment.part"]


TRAINING_PAGE_QUERIES = 15


def test_the_training_page_costs_a_fixed_number_of_queries_whatever_its_materials(
    login: Callable[[User], Client],
    officer: User,
    training: Training,
    django_assert_num_queries: Any,
) -> None:
    client = login(officer)
    for n in (1, 3):
        for i in range(n):
            _attach(officer, training, PDF + f"{n}-{i}".encode())
        with django_assert_num_queries(TRAINING_PAGE_QUERIES):
            assert client.get(f"/plan/trainings/{training.uid}/").status_code == 200


def test_the_training_upload_paths_take_a_file_up_to_the_attachment_limit(settings: Any) -> None:
    from liaison.core.server import body_limit

    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    uid = "6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01"
    for path in (f"/plan/trainings/{uid}/attachments/", f"/api/v1/trainings/{uid}/attachments"):
        assert body_limit(path) == 10 * 1024 * 1024 + 64 * 1024


def test_a_resync_sends_the_training_again_then_its_materials_but_not_the_partners(
    officer: User, liaison: User, training: Training, fr: Partner
) -> None:
    """A partner that lost its data gets each file again after its record (it answers
    "unchanged" to one it still holds)."""
    share_training(actor=liaison, training=training, partner="fr")
    mine = _attach(officer, training)
    theirs = _attach(officer, training, data=PDF + b"\n% theirs")
    Attachment.objects.filter(pk=theirs.pk).update(owner_node="fr")  # as if fr had sent it
    before = OutboxEnvelope.objects.count()

    result = resync_peer(node_id="fr")

    resent = OutboxEnvelope.objects.order_by("seq")[before:]
    assert [e.message_type for e in resent] == [
        "training.upsert",
        "attachment.upsert",
        "attachment.part",
    ]
    assert resent[1].payload["object"]["uid"] == str(mine.uid)
    assert result.followers == 1
    out = io.StringIO()
    call_command("peers", "resync", "fr", stdout=out)
    assert "1 envelopes queued for fr" in out.getvalue()
    assert "and 1 files after their records" in out.getvalue()

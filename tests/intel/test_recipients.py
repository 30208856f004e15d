"""Working groups and joint cases as a report's recipients: who may then receive it, what is
refused (and that nothing changed, read back), the body that carries them through the real
receiver, and the group's and case's pages, which list only the reports a user may read."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.attachments.actions import upload_attachment
from liaison.attachments.parents import parent_named
from liaison.cooperation.actions import GroupData, update_group
from liaison.cooperation.case_actions import open_case
from liaison.cooperation.models import JointCase, WorkingGroup
from liaison.exchange import keys
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.sharing import resync_peer
from liaison.intel.actions import IntelError, create_report, share_report, update_report
from liaison.intel.models import Report
from liaison.intel.recipients import partners_of
from liaison.intel.sharing import ReportBody
from tests.attachments.conftest import PDF
from tests.cooperation.conftest import FR_GROUP, fr_group, our_group
from tests.exchange.test_hostile import Partner
from tests.intel.conftest import partner_body, report_data
from tests.plan.conftest import api, deliver

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def fr(settings: Any) -> Partner:
    """Partner fr, signing its envelopes for real; es, a third partner pinned here."""
    keys.create_key(Path(settings.DATA_DIR))  # this node signs its receipts
    partner = Partner("fr")
    Peer.objects.create(node_id="es", url="http://127.0.0.1:9", fingerprint="1" * 64)
    return partner


@pytest.fixture
def liaison(make_user: Callable[..., User]) -> User:
    return make_user("liaison", "liaison_officer")


@pytest.fixture
def group(fr: Partner, liaison: User) -> WorkingGroup:
    """ma's group with fr (es does not take part)."""
    return our_group(liaison)


def _upserts_to(node: str) -> list[dict[str, Any]]:
    rows = OutboxEnvelope.objects.filter(message_type="report.upsert", peer__node_id=node)
    return [row.payload["object"] for row in rows.order_by("seq")]


def _names(group: WorkingGroup, **extra: Any) -> Any:
    return report_data(**({"recipients": [], "recipient_groups": [str(group.uid)]} | extra))


def test_naming_a_group_makes_its_participants_recipients(
    group: WorkingGroup, officer: User, liaison: User
) -> None:
    report = create_report(actor=officer, data=_names(group))
    assert Report.objects.get(pk=report.pk).recipient_groups == [str(group.uid)]
    assert partners_of(report) == {"fr"}  # never this node, the convener
    share_report(actor=liaison, report=report, partner="fr")
    [body] = _upserts_to("fr")
    assert body["recipient_groups"] == [str(group.uid)] and body["recipients"] == []


def test_the_files_follow_the_report_to_a_node_of_the_named_group(
    group: WorkingGroup, officer: User, liaison: User, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # the attachments' store
    report = create_report(actor=officer, data=_names(group))
    share_report(actor=liaison, report=report, partner="fr")
    upload_attachment(
        actor=officer, parent=parent_named("report"), record=report, file_name="a.pdf", data=PDF
    )
    sent = OutboxEnvelope.objects.filter(message_type="attachment.upsert")
    assert list(sent.values_list("peer__node_id", flat=True)) == ["fr"]


def test_a_node_outside_the_named_groups_is_refused_until_it_joins(
    group: WorkingGroup, officer: User, liaison: User
) -> None:
    our_group(liaison, name="Groupe avec es", participant_nodes=["es"])  # not named
    report = create_report(actor=officer, data=_names(group))
    with pytest.raises(IntelError, match="not among the report's recipients"):
        share_report(actor=liaison, report=report, partner="es")
    assert not _upserts_to("es")
    assert not Share.objects.filter(object_type="report", peer__node_id="es").exists()
    assert Report.objects.get(pk=report.pk).version == 1
    values = {"name": group.name, "theme": group.theme, "mandate": group.mandate}
    data = GroupData(**values, participant_nodes=["fr", "es"])
    update_group(actor=liaison, group=group, data=data)
    share_report(actor=liaison, report=report, partner="es")  # read when shared: es now
    assert len(_upserts_to("es")) == 1


def test_naming_a_case_makes_its_groups_participants_recipients(
    group: WorkingGroup, officer: User, liaison: User
) -> None:
    case = open_case(actor=liaison, group=group, title="Filière", summary="Camions.")
    data = report_data(recipients=[], recipient_cases=[str(case.uid)])
    report = create_report(actor=officer, data=data)
    assert partners_of(report) == {"fr"}
    share_report(actor=liaison, report=report, partner="fr")
    with pytest.raises(IntelError):
        share_report(actor=liaison, report=report, partner="es")


@pytest.mark.parametrize(
    ("field", "named", "message"),
    [
        ("recipient_groups", "unknown", "Not a working group this service takes part in"),
        ("recipient_groups", "case", "Not a working group this service takes part in"),
        ("recipient_groups", "not-a-uid", "Not a working group this service takes part in"),
        ("recipient_cases", "group", "Not a joint case this service takes part in"),
    ],
)
def test_naming_a_group_or_case_this_node_is_not_part_of_is_refused(
    group: WorkingGroup, officer: User, liaison: User, field: str, named: str, message: str
) -> None:
    case = open_case(actor=liaison, group=group, title="Filière", summary="Camions.")
    uids = {"unknown": str(uuid.uuid4()), "case": str(case.uid), "group": str(group.uid)}
    bad = {field: [uids.get(named, named)]}
    with pytest.raises(IntelError, match=message):
        create_report(actor=officer, data=report_data(**bad))
    assert not Report.objects.exists()
    report = create_report(actor=officer, data=report_data())
    with pytest.raises(IntelError, match=message):
        update_report(actor=officer, report=report, data=report_data(**bad))
    kept = Report.objects.get(pk=report.pk)
    assert (kept.version, kept.recipient_groups, kept.recipient_cases) == (1, [], [])


def test_the_api_names_groups_and_refuses_one_this_node_is_not_part_of(
    group: WorkingGroup, officer: User
) -> None:
    body = {
        "title": "Filière",
        "facts": "Trois camions.",
        "source_reliability": "B",
        "information_credibility": "2",
        "recipient_groups": [str(uuid.uuid4())],
    }
    refused = api(officer).post("/api/v1/reports", body, content_type=JSON)
    assert refused.status_code == 400 and "working group" in refused.json()["detail"]
    assert not Report.objects.exists()
    body["recipient_groups"] = [str(group.uid)]
    created = api(officer).post("/api/v1/reports", body, content_type=JSON)
    assert created.status_code == 201, created.content
    assert created.json()["recipient_groups"] == [str(group.uid)]
    assert Report.objects.get().recipient_groups == [str(group.uid)]


def test_the_form_offers_the_users_groups_and_names_the_one_chosen(
    group: WorkingGroup, officer: User, login: Callable[[User], Client]
) -> None:
    client = login(officer)
    page = client.get("/intel/new/")
    assert str(group.uid) in page.content.decode()
    form = {
        "title": "Filière",
        "facts": "Trois camions.",
        "grading_scheme": "admiralty",
        "source_reliability": "B",
        "information_credibility": "2",
        "handling_code": "H2",
        "recipient_groups": [str(group.uid)],
    }
    assert client.post("/intel/new/", form).status_code == 302
    assert Report.objects.get().recipient_groups == [str(group.uid)]
    form["recipient_groups"] = [str(uuid.uuid4())]
    assert client.post("/intel/new/", form).status_code == 200  # refused beside the field
    assert Report.objects.count() == 1


def test_the_named_groups_go_in_the_body_the_real_receiver_takes(
    fr: Partner, group: WorkingGroup, officer: User, liaison: User
) -> None:
    """What ma sends, taken by a receiver: its body, as fr's own report, through the real
    receiver here (owner and uid its, as fr's node would write them)."""
    report = create_report(actor=officer, data=_names(group, recipients=["fr"]))
    share_report(actor=liaison, report=report, partner="fr")
    [sent] = _upserts_to("fr")
    assert ReportBody.model_validate(sent).recipient_groups == [group.uid]
    as_theirs = sent | {"uid": str(uuid.uuid4()), "owner": "fr"}
    assert deliver(fr, "report.upsert", as_theirs).status == "applied"
    copy = Report.objects.get(uid=as_theirs["uid"])
    assert (copy.recipient_groups, copy.recipient_cases) == ([str(group.uid)], [])


def test_a_body_without_groups_is_still_taken_and_an_unknown_field_is_not(
    fr: Partner, group: WorkingGroup, officer: User, liaison: User
) -> None:
    report = create_report(actor=officer, data=report_data())
    share_report(actor=liaison, report=report, partner="fr")
    [sent] = _upserts_to("fr")
    assert "recipient_groups" not in sent  # a node that predates them takes it still
    old = partner_body()
    assert deliver(fr, "report.upsert", old).status == "applied"
    assert Report.objects.get(uid=old["uid"]).recipient_groups == []
    wrong = partner_body(recipient_services=["ma"])
    receipt = deliver(fr, "report.upsert", wrong)
    assert (receipt.status, receipt.reason) == ("rejected", "bad_schema")
    assert not Report.objects.filter(uid=wrong["uid"]).exists()


def _open(client: Client, report: Report) -> None:
    client.post(f"/intel/{report.uid}/purpose/", {"purpose": "Enquête conjointe 2026"})


def test_the_group_and_case_pages_list_only_the_reports_the_user_may_read(
    fr: Partner,
    liaison: User,
    supervisor: User,
    login: Callable[[User], Client],
) -> None:
    """On ma, fr's group and case: fr's report naming them (received), and ma's H3 report
    naming them, which only its writer may read."""
    assert deliver(fr, "group.upsert", fr_group()).status == "applied"
    held = WorkingGroup.objects.get(uid=FR_GROUP)
    case = open_case(actor=liaison, group=held, title="Filière", summary="Camions.")
    names = {"recipient_groups": [FR_GROUP], "recipient_cases": [str(case.uid)]}
    theirs = partner_body(title="Rapport de fr", **names)
    assert deliver(fr, "report.upsert", theirs).status == "applied"
    data = report_data(title="Rapport H3", handling_code="H3", **names)
    create_report(actor=supervisor, data=data)
    client, writer = login(liaison), login(supervisor)
    for page in (f"/groups/{FR_GROUP}/", f"/groups/cases/{case.uid}/"):
        shown = client.get(page).content.decode()
        assert "Rapport de fr" in shown and "Rapport H3" not in shown
        shown = writer.get(page).content.decode()
        assert "Rapport de fr" in shown and "Rapport H3" in shown
    received = Report.objects.get(uid=theirs["uid"])
    _open(client, received)
    page = client.get(f"/intel/{received.uid}/").content.decode()
    assert held.name in page and case.title in page


def test_a_group_no_longer_held_here_stands_for_no_node(group: WorkingGroup, officer: User) -> None:
    """Withdrawn, a partner's group is deleted here: it then stands for no node."""
    report = create_report(actor=officer, data=_names(group))
    JointCase.objects.filter(group=group).delete()
    WorkingGroup.objects.filter(pk=group.pk).delete()
    assert partners_of(Report.objects.get(pk=report.pk)) == set()


def test_a_group_held_here_without_this_node_is_neither_nameable_nor_a_recipient(
    group: WorkingGroup, officer: User
) -> None:
    """A copy of fr's group with es only (as a stale or a hostile state would leave it):
    this node takes no part in it."""
    report = create_report(actor=officer, data=_names(group))
    theirs = WorkingGroup.objects.create(
        owner_node="fr", name="fr-es", theme="fugitives", mandate="m", participant_nodes=["es"]
    )
    Report.objects.filter(pk=report.pk).update(recipient_groups=[str(theirs.uid)])
    assert partners_of(Report.objects.get(pk=report.pk)) == set()
    with pytest.raises(IntelError, match="Not a working group"):
        create_report(actor=officer, data=_names(theirs))


def test_a_partner_taken_off_the_recipients_loses_its_copy_and_the_others_get_the_update(
    fr: Partner, officer: User, liaison: User
) -> None:
    report = create_report(actor=officer, data=report_data(recipients=["fr", "es"]))
    for partner in ("fr", "es"):
        share_report(actor=liaison, report=report, partner=partner)
    update_report(actor=officer, report=report, data=report_data(recipients=["fr"]))
    [withdrawal] = OutboxEnvelope.objects.filter(message_type="report.withdraw")
    assert withdrawal.peer.node_id == "es"
    assert withdrawal.payload["object"]["reason"] == "no longer a recipient"
    assert [body["version"] for body in _upserts_to("fr")] == [1, 2]
    assert [body["version"] for body in _upserts_to("es")] == [1]  # not the new version
    holders = Share.objects.filter(object_type="report").values_list("peer__node_id", flat=True)
    assert list(holders) == ["fr"]


def test_a_resync_skips_a_partner_the_report_no_longer_goes_to(
    fr: Partner, officer: User, liaison: User
) -> None:
    """fr's group, named by the report, withdrawn by fr (deleted here): the report is for
    no partner any more, and a resync of fr does not send it again."""
    assert deliver(fr, "group.upsert", fr_group()).status == "applied"
    group = WorkingGroup.objects.get(uid=FR_GROUP)
    report = create_report(actor=officer, data=_names(group))
    share_report(actor=liaison, report=report, partner="fr")
    JointCase.objects.filter(group=group).delete()
    WorkingGroup.objects.filter(pk=group.pk).delete()
    result = resync_peer(node_id="fr")
    [skipped] = result.skipped
    assert skipped.uid == str(report.uid) and "no longer among" in skipped.reason
    assert len(_upserts_to("fr")) == 1

"""Intelligence reports as links of a joint case: under the rule of every link, the uid
only; each node shows a linked report only if it holds it and the user may see it, with
its handling code; an H3 report shows only to its named recipients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.cooperation.models import CasePart
from liaison.intel.actions import create_report
from liaison.intel.models import Report
from tests.cooperation.conftest import Send, api, our_group
from tests.cooperation.test_cases import fr_part
from tests.intel.conftest import report_data

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _case(user: User) -> str:
    body = {"group": str(our_group(user).uid), "title": "Filière", "summary": "Tanger Med."}
    opened = api(user).post("/api/v1/cases", body, content_type=JSON)
    assert opened.status_code == 201, opened.content
    return str(opened.json()["uid"])


def _report(author: User, code: str = "H1") -> Report:
    return create_report(actor=author, data=report_data(handling_code=code))


def _links(user: User, case: str) -> list[tuple[str, str]]:
    shown = api(user).get(f"/api/v1/cases/{case}").json()["links"]
    return [(link["kind"], link["uid"]) for link in shown]


def test_a_report_is_linked_by_uid_and_shown_with_its_handling_code(
    fr: Any, liaison: User, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    case = _case(liaison)
    report = _report(make_user("analyst", "analyst"))
    url = f"/api/v1/cases/{case}/links"
    linked = api(liaison).post(url, {"kind": "report", "uid": str(report.uid)}, content_type=JSON)
    assert linked.status_code == 201, linked.content
    assert CasePart.objects.get(owner_node="ma").links == [
        {"kind": "report", "uid": str(report.uid)}
    ]
    assert _links(liaison, case) == [("report", str(report.uid))]
    page = login(liaison).get(f"/groups/cases/{case}/").content.decode()
    assert report.title in page and f"/intel/{report.uid}/" in page and ">H1<" in page


def test_an_h3_report_shows_only_to_its_named_recipients(
    fr: Any, liaison: User, make_user: Callable[..., User]
) -> None:
    case = _case(liaison)
    colleague = make_user("lo2", "liaison_officer")
    report = _report(make_user("analyst", "analyst"))
    Report.objects.filter(pk=report.pk).update(handling_code="H3")
    report.restricted_to.set([liaison])
    url = f"/api/v1/cases/{case}/links"
    before = list(CasePart.objects.values_list("version", "links"))
    refused = api(colleague).post(
        url, {"kind": "report", "uid": str(report.uid)}, content_type=JSON
    )
    assert refused.status_code == 400  # not named: as if it did not exist
    assert list(CasePart.objects.values_list("version", "links")) == before
    linked = api(liaison).post(url, {"kind": "report", "uid": str(report.uid)}, content_type=JSON)
    assert linked.status_code == 201, linked.content
    assert _links(liaison, case) == [("report", str(report.uid))]
    assert _links(colleague, case) == []  # the case is shared; the report is not


def test_a_report_a_partner_links_shows_nothing_here_unless_held(
    send: Send, fr: Any, liaison: User, make_user: Callable[..., User]
) -> None:
    case = _case(liaison)
    unknown = "7a2d0c1e-9999-4f5e-8a9b-0c1d2e3f4a5b"
    ours = _report(make_user("analyst", "analyst"))
    links = [{"kind": "report", "uid": unknown}, {"kind": "report", "uid": str(ours.uid)}]
    assert send("case.part", fr_part(case, links=links)).status == "applied"
    assert _links(liaison, case) == [("report", str(ours.uid))]

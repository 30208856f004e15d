"""Security review of accreditation lists: what an officer learns about records it may not
see (H3), and files built to exhaust the node."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.events.accreditation import ListError, map_columns, upload_list
from liaison.events.models import AccreditationList, Event
from liaison.events.tables import Mapping
from liaison.registry.actions import AlertData, NameData, PersonData, create_alert, create_person

pytestmark = pytest.mark.django_db


def test_candidates_on_a_person_the_viewer_may_not_see_are_not_counted(
    officer: User,
    supervisor: User,
    event: Event,
    login: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """An H3 person on the watchlist: the officer's one-row list must not tell, by its
    counts, that the name matched someone (an existence oracle on H3 records)."""
    data = PersonData(category="wanted", names=[NameData("Karim Benali")], handling_code="H3")
    person = create_person(actor=supervisor, data=data)
    alert = AlertData(alert_type="locate", action_on_hit="Inform the liaison officer.")
    create_alert(actor=supervisor, person=person, data=alert)
    lst = upload_list(
        actor=officer,
        event=event,
        name="Probe",
        purpose="Accreditation",
        file_name="probe.csv",
        data="Nom,Prénom\nBenali,Karim\n".encode(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        map_columns(actor=officer, lst=lst, mapping=Mapping(names=[1, 0]))
    lst.refresh_from_db()
    assert lst.candidates.count() == 1  # the supervisor will review it

    client = login(officer)
    page = client.get(f"/events/{event.uid}/lists/{lst.uid}/").content.decode()
    assert "1 candidate" not in page and "0 candidates" in page
    progress = client.get(f"/events/{event.uid}/lists/{lst.uid}/", headers={"HX-Request": "1"})
    assert "1 candidate" not in progress.content.decode()
    detail = client.get(f"/events/{event.uid}/").content.decode()
    assert '<td class="ltr-value">1</td>' not in detail

    page = login(supervisor).get(f"/events/{event.uid}/lists/{lst.uid}/").content.decode()
    assert "1 candidate" in page


def _bomb(rows: int) -> bytes:
    """A real workbook whose sheet is a few KB zipped and `rows` rows unzipped."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Nom"])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = "xl/worksheets/sheet1.xml"
    head = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c t="inlineStr"><is><t>Nom</t></is></c></row>'
    )
    row = '<row><c t="inlineStr"><is><t>Benali Karim</t></is></c></row>'
    xml = head + row * rows + "</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, xml if item.filename == sheet else src.read(item))
    return out.getvalue()


def test_an_xlsx_that_unzips_far_beyond_the_size_limit_is_refused(
    officer: User, event: Event, settings: Any
) -> None:
    settings.LIST_MAX_BYTES = 100_000
    data = _bomb(200_000)  # ~12 MB of sheet: 120 times the limit
    assert len(data) < settings.LIST_MAX_BYTES
    with pytest.raises(ListError, match="too large"):
        upload_list(
            actor=officer,
            event=event,
            name="Bomb",
            purpose="Accreditation",
            file_name="bomb.xlsx",
            data=data,
        )
    assert not AccreditationList.objects.exists()

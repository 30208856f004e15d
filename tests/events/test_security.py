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


@pytest.mark.parametrize("file_name", ["a\x00b.csv", "staff\u202evsc.exe", "../../x\x1bz.csv"])
def test_a_file_name_keeps_no_control_character_nor_path(
    officer: User, event: Event, login: Callable[[User], Client], file_name: str
) -> None:
    """The list's name falls back to the file's name: no NUL (PostgreSQL), bidi override
    (a name read backwards) or path; checked, as the upload's parser cleans it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(file_name, b"Nom\nBenali\n", content_type="text/csv")
    client = login(officer)
    response = client.post(
        f"/events/{event.uid}/lists/new/", {"purpose": "Accreditation", "file": upload}
    )
    assert response.status_code == 302
    name, kept = AccreditationList.objects.values_list("name", "file_name").get()
    assert name == kept and not any(c in kept for c in "\x00\u202e\x1b/")


def _one_row_list(
    user: User, event: Event, capture: Any, row: str = "Benali,Karim\n"
) -> AccreditationList:
    lst = upload_list(
        actor=user,
        event=event,
        name="Probe",
        purpose="Accreditation",
        file_name="probe.csv",
        data=f"Nom,Prénom\n{row}".encode(),
    )
    with capture(execute=True):
        map_columns(actor=user, lst=lst, mapping=Mapping(names=[1, 0]))
    return lst


def test_a_candidate_is_decided_only_through_its_own_list_and_only_if_its_person_is_seen(
    officer: User,
    supervisor: User,
    event: Event,
    login: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    data = PersonData(category="wanted", names=[NameData("Karim Benali")], handling_code="H3")
    person = create_person(actor=supervisor, data=data)
    alert = AlertData(alert_type="locate", action_on_hit="Inform the liaison officer.")
    create_alert(actor=supervisor, person=person, data=alert)
    hidden = _one_row_list(officer, event, django_capture_on_commit_callbacks)
    other = _one_row_list(officer, event, django_capture_on_commit_callbacks, "Durand,Paul\n")
    candidate = hidden.candidates.get()
    client = login(officer)
    base = f"/events/{event.uid}/lists/"
    # Another list's id with this candidate's pk: not found.
    url = f"{base}{other.uid}/candidates/{candidate.pk}/confirm/"
    assert client.post(url).status_code == 404
    # Its own list, but the officer may not see the H3 person: refused, nothing recorded.
    assert client.get(f"{base}{hidden.uid}/candidates/{candidate.pk}/confirm/").status_code == 405
    client.post(f"{base}{hidden.uid}/candidates/{candidate.pk}/confirm/")
    client.post(f"{base}{hidden.uid}/candidates/{candidate.pk}/clear/", {"reason": "Non"})
    candidate.refresh_from_db()
    assert candidate.status == "pending" and candidate.hit is None
    assert not person.hits.exists()
    queue = client.get(f"{base}{hidden.uid}/candidates/").content.decode()
    assert str(person.uid) not in queue


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10)
    )
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
    "</worksheet>"
)


BROKEN_LATER = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c t="inlineStr"><is><t>Nom</t></is></c></row>'
    + '<row><c t="inlineStr"><is><t>Benali Karim</t></is></c></row>' * 2000
    + "<row><c"
)


@pytest.mark.parametrize("sheet", [LAUGHS, "<worksheet><sheetData><row>", "\x00\x01", BROKEN_LATER])
def test_a_workbook_with_a_hostile_or_broken_sheet_is_refused_cleanly(
    officer: User, event: Event, login: Callable[[User], Client], sheet: str
) -> None:
    """Entity expansion (billion laughs) and broken XML: a clear error, not a 500."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _with_sheet(sheet)
    upload = SimpleUploadedFile("staff.xlsx", data)
    client = login(officer)
    client.raise_request_exception = False
    response = client.post(
        f"/events/{event.uid}/lists/new/", {"purpose": "Accreditation", "file": upload}
    )
    assert response.status_code == 200
    assert "workbook" in response.content.decode()
    assert not AccreditationList.objects.exists()


def _with_sheet(xml: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Nom"])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, xml if item.filename == sheet else src.read(item))
    return out.getvalue()


def test_the_queue_pages_count_only_the_candidates_the_reader_may_see(
    officer: User, supervisor: User, event: Event, login: Callable[[User], Client]
) -> None:
    """The queue's pages are counted from the tab's count (not a second count): the
    officer's 50 to review make one page, the H3 person's candidate is not counted for it;
    the supervisor, who sees that person, has 51 on two pages."""
    from liaison.events.models import Candidate

    rows = "".join(f"Applicant{i} Bench\n" for i in range(52))
    lst = upload_list(
        actor=officer,
        event=event,
        name="Volunteers",
        purpose="Accreditation",
        file_name="v.csv",
        data=f"Nom\n{rows}".encode(),
    )
    map_columns(actor=officer, lst=lst, mapping=Mapping(names=[0]))  # not screened here
    seen = create_person(actor=officer, data=PersonData(category="wanted", names=[NameData("A B")]))
    hidden = PersonData(category="wanted", names=[NameData("C D")], handling_code="H3")
    secret = create_person(actor=supervisor, data=hidden)
    applicants = list(lst.rows.order_by("position"))
    Candidate.objects.bulk_create(
        Candidate(
            list=lst,
            applicant=a,
            person=secret if i == 51 else seen,
            score=0.9,
            evidence={},
            run=lst.run,
            status="proposed" if i == 0 else "pending",
        )
        for i, a in enumerate(applicants)
    )
    url = f"/events/{event.uid}/lists/{lst.uid}/candidates/"
    client = login(officer)
    first = client.get(url).context["page"]
    assert (first.paginator.count, first.paginator.num_pages, len(first.object_list)) == (50, 1, 50)
    proposed = client.get(url, {"status": "proposed"}).context["page"]
    assert (proposed.paginator.count, len(proposed.object_list)) == (1, 1)
    # The supervisor sees the H3 person's candidate: 51 to review, two pages.
    page = login(supervisor).get(url, {"page": 2}).context["page"]
    assert (page.paginator.count, page.paginator.num_pages, len(page.object_list)) == (51, 2, 1)

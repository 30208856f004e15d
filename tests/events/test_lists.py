"""Accreditation lists: upload (CSV, XLSX, encodings), column mapping, bad rows kept apart."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from openpyxl import Workbook

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.events.accreditation import ListError, map_columns, upload_list
from liaison.events.models import AccreditationList, Applicant, Event, ListStatus
from liaison.events.tables import Mapping, guess_mapping, read_table
from liaison.registry.models import Person
from tests.events.conftest import CSV

pytestmark = pytest.mark.django_db

MAPPING = Mapping(names=[1, 0], date_of_birth=2, nationality=3, documents=[4])


def _upload(user: User, event: Event, data: bytes, name: str = "staff.csv") -> AccreditationList:
    return upload_list(
        actor=user, event=event, name="Staff", purpose="Accreditation", file_name=name, data=data
    )


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_kept(
    officer: User, event: Event, watched: Callable[..., Person]
) -> None:
    lst = _upload(officer, event, CSV.encode())
    assert lst.status == ListStatus.MAPPING and lst.columns[0] == "Nom"
    map_columns(actor=officer, lst=lst, mapping=MAPPING)
    lst.refresh_from_db()
    assert [(b["line"], b["reason"]) for b in lst.bad_rows] == [
        (3, "no name"),
        (4, "date of birth not understood: 1991-13-45"),
        (5, "nationality is not a two-letter country code: FRA"),
        (6, "6 fields where the header has 5"),
    ]
    rows = list(Applicant.objects.filter(list=lst).values_list("line", "names", "documents"))
    assert rows == [(2, ["Karim Benali"], ["AB123456"]), (7, ["Jean Lefebvre"], ["IJ4"])]
    assert lst.rows_total == 2 and lst.upload == b""
    entries = AuditEntry.objects.filter(object_type="accreditation_list", object_id=str(lst.uid))
    assert list(entries.values_list("action", "purpose").order_by("seq")) == [
        ("collect", "Accreditation"),
        ("collect", "Accreditation"),
        ("combine", "Accreditation"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1256"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_cp1256(encoding: str) -> None:
    text = "الاسم,تاريخ الازدياد\nمحمد بن علي,1984-03-12\n"
    table = read_table(text.encode(encoding), "list.csv")
    assert table.columns == ["الاسم", "تاريخ الازدياد"]
    assert table.rows == [(2, ["محمد بن علي", "1984-03-12"])]
    assert table.encoding == ("cp1256" if encoding == "cp1256" else "utf-8")
    assert guess_mapping(table.columns) == Mapping(names=[0], date_of_birth=1)


def test_an_xlsx_workbook_is_read_with_its_dates() -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Date of birth", "Passport"])
    sheet.append(["Karim Benali", datetime(1984, 3, 12), 123456])
    sheet.append([None, None, None])
    sheet.append(["Jean Lefebvre", "1970", "X1"])
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue(), "list.xlsx")
    assert table.rows == [
        (2, ["Karim Benali", "1984-03-12", "123456"]),
        (4, ["Jean Lefebvre", "1970", "X1"]),
    ]


def test_a_file_that_is_no_table_is_refused_and_nothing_is_kept(
    officer: User, event: Event
) -> None:
    with pytest.raises(ListError, match="NUL byte"):
        _upload(officer, event, b"\x00\x01binary")
    with pytest.raises(ListError, match="not an XLSX"):
        _upload(officer, event, b"PK\x03\x04garbage", "list.xlsx")
    with pytest.raises(ListError, match="no applicant"):
        _upload(officer, event, "Nom,Prénom\n,\n".encode())
    with pytest.raises(ListError, match="purpose"):
        upload_list(
            actor=officer, event=event, name="", purpose=" ", file_name="a.csv", data=b"name\nA\n"
        )
    assert not AccreditationList.objects.exists()


def test_a_mapping_without_names_or_outside_the_file_is_refused(
    officer: User, event: Event
) -> None:
    lst = _upload(officer, event, CSV.encode())
    with pytest.raises(ListError, match="names"):
        map_columns(actor=officer, lst=lst, mapping=Mapping(names=[]))
    with pytest.raises(ListError, match="not in the file"):
        map_columns(actor=officer, lst=lst, mapping=Mapping(names=[9]))
    lst.refresh_from_db()
    assert lst.status == ListStatus.MAPPING and not lst.rows.exists()


def test_an_analyst_may_not_upload(analyst: User, event: Event) -> None:
    with pytest.raises(PermissionDenied):
        _upload(analyst, event, CSV.encode())
    assert not AccreditationList.objects.exists()
    assert AuditEntry.objects.filter(action="permission_denied").count() == 1


def test_the_pages_upload_map_and_show_the_bad_rows(
    officer: User, event: Event, login: Callable[[User], Client]
) -> None:
    client = login(officer)
    url = f"/events/{event.uid}/lists/new/"
    assert client.get(url).status_code == 200
    upload = io.BytesIO(CSV.encode("cp1256"))
    upload.name = "staff.csv"
    response = client.post(url, {"name": "Staff", "purpose": "Accreditation", "file": upload})
    lst = AccreditationList.objects.get()
    assert response.status_code == 302 and str(lst.uid) in response["Location"]
    page = client.get(response["Location"])
    assert b"Map the columns" in page.content and page.context["mapping_form"].initial == {
        "names": ["0", "1"],
        "alias": "",
        "date_of_birth": "2",
        "nationality": "3",
        "documents": ["4"],
        "category": "",
    }
    mapping = {"names": ["1", "0"], "date_of_birth": "2", "nationality": "3", "documents": ["4"]}
    response = client.post(f"{response['Location']}columns/", mapping)
    assert response.status_code == 302
    consulted = AuditEntry.objects.filter(action="consult", object_id=str(lst.uid))
    assert not consulted.exists()
    page = client.get(response["Location"])
    assert "no name" in page.content.decode() and page.context["lst"].rows_total == 2
    # The bad rows quote the applicants' lines: reading them is logged, with the purpose.
    entry = consulted.get()
    assert entry.actor_user_id == officer.pk and entry.purpose == "Accreditation"
    assert (
        entry.detail
        == {"bad_rows": len(AccreditationList.objects.get().bad_rows)}
        == {"bad_rows": 4}
    )

"""The event report: counts per list and category, clearing reasons, timings; as a page,
CSV (no formulas) and PDF; only what the reader may see; audited; fixed query count."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import Agency, User
from liaison.audit.models import AuditEntry
from liaison.events.accreditation import map_columns, upload_list
from liaison.events.actions import EventData, create_event
from liaison.events.models import AccreditationList, Applicant, Candidate, Event
from liaison.events.report import Counts, build, category_label
from liaison.events.review import clear_candidate, confirm_candidate
from liaison.events.tables import Mapping, guess_mapping, read_table, rows
from liaison.registry.actions import AlertData, NameData, PersonData, create_alert, create_person
from liaison.registry.models import Person
from tests.conftest import AUDIT_ENTRY_QUERIES

pytestmark = pytest.mark.django_db

HEADER = "Nom,Prénom,Date de naissance,Catégorie\n"
ROWS = (
    "Benali,Karim,1984-03-12,Bénévole\n"  # volunteer, on the watchlist: confirmed
    "Idrissi,Youssef,1979-11-02,Presse\n"  # media, on the watchlist: cleared
    "Lefebvre,Jean,1970-07-07,Staff\n"  # staff, nobody
    "Tazi,Nadia,1990-05-05,Chauffeur\n"  # other, an H3 person the officer may not see
    "Martin,Paul,1975-13-40,staff\n"  # bad date: a bad row
    "Durand,Sophie,1991-01-01,\n"  # no category
)
MAPPING = Mapping(names=[1, 0], date_of_birth=2, category=3)
REPORT_QUERIES = 15 + AUDIT_ENTRY_QUERIES


@pytest.mark.parametrize(
    ("cell", "category"),
    [
        ("Staff", "staff"),
        ("personnel", "staff"),
        ("Bénévole", "volunteer"),
        ("VOLONTAIRES", "volunteer"),
        ("متطوع", "volunteer"),
        ("Médias", "media"),
        ("Presse", "media"),
        ("Prestataire", "contractor"),
        ("Autre", "other"),
        ("Chauffeur", "other"),
        ("", ""),
    ],
)
def test_the_category_column_names_a_category_or_other(cell: str, category: str) -> None:
    table = read_table(f"Nom,Catégorie\nBenali,{cell}\n".encode(), "a.csv")
    mapping = guess_mapping(table.columns)
    assert mapping.category == 1
    (row,) = rows(table, mapping)
    assert not isinstance(row, tuple) and row.category == category


def _upload(
    user: User, event: Event, name: str, capture: Any, data: str = ROWS
) -> AccreditationList:
    lst = upload_list(
        actor=user,
        event=event,
        name=name,
        purpose="Accreditation",
        file_name="staff.csv",
        data=(HEADER + data).encode(),
    )
    with capture(execute=True):
        map_columns(actor=user, lst=lst, mapping=MAPPING)
    lst.refresh_from_db()
    return lst


@pytest.fixture
def decided(
    officer: User,
    supervisor: User,
    event: Event,
    watched: Callable[..., Person],
    django_capture_on_commit_callbacks: Any,
) -> AccreditationList:
    karim = watched("Karim Benali", dob="1984-03-12")
    youssef = watched("Youssef Idrissi", dob="1979-11-02")
    hidden = create_person(
        actor=supervisor,
        data=PersonData(category="wanted", names=[NameData("Nadia Tazi")], handling_code="H3"),
    )
    alert = AlertData(alert_type="locate", action_on_hit="Inform the liaison officer.")
    create_alert(actor=supervisor, person=hidden, data=alert)
    lst = _upload(officer, event, '=HYPERLINK("http://x")', django_capture_on_commit_callbacks)
    assert lst.candidates.count() == 3
    confirm_candidate(actor=officer, candidate=lst.candidates.get(person=karim))
    clear_candidate(actor=officer, candidate=lst.candidates.get(person=youssef), reason="=1+1")
    return lst


def test_the_report_counts_per_list_and_category_what_the_reader_may_see(
    officer: User, supervisor: User, decided: AccreditationList
) -> None:
    report = build(officer, decided.event)
    (item,) = report.lists
    assert item.bad_rows == 1 and item.total == Counts(
        rows=5, screened=5, candidates=2, pending=0, proposed=0, confirmed=1, cleared=1
    )
    by = {key: counts for key, _label, counts in item.by_category()}
    assert list(by) == ["", "staff", "volunteer", "media", "other"]
    assert by["volunteer"] == Counts(1, 1, 1, 0, 0, 1, 0)
    assert by["media"] == Counts(1, 1, 1, 0, 0, 0, 1)
    # Nadia Tazi matched an H3 person the officer may not see: left out of every count.
    assert by["other"] == Counts(1, 1, 0, 0, 0, 0, 0)
    assert report.reasons == [("=1+1", 1)]
    assert item.duration is not None and item.first_decision and item.last_decision
    assert item.first_decision <= item.last_decision

    seen_by_supervisor = build(supervisor, decided.event)
    assert seen_by_supervisor.lists[0].total.candidates == 3
    assert seen_by_supervisor.lists[0].total.pending == 1
    assert category_label("") == "Not given"


def test_the_page_shows_the_report_audited_as_a_consultation_in_fixed_queries(
    officer: User,
    event: Event,
    decided: AccreditationList,
    login: Callable[[User], Client],
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login(officer)
    url = f"/events/{event.uid}/report/"
    with django_assert_num_queries(REPORT_QUERIES):
        page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "Event report" in text and "Volunteer" in text
    assert "Not given" in text and "=1+1" in text
    entry = AuditEntry.objects.filter(action="consult", object_id=str(event.uid)).get()
    assert entry.detail == {"report": "page", "lists": [str(decided.uid)]}
    # A second list costs no more queries.
    _upload(
        officer,
        event,
        "Media",
        django_capture_on_commit_callbacks,
        "Benali,Karim,1984-03-12,media\n",
    )
    with django_assert_num_queries(REPORT_QUERIES):
        assert len(client.get(url).context["report"].lists) == 2


def test_the_csv_has_a_line_per_list_and_category_and_no_formula(
    officer: User, event: Event, decided: AccreditationList, login: Callable[[User], Client]
) -> None:
    response = login(officer).get(f"/events/{event.uid}/report.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0][:6] == ["list", "category", "rows", "rows_screened", "bad_rows", "candidates"]
    total = lines[1]
    assert total[:10] == ['\'=HYPERLINK("http://x")', "all", "5", "5", "1", "2", "0", "0", "1", "1"]
    assert [line[1] for line in lines[2:7]] == ["not_given", "staff", "volunteer", "media", "other"]
    assert lines[7:] == [[], ["clearing_reason", "cleared"], ["'=1+1", "1"]]
    assert total[13].isdigit() and total[14] and total[15]  # seconds, first, last decision
    entry = AuditEntry.objects.filter(action="consult", object_id=str(event.uid)).get()
    assert entry.detail["report"] == "csv"


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_pdf_is_drawn_in_the_readers_language(
    officer: User,
    event: Event,
    decided: AccreditationList,
    login: Callable[[User], Client],
    language: str,
) -> None:
    client = login(officer)
    client.cookies["django_language"] = language
    response = client.get(f"/events/{event.uid}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        AuditEntry.objects.filter(action="consult", object_id=str(event.uid)).get().detail["report"]
        == "pdf"
    )


@pytest.mark.parametrize("suffix", ["report/", "report.csv", "report.pdf"])
def test_the_report_is_refused_to_those_who_may_not_see_the_event(
    officer: User,
    supervisor: User,
    make_user: Callable[..., User],
    partner_agency: Agency,
    login: Callable[[User], Client],
    suffix: str,
) -> None:
    data = EventData(
        name="Secret",
        starts_on=date(2030, 6, 1),
        ends_on=date(2030, 7, 1),
        host_node="ma",
        handling_code="H3",
    )
    secret = create_event(actor=supervisor, data=data)
    url = f"/events/{secret.uid}/{suffix}"
    response = Client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert login(officer).get(url).status_code == 404  # not named on the H3 event
    auditor = login(make_user("auditor-2", "auditor"))
    assert auditor.get(url).status_code == 404
    stranger = login(make_user("stranger", "officer", agency=partner_agency))
    assert stranger.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="consult").exists()
    assert login(supervisor).get(url).status_code == 200


def test_an_empty_event_reports_no_list(
    officer: User, event: Event, login: Callable[[User], Client]
) -> None:
    page = login(officer).get(f"/events/{event.uid}/report/")
    assert page.status_code == 200 and "No list yet." in page.content.decode()
    assert not Applicant.objects.exists() and not Candidate.objects.exists()

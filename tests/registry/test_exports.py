from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.test import RequestFactory
from openpyxl import load_workbook

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.policy import restrict
from liaison.registry.exports import HEADER, log_export, write_csv, write_xlsx
from liaison.registry.models import Person
from liaison.registry.search import SearchResult, search_persons

pytestmark = pytest.mark.django_db


def results_for(user: User, name: str, scope: object = None) -> list[SearchResult]:
    persons = scope if scope is not None else restrict(Person.objects.all(), user)
    return search_persons(persons, name=name).results  # type: ignore[arg-type]


def csv_rows(results: list[SearchResult], user: User) -> list[list[str]]:
    stream = io.StringIO()
    write_csv(results, stream, user=user)
    return list(csv.reader(io.StringIO(stream.getvalue())))


def xlsx_rows(results: list[SearchResult], user: User) -> list[list[str]]:
    stream = io.BytesIO()
    write_xlsx(results, stream, user=user)
    sheet = load_workbook(io.BytesIO(stream.getvalue()), read_only=True)["persons"]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def mohamed(make_person: Callable[..., Person]) -> Person:
    return make_person(
        "محمد بن عبد الله",
        "Mohamed Ben Abdallah",
        birth_dates=["1984-03-12", "1984"],
        nationalities=["MA", "FR"],
    )


def expected_row(person: Person, result: SearchResult) -> list[str]:
    return [
        str(person.uid),
        "محمد بن عبد الله | Mohamed Ben Abdallah",
        "1984 | 1984-03-12",
        "FR | MA",
        "wanted",
        "H0",
        "TLP:GREEN",
        "ma",
        f"{result.score:.3f}",
        "given name and family name match across scripts",
    ]


def test_the_csv_holds_a_header_and_one_row_per_result(officer: User, mohamed: Person) -> None:
    results = results_for(officer, "Muhammad bin Abdullah")
    assert csv_rows(results, officer) == [HEADER, expected_row(mohamed, results[0])]


def test_the_xlsx_holds_the_same_rows(officer: User, mohamed: Person) -> None:
    results = results_for(officer, "Muhammad bin Abdullah")
    assert xlsx_rows(results, officer) == [HEADER, expected_row(mohamed, results[0])]


def test_formula_names_are_inert_in_both_formats(
    officer: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("=cmd|' /C calc'!A0")
    results = [SearchResult(person, 1.0, {})]
    assert csv_rows(results, officer)[1][1] == "'=cmd|' /C calc'!A0"
    stream = io.BytesIO()
    write_xlsx(results, stream, user=officer)
    cell = load_workbook(io.BytesIO(stream.getvalue()))["persons"]["B2"]
    assert (cell.data_type, cell.value) == ("s", "'=cmd|' /C calc'!A0")


def test_an_h3_person_of_someone_else_never_appears(
    officer: User, supervisor: User, make_person: Callable[..., Person], mohamed: Person
) -> None:
    make_person("Mohammed Ben Abdellah", actor=supervisor, handling_code="H3")
    # As if a caller forgot to scope its search: the export must still drop the H3 person.
    results = results_for(officer, "Mohamed Ben Abdallah", scope=Person.objects.all())
    assert len(results) == 2
    rows = csv_rows(results, officer)[1:] + xlsx_rows(results, officer)[1:]
    assert [row[0] for row in rows] == [str(mohamed.uid)] * 2
    assert len(csv_rows(results, supervisor)) == 3


def test_the_export_is_audited_with_its_persons_and_purpose(
    officer: User, supervisor: User, make_person: Callable[..., Person], mohamed: Person
) -> None:
    make_person("Mohammed Ben Abdellah", actor=supervisor, handling_code="H3")
    results = results_for(officer, "Mohamed Ben Abdallah", scope=Person.objects.all())
    log_export(officer, results, "xlsx", "Fugitive case 2026/17")
    entry = AuditEntry.objects.get(action="consult")
    assert (entry.actor_username, entry.purpose) == ("officer", "Fugitive case 2026/17")
    assert entry.detail == {"export": "xlsx", "count": 1, "persons": [str(mohamed.uid)]}


def test_an_export_from_a_request_is_audited_as_its_user(officer: User, mohamed: Person) -> None:
    request = RequestFactory().get("/registry/search/export.csv")
    request.user = officer
    log_export(request, results_for(officer, "Mohamed Ben Abdallah"), "csv", "Screening")
    entry = AuditEntry.objects.get(action="consult")
    assert entry.actor_username == "officer"
    assert entry.origin.endswith("/registry/search/export.csv")
    assert entry.detail["persons"] == [str(mohamed.uid)]

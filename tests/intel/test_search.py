"""The report search: by words, by the indicators read from a report, and by the persons
confirmed in it (found by name in any script, only those the user may see), scoped,
audited with its purpose, each result saying why it was found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.intel.actions import confirm_mention, create_report, suggest_persons
from liaison.intel.models import Report
from liaison.registry.actions import create_person
from liaison.registry.models import Person
from tests.conftest import AUDIT_ENTRY_QUERIES
from tests.intel.conftest import report_data
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
PURPOSE = "Enquête conjointe 2026"

FACTS = (
    "Le 3 mars, محمد بن عبد الله a appelé le 0661234567 depuis الدار البيضاء. "
    "Mail Y.Cherif@Example.ma, passeport AB1234567, plaque AB-123-CD, réseau الكامورا, "
    "voiture 12345-أ-6."
)


def _report(actor: User, facts: str = FACTS, **extra: Any) -> Report:
    values = {"title": "Note 7", "summary": "Sans objet."} | extra
    return create_report(actor=actor, data=report_data(facts=facts, **values))


def _person(supervisor: User, name: str, **extra: Any) -> Person:
    return create_person(actor=supervisor, data=person_data(name, **extra))


def _confirm(actor: User, report: Report, person: Person) -> None:
    suggest_persons(actor=actor, report=report)
    confirm_mention(actor=actor, mention=report.mentions.get(person=person))


def _search(client: Client, q: str) -> str:
    response = client.get("/intel/", {"q": q, "purpose": PURPOSE})
    assert response.status_code == 200
    return response.content.decode()


def _row(page: str, title: str) -> str:
    """The list row of the report titled `title` ("" when it is not listed)."""
    rows = page.split('id="reports"')[1].split("</tbody>")[0].split("<tr>")
    return next((r for r in rows if f">{title}</a>" in r), "")


# by_words: the search's words are also in the facts as written (a substring search alone
# would find the report); the others are found through the indicator only.
@pytest.mark.parametrize(
    ("q", "reason", "by_words"),
    [
        ("+212 661 234 567", "phone number +212661234567", False),
        ("0661234567", "phone number +212661234567", True),
        ("Y.CHERIF@example.MA", "e-mail address y.cherif@example.ma", True),
        ("ab1234567", "document number AB1234567", True),
        ("ab-123-cd", "vehicle plate AB-123-CD", True),
        ("12345 | أ | 6", "vehicle plate 12345-أ-6", False),
        ("casablanca", "place Casablanca", False),  # written الدار البيضاء
        ("Camorra", "organisation Camorra", False),  # written الكامورا
    ],
)
def test_a_report_is_found_by_each_kind_of_indicator(
    officer: User, analyst: User, login: Login, q: str, reason: str, by_words: bool
) -> None:
    report = _report(officer)
    other = _report(officer, facts="Rien à signaler.", title="Note 8")
    page = _search(login(analyst), q)
    row = _row(page, report.title)
    assert reason in row, row
    assert ("words in the title, summary or facts" in row) is by_words
    assert _row(page, other.title) == ""
    entry = AuditEntry.objects.get(object_type="report-search")
    assert (entry.purpose, entry.detail) == (PURPOSE, {"query": q, "count": 1})


def test_a_report_is_found_by_its_confirmed_person_in_another_script(
    officer: User, analyst: User, supervisor: User, login: Login
) -> None:
    person = _person(supervisor, "محمد بن عبد الله")
    report = _report(officer)
    client = login(analyst)
    # Suggested only: not yet a link.
    suggest_persons(actor=analyst, report=report)
    assert _row(_search(client, "Mohamed Ben Abdallah"), report.title) == ""
    confirm_mention(actor=analyst, mention=report.mentions.get(person=person))
    row = _row(_search(client, "Mohamed Ben Abdallah"), report.title)
    assert "linked person محمد بن عبد الله" in row, row
    # The words still find a report as before, and say so.
    row = _row(_search(client, "note 7"), report.title)
    assert "words in the title, summary or facts" in row and "linked person" not in row


def test_a_hidden_person_finds_no_report(
    officer: User, analyst: User, supervisor: User, login: Login
) -> None:
    """The supervisor confirmed an H3 person on a report the analyst may see: the analyst's
    search by that person's name must not find the report (it would reveal the link)."""
    hidden = _person(
        supervisor, "محمد بن عبد الله", handling_code="H3", named_recipients=["supervisor"]
    )
    report = _report(officer, facts="Le 3 mars, محمد بن عبد الله est passé.")
    _confirm(supervisor, report, hidden)
    assert _row(_search(login(supervisor), "Mohamed Ben Abdallah"), report.title) != ""
    page = _search(login(analyst), "Mohamed Ben Abdallah")
    assert _row(page, report.title) == ""
    assert "No report found." in page
    entry = AuditEntry.objects.filter(object_type="report-search").last()
    assert entry is not None and entry.detail["count"] == 0
    api = _api(analyst).get("/api/v1/reports", {"q": "Mohamed Ben Abdallah", "purpose": PURPOSE})
    assert api.json() == []


def test_a_report_the_user_may_not_see_is_not_found_by_its_entities(
    officer: User, supervisor: User, login: Login
) -> None:
    person = _person(supervisor, "محمد بن عبد الله")
    report = _report(supervisor, handling_code="H3")
    _confirm(supervisor, report, person)
    named, other = login(supervisor), login(officer)
    for q in ("+212 661 234 567", "Mohamed Ben Abdallah"):
        assert _row(_search(named, q), report.title) != ""
        assert _row(_search(other, q), report.title) == ""


def test_a_search_without_purpose_is_refused_and_not_logged(
    officer: User, analyst: User, login: Login
) -> None:
    report = _report(officer)
    response = login(analyst).get("/intel/", {"q": "0661234567"})
    page = response.content.decode()
    assert 'id="id_purpose_error"' in page and _row(page, report.title) == ""
    assert _api(analyst).get("/api/v1/reports", {"q": "0661234567"}).status_code == 400
    assert not AuditEntry.objects.filter(object_type="report-search").exists()


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_the_api_says_why_each_report_was_found(
    officer: User, analyst: User, supervisor: User
) -> None:
    person = _person(supervisor, "محمد بن عبد الله")
    report = _report(officer)
    _confirm(analyst, report, person)
    client = _api(analyst)
    found = client.get("/api/v1/reports", {"q": "Mohamed Ben Abdallah", "purpose": PURPOSE})
    assert [(r["uid"], r["matched"]) for r in found.json()] == [
        (str(report.uid), ["linked person محمد بن عبد الله"])
    ]
    found = client.get("/api/v1/reports", {"q": "ab-123-cd", "purpose": PURPOSE}).json()
    assert [r["matched"] for r in found] == [
        ["words in the title, summary or facts", "vehicle plate AB-123-CD"]
    ]
    entry = AuditEntry.objects.filter(object_type="report-search").last()
    assert entry is not None and (entry.purpose, entry.detail["count"]) == (PURPOSE, 1)


# The search page: session, user, the search's audit entry (insert, chain), the person
# search's reads, the reports, their count, the reasons (indicators, links).
SEARCH_QUERIES = 26 + AUDIT_ENTRY_QUERIES  # one entry: the search


def test_the_search_costs_a_fixed_number_of_queries(
    officer: User, analyst: User, supervisor: User, login: Login, django_assert_num_queries: Any
) -> None:
    person = _person(supervisor, "محمد بن عبد الله")
    client = login(analyst)
    for n in (1, 6):
        for _i in range(n):
            _confirm(analyst, _report(officer), person)
        with django_assert_num_queries(SEARCH_QUERIES):
            _search(client, "Mohamed Ben Abdallah 0661234567")

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.registry.models import Person, Warrant
from tests.conftest import AUDIT_ENTRY_QUERIES
from tests.test_permission_matrix import _person_form

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose": "Border check at Tanger Med", "reference": "CASE-7"}


@pytest.fixture
def web(login: Callable[[User], Client], officer: User) -> Client:
    return login(officer)


def test_a_search_without_purpose_is_refused_and_not_run(
    web: Client, make_person: Callable[..., Person]
) -> None:
    make_person("محمد بن عبد الله")
    page = web.get("/registry/", {"name": "Mohamed Ben Abdallah"}).content.decode()
    assert "This field is required" in page
    assert "محمد بن عبد الله" not in page
    assert not AuditEntry.objects.filter(object_type="person-search").exists()


def test_a_search_with_purpose_finds_across_scripts_and_logs_the_purpose(
    web: Client, make_person: Callable[..., Person]
) -> None:
    person = make_person("محمد بن عبد الله")
    page = web.get("/registry/", {"name": "Mohamed Ben Abdallah", **PURPOSE}).content.decode()
    assert str(person.uid) in page and "محمد بن عبد الله" in page
    entry = AuditEntry.objects.get(object_type="person-search")
    assert (entry.purpose, entry.purpose_reference) == (PURPOSE["purpose"], "CASE-7")
    assert entry.detail == {"criteria": ["name"], "results": [str(person.uid)]}
    assert "Mohamed" not in str(entry.detail)  # auditors see ids, not the typed name


@pytest.mark.parametrize(
    "query",
    [
        {"name": "x", "purpose": "abc"},
        {"date_of_birth": "1984-13", **PURPOSE},
        {"nationality": "MAR", **PURPOSE},
        {**PURPOSE},
    ],
)
def test_bad_search_input_gets_a_clear_error(web: Client, query: dict[str, str]) -> None:
    response = web.get("/registry/", query)
    assert response.status_code == 200
    assert "text-danger" in response.content.decode() or "alert-danger" in response.content.decode()


def test_opening_a_person_asks_for_a_purpose_then_logs_it(
    web: Client, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    response = web.get(f"/registry/persons/{person.uid}/")
    assert response.status_code == 302 and "/registry/purpose/" in response["Location"]
    assert not AuditEntry.objects.filter(action="consult", object_type="person").exists()
    response = web.post(
        "/registry/purpose/", {**PURPOSE, "next": f"/registry/persons/{person.uid}/"}
    )
    assert response["Location"] == f"/registry/persons/{person.uid}/"
    page = web.get(response["Location"]).content.decode()
    assert "Karim Benali" in page
    entry = AuditEntry.objects.get(action="consult", object_type="person")
    assert entry.object_id == str(person.uid) and entry.purpose == PURPOSE["purpose"]


def test_the_purpose_page_never_redirects_off_site(web: Client) -> None:
    response = web.post("/registry/purpose/", {**PURPOSE, "next": "https://evil.example/"})
    assert response["Location"] == "/registry/"


def test_an_officer_records_a_person_with_two_names_from_the_form(web: Client) -> None:
    form = _person_form("H0", "محمد بن عبد الله")
    form.update(
        {
            "names-TOTAL_FORMS": "2",
            "names-1-full_name": "Mohamed Ben Abdallah",
            "names-1-kind": "transliteration",
            "birth_dates": "1984-03, 1985",
            "nationalities": "ma, fr",
        }
    )
    response = web.post("/registry/persons/new/", form)
    assert response.status_code == 302
    person = Person.objects.get()
    assert sorted(n.script for n in person.names.all()) == ["arab", "latn"]
    assert person.nationality_codes == ["FR", "MA"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_dates", "84", "YYYY"),
        ("nationalities", "Morocco", "ISO 3166"),
        ("names-0-full_name", "", "required"),
        ("handling_code", "H9", "valid choice"),
        ("names-TOTAL_FORMS", "x", "at least one name"),
    ],
)
def test_bad_person_input_is_refused_with_a_message_and_saves_nothing(
    web: Client, field: str, value: str, message: str
) -> None:
    form = {**_person_form("H0"), field: value}
    response = web.post("/registry/persons/new/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Person.objects.exists()


def test_the_form_adds_name_rows_with_htmx(web: Client) -> None:
    row = web.get("/registry/persons/rows/names/", {"index": "3"}).content.decode()
    assert 'name="names-3-full_name"' in row
    assert (
        'name="documents-0-number"'
        in web.get("/registry/persons/rows/documents/", {"index": "junk"}).content.decode()
    )


def test_an_illegal_transition_is_refused_with_its_reason(web: Client, warrant: Warrant) -> None:
    web.post(
        f"/registry/warrants/{warrant.uid}/status/",
        {"status": "executed", "reason": "Arrested in Tanger."},
    )
    response = web.post(
        f"/registry/warrants/{warrant.uid}/status/", {"status": "active"}, follow=True
    )
    assert "cannot change from “executed” to “active”" in response.content.decode()
    assert Warrant.objects.get(pk=warrant.pk).status == "executed"


def test_an_arrest_alert_below_the_threshold_is_refused_in_the_form(
    web: Client, warrant: Warrant
) -> None:
    Warrant.objects.filter(pk=warrant.pk).update(max_penalty_months=12)
    response = web.post(
        f"/registry/persons/{warrant.person.uid}/alerts/new/",
        {
            "alert_type": "arrest",
            "warrant": str(warrant.pk),
            "action_on_hit": "Arrest",
            "not_political_declared": "on",
            "handling_code": "H0",
        },
    )
    assert response.status_code == 200
    assert "at least two years" in response.content.decode()
    assert not warrant.person.alerts.exists()


# The person page, however many warrants and alerts the person has (pinned exactly: a query
# per row, or one more anywhere, shows here), with its consult audit entry, the hits'
# decisions, the Sharing panel (shares, envelopes, service names) and the reports naming
# the person (the intelligence app's panel), and its bans (the events app's panel).
PERSON_PAGE_QUERIES = 24 + AUDIT_ENTRY_QUERIES  # + the navbar's desk count


def test_the_person_page_uses_a_fixed_number_of_queries(
    web: Client, warrant: Warrant, officer: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liaison.registry.actions import create_alert, create_warrant
    from tests.registry.conftest import arrest_alert, warrant_data

    session = web.session
    session["registry_purpose"] = PURPOSE
    session.save()
    person = warrant.person
    url = f"/registry/persons/{person.uid}/"

    def page_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = web.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries), response.content.decode()

    few, _ = page_queries()
    for n in range(3):
        more = create_warrant(actor=officer, person=person, data=warrant_data(reference=f"W-{n}"))
        create_alert(actor=officer, person=person, data=arrest_alert(more))
    many, page = page_queries()
    assert all(f"W-{n}" in page for n in range(3))
    assert few == many == PERSON_PAGE_QUERIES, (few, many)


def test_the_person_page_reads_right_to_left_in_arabic(web: Client, warrant: Warrant) -> None:
    session = web.session
    session["registry_purpose"] = PURPOSE
    session.save()
    web.post("/i18n/setlang/", {"language": "ar"})
    page = web.get(f"/registry/persons/{warrant.person.uid}/").content.decode()
    assert 'dir="rtl"' in page and "محمد بن عبد الله" in page


@pytest.mark.parametrize(
    "body",
    [
        {"category": "wanted", "names": [{"full_name": "A B"}], "nationalities": ["MAR"]},
        {"category": "wanted", "names": [{"full_name": "A B"}], "birth_dates": ["84"]},
        {"category": "wanted", "names": []},
        {"category": "wanted", "names": [{"full_name": "A B"}], "unknown_field": 1},
        {"category": "wanted", "names": [{"full_name": "A B"}], "handling_code": "H7"},
    ],
)
def test_bad_api_input_is_refused_with_a_clear_error_and_changes_nothing(
    officer: User, body: dict[str, object]
) -> None:
    from liaison.accounts.tokens import create_api_token

    _row, raw = create_api_token(user=officer, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.post("/api/v1/persons", body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()
    assert not Person.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_search_results_export_and_the_export_is_audited(
    web: Client, make_person: Callable[..., Person], fmt: str
) -> None:
    person = make_person("محمد بن عبد الله")
    response = web.get(f"/registry/export.{fmt}", {"name": "Mohamed Ben Abdallah", **PURPOSE})
    assert response.status_code == 200
    body = response.content
    if fmt == "csv":
        assert str(person.uid) in body.decode()
    else:
        assert body[:2] == b"PK"  # a zip container, as XLSX files are
    export = AuditEntry.objects.get(detail__export=fmt)
    assert export.detail["persons"] == [str(person.uid)]


def test_an_export_without_purpose_is_refused(web: Client) -> None:
    response = web.get("/registry/export.csv", {"name": "Mohamed"})
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(detail__has_key="export").exists()


def test_the_desk_lists_reviews_due_within_four_months_to_supervisors_only(
    web: Client, warrant: Warrant, supervisor: User, login: Callable[[User], Client]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    boss = login(supervisor)
    assert warrant.reference not in boss.get("/").content.decode()
    soon = timezone.localdate() + timedelta(days=100)
    Warrant.objects.filter(pk=warrant.pk).update(review_date=soon)
    page = boss.get("/").content.decode()
    assert 'id="desk-reviews"' in page and warrant.reference in page
    # Officers cannot extend a review date: the desk does not send them there (docs/desk.md).
    assert 'id="desk-reviews"' not in web.get("/").content.decode()
    assert warrant.reference in web.get("/registry/reviews/").content.decode()


def test_a_one_word_search_explains_why_it_finds_nobody(
    web: Client, make_person: Callable[..., Person]
) -> None:
    make_person("Mohamed Ben Abdallah")
    page = web.get("/registry/", {"name": "Mohamed", **PURPOSE}).content.decode()
    assert 'id="one-word-hint"' in page

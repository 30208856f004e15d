"""Forms an officer can trust: each bad value is refused beside its field and in a summary,
rows can be removed, a likely duplicate is shown before recording, a form saved once is
not saved twice, and each record opened asks for its own purpose."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.registry.models import Alert, Hit, IdentityDocument, Person, Warrant
from tests.test_permission_matrix import _person_form

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()
PURPOSE = {"purpose": "Identity check at Tanger Med", "reference": ""}


@pytest.fixture
def web(login: Callable[[User], Client], officer: User) -> Client:
    return login(officer)


@pytest.fixture
def api(officer: User) -> Client:
    _row, raw = create_api_token(user=officer, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def beside(page: str, field_id: str) -> str:
    """The error text shown beside one field (its _error block), or ""."""
    match = re.search(rf'<div id="{field_id}_error">(.*?)</div>\s*</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def summary(page: str) -> str:
    match = re.search(r'<div class="alert alert-danger"[^>]*data-error-summary.*?</ul>', page, re.S)
    return match.group(0) if match else ""


def input_tag(page: str, name: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


# Person form: each bad value beside its field, in the summary, and nothing written


PERSON_CASES = [
    ("birth_dates", "1990-02-30", "1990-02-30 is not a real date"),
    ("birth_dates", "2099-01-01", "2099-01-01 is in the future"),
    ("review_date", YESTERDAY, f"{YESTERDAY} is not in the future"),
    ("review_date", TODAY.isoformat(), f"{TODAY.isoformat()} is not in the future"),
    ("review_date", "2030-02-30", "2030-02-30 is not a real date"),
    ("nationalities", "Morocco", "ISO 3166"),
]


@pytest.mark.parametrize(("field", "value", "message"), PERSON_CASES)
def test_a_bad_person_field_is_refused_beside_the_field_and_in_the_summary(
    web: Client, field: str, value: str, message: str
) -> None:
    page = web.post("/registry/persons/new/", {**_person_form("H0"), field: value})
    html = page.content.decode()
    assert page.status_code == 200
    assert message in beside(html, f"id_{field}")
    tag = input_tag(html, field)
    assert 'aria-invalid="true"' in tag and f"id_{field}_error" in tag
    box = summary(html)
    assert f'href="#id_{field}"' in box and message in box and 'tabindex="-1"' in box
    assert not Person.objects.exists()


def test_an_untouched_form_says_a_name_is_needed_not_submit_at_least_one_form(
    web: Client,
) -> None:
    form = {**_person_form("H0"), "names-0-full_name": ""}
    html = web.post("/registry/persons/new/", form).content.decode()
    assert "at least 1 form" not in html and "au moins 1 formulaire" not in html
    assert "required" in beside(html, "id_names-0-full_name")
    assert 'href="#id_names-0-full_name"' in summary(html)
    assert not Person.objects.exists()


def test_the_summary_is_in_french_without_the_formset_message(
    web: Client,
) -> None:
    web.post("/i18n/setlang/", {"language": "fr"})
    form = {**_person_form("H0"), "names-0-full_name": "", "category": ""}
    html = web.post("/registry/persons/new/", form).content.decode()
    assert "au moins 1 formulaire" not in html and "data-error-summary" in html
    assert not Person.objects.exists()


# Rows: removable, and an empty added document row is ignored


def _documents(*rows: dict[str, str]) -> dict[str, str]:
    form = {"documents-TOTAL_FORMS": str(len(rows))}
    for i, row in enumerate(rows):
        form |= {f"documents-{i}-{k}": v for k, v in row.items()}
    return form


def test_an_empty_added_document_row_does_not_block_saving(web: Client) -> None:
    empty = {"document_type": "passport", "number": "", "issuing_country": ""}
    response = web.post("/registry/persons/new/", {**_person_form("H0"), **_documents(empty)})
    assert response.status_code == 302
    assert Person.objects.count() == 1 and not IdentityDocument.objects.exists()


def test_a_half_filled_document_row_is_still_an_error(web: Client) -> None:
    half = {"document_type": "passport", "number": "AB123", "issuing_country": ""}
    page = web.post("/registry/persons/new/", {**_person_form("H0"), **_documents(half)})
    assert "required" in beside(page.content.decode(), "id_documents-0-issuing_country")
    assert not Person.objects.exists()


def test_removed_rows_are_left_out_even_when_invalid(web: Client) -> None:
    form = {
        **_person_form("H0", "Karim Benali"),
        "names-TOTAL_FORMS": "2",
        "names-1-full_name": "Karim\u202eBenali",  # invalid, but removed
        "names-1-kind": "alias",
        "names-1-DELETE": "on",
        **_documents(
            {"document_type": "passport", "number": "KEEP1", "issuing_country": "MA"},
            {
                "document_type": "passport",
                "number": "DROP2",
                "issuing_country": "MA",
                "DELETE": "on",
            },
        ),
    }
    response = web.post("/registry/persons/new/", form)
    assert response.status_code == 302
    person = Person.objects.get()
    assert [n.full_name for n in person.names.all()] == ["Karim Benali"]
    assert [d.number for d in person.documents.all()] == ["KEEP1"]


def test_removing_the_only_name_is_refused_with_a_message(web: Client) -> None:
    form = {**_person_form("H0", "Karim Benali"), "names-0-DELETE": "on"}
    html = web.post("/registry/persons/new/", form).content.decode()
    assert "Give at least one name." in summary(html)
    assert not Person.objects.exists()


def test_editing_removes_a_document_row(web: Client, make_person: Callable[..., Person]) -> None:
    from liaison.registry.actions import DocumentData

    person = make_person(
        "Karim Benali",
        documents=[DocumentData("passport", "AB1", "MA"), DocumentData("national_id", "CD2", "MA")],
    )
    form = {
        **_person_form("H0", "Karim Benali"),
        "names-INITIAL_FORMS": "1",
        "documents-INITIAL_FORMS": "2",
        **_documents(
            {"document_type": "passport", "number": "AB1", "issuing_country": "MA"},
            {
                "document_type": "national_id",
                "number": "CD2",
                "issuing_country": "MA",
                "DELETE": "on",
            },
        ),
    }
    response = web.post(f"/registry/persons/{person.uid}/edit/", form)
    assert response.status_code == 302
    assert [d.number for d in person.documents.all()] == ["AB1"]


@pytest.mark.parametrize("kind", ["names", "documents"])
def test_an_added_row_has_its_remove_checkbox(web: Client, kind: str) -> None:
    html = web.get(f"/registry/persons/rows/{kind}/", {"index": "3"}).content.decode()
    tag = input_tag(html, f"{kind}-3-DELETE")
    assert 'type="checkbox"' in tag and "data-remove-row" in tag
    assert "Remove this" in html


# Child forms: the same rules beside the field


def test_a_hit_dated_2099_is_refused_beside_the_field(
    web: Client, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    form = {
        "encountered_name": "Karim Benali",
        "encountered_on": "2099-01-01T10:00",
        "place": "Tanger Med",
        "context": "border_check",
        "handling_code": "H0",
    }
    html = web.post(f"/registry/persons/{person.uid}/hits/new/", form).content.decode()
    assert "2099-01-01 10:00 is in the future" in beside(html, "id_encountered_on")
    assert 'href="#id_encountered_on"' in summary(html)
    assert not Hit.objects.exists()
    form["encountered_on"] = "2026-02-30T10:00"
    html = web.post(f"/registry/persons/{person.uid}/hits/new/", form).content.decode()
    assert "2026-02-30T10:00 is not a real date" in beside(html, "id_encountered_on")
    assert not Hit.objects.exists()


def test_a_warrant_review_date_in_the_past_is_refused_beside_the_field(
    web: Client, make_person: Callable[..., Person]
) -> None:
    from tests.registry.test_field_rules import WARRANT_FORM

    person = make_person("Karim Benali")
    form = {**WARRANT_FORM, "review_date": YESTERDAY}
    html = web.post(f"/registry/persons/{person.uid}/warrants/new/", form).content.decode()
    assert f"{YESTERDAY} is not in the future" in beside(html, "id_review_date")
    assert not Warrant.objects.exists()


# The API: 400 naming the field, nothing written


def _errors(response: Any) -> str:
    assert response.status_code in (400, 422), response.content[:300]
    return json.dumps(response.json())


def test_the_api_refuses_a_hit_in_the_future_naming_the_field(
    api: Client, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    body = {
        "encountered_name": "Karim Benali",
        "encountered_on": "2099-01-01T10:00:00+00:00",
        "place": "Tanger Med",
        "context": "border_check",
    }
    error = _errors(api.post(f"/api/v1/persons/{person.uid}/hits", body, "application/json"))
    assert "encountered_on" in error and "in the future" in error
    assert not Hit.objects.exists()
    soon = (timezone.now() + timedelta(minutes=1)).isoformat()  # clock skew: accepted
    ok = api.post(
        f"/api/v1/persons/{person.uid}/hits", body | {"encountered_on": soon}, "application/json"
    )
    assert ok.status_code == 201 and Hit.objects.count() == 1


@pytest.mark.parametrize("kind", ["warrants", "alerts"])
def test_the_api_refuses_a_past_review_date_naming_the_field(
    api: Client, warrant: Warrant, kind: str
) -> None:
    if kind == "warrants":
        body: dict[str, Any] = {
            "issuing_country": "MA",
            "issuing_authority": "Procureur du Roi",
            "reference": "X-1",
            "issued_on": "2026-01-01",
            "offences": ["drugs"],
        }
    else:
        body = {"alert_type": "discreet_check", "action_on_hit": "Inform the liaison officer."}
    body["review_date"] = YESTERDAY
    path = f"/api/v1/persons/{warrant.person.uid}/{kind}"
    error = _errors(api.post(path, body, "application/json"))
    assert "review_date" in error and YESTERDAY in error
    assert Warrant.objects.count() == 1 and not Alert.objects.exists()


def test_the_api_refuses_an_impossible_birth_date_and_a_past_review_date(api: Client) -> None:
    body: dict[str, Any] = {"category": "wanted", "names": [{"full_name": "Karim Benali"}]}
    error = _errors(
        api.post("/api/v1/persons", body | {"birth_dates": ["1990-02-30"]}, "application/json")
    )
    assert "birth_dates" in error and "1990-02-30 is not a real date" in error
    error = _errors(
        api.post("/api/v1/persons", body | {"review_date": YESTERDAY}, "application/json")
    )
    assert "Review date" in error and YESTERDAY in error
    assert not Person.objects.exists()


def test_the_action_refuses_a_hit_in_the_future(
    officer: User, make_person: Callable[..., Person]
) -> None:
    from liaison.registry.actions import HitData, RegistryError, record_hit

    person = make_person("Karim Benali")
    data = HitData("Karim Benali", timezone.now() + timedelta(days=1), "Tanger Med", "border_check")
    with pytest.raises(RegistryError, match="in the future"):
        record_hit(actor=officer, person=person, data=data)
    assert not Hit.objects.exists()


# Duplicates: shown before recording; recorded only when the user confirms


def test_a_likely_duplicate_is_shown_and_nothing_is_recorded_until_confirmed(
    web: Client, make_person: Callable[..., Person]
) -> None:
    existing = make_person("Karim Benali", birth_dates=["1984-03-12"])
    form = {**_person_form("H0", "Karim Benali"), "birth_dates": "1984-03-12"}
    page = web.post("/registry/persons/new/", form)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="duplicates"' in html and f"/registry/persons/{existing.uid}/" in html
    assert 'name="create_anyway"' in html
    assert Person.objects.count() == 1
    check = AuditEntry.objects.get(action="consult", object_type="person-search")
    assert check.detail["results"] == [str(existing.uid)] and check.detail["duplicate_check"]

    response = web.post("/registry/persons/new/", {**form, "create_anyway": "1"})
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_a_different_person_is_recorded_without_a_warning(
    web: Client, make_person: Callable[..., Person]
) -> None:
    make_person("Karim Benali", birth_dates=["1984-03-12"])
    form = {**_person_form("H0", "Youssef El Amrani"), "birth_dates": "1991-07-02"}
    response = web.post("/registry/persons/new/", form)
    assert response.status_code == 302
    assert Person.objects.count() == 2
    assert not AuditEntry.objects.filter(action="consult").exists()


def test_the_duplicate_check_shows_only_persons_the_user_may_see(
    web: Client, make_person: Callable[..., Person], supervisor: User
) -> None:
    make_person("Karim Benali", birth_dates=["1984-03-12"], actor=supervisor, handling_code="H3")
    form = {**_person_form("H0", "Karim Benali"), "birth_dates": "1984-03-12"}
    response = web.post("/registry/persons/new/", form)
    assert response.status_code == 302  # nothing visible to warn about
    assert Person.objects.count() == 2


# Idempotency: the same form posted twice records once


def _token(page: Any) -> str:
    match = re.search(r'name="form_token" value="([0-9a-f]{32})"', page.content.decode())
    assert match
    return match.group(1)


def test_back_then_save_records_one_person_and_leads_to_it(web: Client) -> None:
    form = {
        **_person_form("H0", "Karim Benali"),
        "form_token": _token(web.get("/registry/persons/new/")),
    }
    first = web.post("/registry/persons/new/", form)
    person = Person.objects.get()
    assert first["Location"] == f"/registry/persons/{person.uid}/"
    again = web.post("/registry/persons/new/", form, follow=True)
    assert Person.objects.count() == 1
    assert again.redirect_chain[0][0] == f"/registry/persons/{person.uid}/"
    assert "already saved" in again.content.decode()
    # A fresh form is a new record.
    fresh = {**form, "form_token": _token(web.get("/registry/persons/new/")), "create_anyway": "1"}
    assert web.post("/registry/persons/new/", fresh).status_code == 302
    assert Person.objects.count() == 2


def test_a_refused_form_keeps_its_token_and_saves_once_corrected(web: Client) -> None:
    token = _token(web.get("/registry/persons/new/"))
    bad = {**_person_form("H0", "Karim Benali"), "form_token": token, "birth_dates": "1990-02-30"}
    page = web.post("/registry/persons/new/", bad)
    assert _token(page) == token and not Person.objects.exists()
    assert (
        web.post("/registry/persons/new/", {**bad, "birth_dates": "1990-02-28"}).status_code == 302
    )
    assert (
        web.post("/registry/persons/new/", {**bad, "birth_dates": "1990-02-28"}).status_code == 302
    )
    assert Person.objects.count() == 1


def test_a_warrant_form_posted_twice_records_one_warrant(
    web: Client, make_person: Callable[..., Person]
) -> None:
    from tests.registry.test_field_rules import WARRANT_FORM

    person = make_person("Karim Benali")
    url = f"/registry/persons/{person.uid}/warrants/new/"
    form = {**WARRANT_FORM, "form_token": _token(web.get(url))}
    assert web.post(url, form).status_code == 302
    assert web.post(url, form)["Location"] == f"/registry/persons/{person.uid}/"
    assert Warrant.objects.count() == 1


# Purpose: asked per record opened; the same one only when the user confirms it


def _consults(person: Person) -> list[str]:
    entries = AuditEntry.objects.filter(
        action="consult", object_type="person", object_id=str(person.uid)
    )
    return [e.purpose for e in entries.order_by("seq")]


def test_opening_a_second_record_asks_again_and_logs_the_purpose_given(
    web: Client, make_person: Callable[..., Person]
) -> None:
    a, b = make_person("Karim Benali"), make_person("Youssef El Amrani")
    web.post("/registry/purpose/", {**PURPOSE, "next": f"/registry/persons/{a.uid}/"})
    assert web.get(f"/registry/persons/{a.uid}/").status_code == 200
    response = web.get(f"/registry/persons/{b.uid}/")
    assert response.status_code == 302 and "/registry/purpose/" in response["Location"]
    assert _consults(b) == []
    page = web.get(response["Location"]).content.decode()
    assert "Same purpose for this record" in page and "Karim Benali" in page
    web.post(
        "/registry/purpose/",
        {
            "purpose": "Extradition file review",
            "reference": "",
            "next": f"/registry/persons/{b.uid}/",
        },
    )
    assert web.get(f"/registry/persons/{b.uid}/").status_code == 200
    assert _consults(a) == [PURPOSE["purpose"]] and _consults(b) == ["Extradition file review"]


def test_the_same_purpose_is_reused_only_when_confirmed(
    web: Client, make_person: Callable[..., Person]
) -> None:
    a, b = make_person("Karim Benali"), make_person("Youssef El Amrani")
    web.post("/registry/purpose/", {**PURPOSE, "next": f"/registry/persons/{a.uid}/"})
    web.get(f"/registry/persons/{a.uid}/")
    response = web.post(
        "/registry/purpose/", {"same_purpose": "1", "next": f"/registry/persons/{b.uid}/"}
    )
    assert response["Location"] == f"/registry/persons/{b.uid}/"
    assert web.get(f"/registry/persons/{b.uid}/").status_code == 200
    assert _consults(b) == [PURPOSE["purpose"]]


def test_recording_a_person_is_not_the_purpose_of_the_next_record_opened(
    web: Client, make_person: Callable[..., Person]
) -> None:
    other = make_person("Youssef El Amrani")
    web.post("/registry/persons/new/", _person_form("H0", "Karim Benali"))
    created = Person.objects.exclude(pk=other.pk).get()
    assert web.get(f"/registry/persons/{created.uid}/").status_code == 200
    assert _consults(created) == ["Recording"]
    response = web.get(f"/registry/persons/{other.uid}/")
    assert response.status_code == 302 and "/registry/purpose/" in response["Location"]
    assert _consults(other) == []


def test_a_search_purpose_covers_the_first_record_opened_from_it(
    web: Client, make_person: Callable[..., Person]
) -> None:
    a, b = make_person("Karim Benali"), make_person("Karim Benalli")
    web.get("/registry/", {"name": "Karim Benali", **PURPOSE})
    assert web.get(f"/registry/persons/{a.uid}/").status_code == 200
    assert web.get(f"/registry/persons/{a.uid}/").status_code == 200  # again: the same one
    assert web.get(f"/registry/persons/{b.uid}/").status_code == 302
    assert _consults(a) == [PURPOSE["purpose"]] * 2 and _consults(b) == []


def test_an_edit_keeping_a_past_review_date_is_not_refused_for_it(
    web: Client, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    Person.objects.filter(pk=person.pk).update(review_date=TODAY - timedelta(days=3))
    form = {
        **_person_form("H0", "Karim Benali"),
        "names-INITIAL_FORMS": "1",
        "review_date": (TODAY - timedelta(days=3)).isoformat(),
        "place_of_birth": "Tanger",
    }
    response = web.post(f"/registry/persons/{person.uid}/edit/", form)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.place_of_birth == "Tanger" and person.version == 2
    form["review_date"] = (TODAY - timedelta(days=1)).isoformat()  # a new past date: refused
    page = web.post(f"/registry/persons/{person.uid}/edit/", form).content.decode()
    assert "is not in the future" in beside(page, "id_review_date")
    person.refresh_from_db()
    assert person.version == 2

"""Every answer under /api/ is JSON, and every error is the documented `Error` shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.registry.actions import create_person, create_warrant
from liaison.registry.models import Person
from tests.registry.conftest import person_data, warrant_data

pytestmark = pytest.mark.django_db

PERSON = {"category": "wanted", "names": [{"full_name": "Nour Haddad"}]}


@pytest.fixture
def api(officer: User) -> Client:
    _row, raw = create_api_token(user=officer, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"}, raise_request_exception=False)


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The response's body, once it is checked to be the documented error shape."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.get("Content-Length", str(len(response.content))) == str(len(response.content))
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    for error in body["errors"]:
        assert set(error) == {"loc", "msg", "type"}
    return body


def test_an_invalid_body_is_refused_with_400_and_the_field_errors(api: Client) -> None:
    body = {"category": "wanted", "names": [{"full_name": ""}], "nationalities": ["xx"]}
    response = api.post("/api/v1/persons", body, content_type="application/json")
    error = error_of(response, 400)
    locs = [e["loc"] for e in error["errors"]]
    assert locs == [["body", "names", 0, "full_name"], ["body", "nationalities", 0]]
    assert error["detail"].startswith("body.names.0.full_name: ")
    assert not Person.objects.exists()


def test_an_unknown_field_is_named_in_the_error(api: Client) -> None:
    response = api.post("/api/v1/persons", {**PERSON, "extra": 1}, content_type="application/json")
    error = error_of(response, 400)
    assert error["errors"] == [
        {
            "loc": ["body", "extra"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        }
    ]
    assert not Person.objects.exists()


def test_a_body_that_is_not_json_is_refused_with_400(api: Client) -> None:
    response = api.post("/api/v1/persons", "{not json", content_type="application/json")
    error_of(response, 400)
    assert not Person.objects.exists()


def test_an_invalid_query_is_refused_with_400_and_the_field_errors(api: Client) -> None:
    response = api.get("/api/v1/persons", {"name": "Nour", "purpose": "x"})
    error = error_of(response, 400)
    assert [e["loc"] for e in error["errors"]] == [["query", "purpose"]]


def test_a_malformed_id_is_refused_with_400(api: Client) -> None:
    response = api.get("/api/v1/persons/not-a-uuid", {"purpose": "checking things"})
    assert [e["loc"] for e in error_of(response, 400)["errors"]] == [["path", "uid"]]


def test_a_refusal_by_the_rules_uses_the_same_shape(api: Client) -> None:
    # A search with a list-only filter: a rule of the endpoint, not of the schema.
    query = {"purpose": "checking things", "name": "N", "handling_code": "H1"}
    response = api.get("/api/v1/persons", query)
    assert error_of(response, 400)["errors"] == []


@pytest.mark.parametrize(
    "route",
    [
        "/api/v1/",
        "/api/v1/no-such-route",
        "/api/v1/persons/",
        "/api/",
    ],
)
def test_unknown_api_routes_answer_a_json_404(api: Client, route: str) -> None:
    error_of(api.get(route), 404)


def test_a_record_that_does_not_exist_answers_a_json_404(api: Client) -> None:
    uid = "00000000-0000-0000-0000-000000000000"
    error_of(api.get(f"/api/v1/persons/{uid}", {"purpose": "checking things"}), 404)


def test_a_wrong_method_answers_a_json_405_that_lists_the_allowed_ones(api: Client) -> None:
    response = api.patch("/api/v1/persons", PERSON, content_type="application/json")
    error_of(response, 405)
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("header", ["", "Bearer lsn_nope"])
def test_a_request_without_valid_credentials_answers_a_json_401(
    db: None, method: str, header: str
) -> None:
    # A POST without a session used to fail the session's CSRF check first and answer 403.
    headers = {"Authorization": header} if header else {}
    client = Client(enforce_csrf_checks=True, headers=headers)
    uid = "00000000-0000-0000-0000-000000000000"
    route = "/api/v1/persons" if method in ("get", "post") else f"/api/v1/persons/{uid}"
    response = getattr(client, method)(route, PERSON, content_type="application/json")
    error_of(response, 401)


def test_a_user_who_may_not_write_gets_a_json_403(make_user: Callable[..., User]) -> None:
    _row, raw = create_api_token(user=make_user("auditor", "auditor"), name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    error_of(client.post("/api/v1/persons", PERSON, content_type="application/json"), 403)
    assert not Person.objects.exists()


def test_a_session_client_without_the_csrf_token_gets_a_json_403(
    login: Callable[[User], Client], officer: User
) -> None:
    client = login(officer)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/persons", PERSON, content_type="application/json")
    assert "CSRF" in error_of(response, 403)["detail"]
    assert not Person.objects.exists()


def test_a_session_client_with_the_csrf_token_is_accepted(
    login: Callable[[User], Client], officer: User
) -> None:
    client = login(officer)
    client.handler.enforce_csrf_checks = True
    token = str(client.get("/").context["csrf_token"])
    response = client.post(
        "/api/v1/persons", PERSON, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201, response.content[:300]


def test_a_body_over_the_upload_limit_answers_a_json_413(api: Client) -> None:
    padding = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = {**PERSON, "distinguishing_marks": padding}
    error_of(api.post("/api/v1/persons", body, content_type="application/json"), 413)
    assert not Person.objects.exists()


def test_a_server_error_answers_a_json_500(api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("liaison.registry.api.persons_visible_to", broken)
    response = api.get("/api/v1/persons", {"name": "Nour", "purpose": "checking things"})
    error = error_of(response, 500)
    assert "on fire" not in error["detail"]


def test_every_operation_documents_its_errors_with_the_error_schema(api: Client) -> None:
    document = api.get("/api/v1/openapi.json").json()
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401"} | ({"400"} if operation.get("parameters") else set())
            expected |= {"403"} if operation.get("tags") == ["registry"] else set()
            expected |= {"400", "413"} if "requestBody" in operation else set()
            expected |= {"404"} if "{" in path else set()
            assert expected <= set(responses), (method, path, sorted(responses))
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error_ref, (method, path, status)
    fields = document["components"]["schemas"]["ErrorOut"]
    assert set(fields["required"]) == {"detail", "errors"}


@pytest.mark.parametrize("flag", [0, 1, "yes", "false", None])
def test_a_flag_that_is_not_a_json_boolean_is_refused(api: Client, flag: object) -> None:
    body = {**PERSON, "neutrality_flag": flag}
    error = error_of(api.post("/api/v1/persons", body, content_type="application/json"), 400)
    assert [e["loc"] for e in error["errors"]] == [["body", "neutrality_flag"]]
    assert not Person.objects.exists()


def test_a_status_the_document_does_not_list_is_refused_with_the_field_named(
    api: Client, officer: User
) -> None:
    person = create_person(actor=officer, data=person_data("Nour Haddad"))
    warrant = create_warrant(actor=officer, person=person, data=warrant_data())
    route = f"/api/v1/warrants/{warrant.uid}/status"
    response = api.post(route, {"status": "gone"}, content_type="application/json")
    assert [e["loc"] for e in error_of(response, 400)["errors"]] == [["body", "status"]]
    document = api.get("/api/v1/openapi.json").json()
    statuses = document["components"]["schemas"]["WarrantStatus"]["enum"]
    assert statuses == ["active", "executed", "withdrawn", "expired"]


@pytest.mark.parametrize("value", [0, 1700000000, "2000-01-01T00:00:00", "01/02/2030"])
def test_a_date_that_is_not_written_yyyy_mm_dd_is_refused(api: Client, value: object) -> None:
    body = {**PERSON, "review_date": value}
    error = error_of(api.post("/api/v1/persons", body, content_type="application/json"), 400)
    assert [e["loc"] for e in error["errors"]] == [["body", "review_date"]]
    assert not Person.objects.exists()


@pytest.mark.parametrize("value", [0, "2026-03-01T10:00:00", "2026-03-01"])
def test_a_hit_time_without_its_offset_is_refused(
    api: Client, officer: User, value: object
) -> None:
    person = create_person(actor=officer, data=person_data("Nour Haddad"))
    body = {"encountered_name": "N. Haddad", "encountered_on": value, "place": "Tanger Med"}
    body["context"] = "border_check"
    response = api.post(f"/api/v1/persons/{person.uid}/hits", body, content_type="application/json")
    assert [e["loc"] for e in error_of(response, 400)["errors"]] == [["body", "encountered_on"]]
    assert not person.hits.exists()
    body["encountered_on"] = "2026-03-01T10:00:00+01:00"
    response = api.post(f"/api/v1/persons/{person.uid}/hits", body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize(
    ("field", "body", "loc"),
    [
        ("a name", {"names": [{"full_name": "Nour\x00Haddad"}]}, ["body", "names", 0, "full_name"]),
        ("a list", {"named_recipients": ["fr\x00"]}, ["body", "named_recipients"]),
        ("a text", {"distinguishing_marks": "\x00"}, ["body", "distinguishing_marks"]),
    ],
)
def test_a_nul_character_in_the_body_is_a_field_error(
    api: Client, field: str, body: dict[str, object], loc: list[object]
) -> None:
    # PostgreSQL cannot store NUL in text: it used to reach the database and fail there (500).
    response = api.post("/api/v1/persons", {**PERSON, **body}, content_type="application/json")
    assert [e["loc"] for e in error_of(response, 400)["errors"]] == [loc]
    assert not Person.objects.exists()


@pytest.mark.parametrize("param", ["name", "purpose", "reference"])
def test_a_nul_character_in_the_query_is_a_field_error(api: Client, param: str) -> None:
    query = {"name": "Nour", "purpose": "checking things", "reference": "R-1"}
    query[param] += "\x00"
    response = api.get("/api/v1/persons", query)
    assert [e["loc"] for e in error_of(response, 400)["errors"]] == [["query", param]]


def test_a_nul_character_in_an_erasure_reason_is_a_field_error(api: Client, officer: User) -> None:
    person = create_person(actor=officer, data=person_data("Nour Haddad"))
    response = api.delete(f"/api/v1/persons/{person.uid}?reason=dup%00licate")
    assert [e["loc"] for e in error_of(response, 400)["errors"]] == [["query", "reason"]]
    assert Person.objects.filter(pk=person.pk).exists()


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+00:21", "9999-12-31T23:00:00-05:00"])
def test_a_hit_time_that_utc_cannot_hold_is_refused(api: Client, officer: User, value: str) -> None:
    # PostgreSQL stored 0001-01-01T00:00+00:21 as a time before year 1: every later read of
    # the hit failed (500).
    person = create_person(actor=officer, data=person_data("Nour Haddad"))
    body = {"encountered_name": "N. Haddad", "encountered_on": value, "place": "Tanger Med"}
    body["context"] = "border_check"
    response = api.post(f"/api/v1/persons/{person.uid}/hits", body, content_type="application/json")
    assert [e["loc"] for e in error_of(response, 400)["errors"]] == [["body", "encountered_on"]]
    assert not person.hits.exists()


def test_a_hit_time_with_an_offset_postgresql_does_not_take_is_stored_as_the_same_instant(
    api: Client, officer: User
) -> None:
    # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows: it used to fail (500).
    person = create_person(actor=officer, data=person_data("Nour Haddad"))
    body = {"encountered_name": "N. Haddad", "place": "Tanger Med", "context": "border_check"}
    body["encountered_on"] = "2026-03-01T05:35:26-18:22"
    response = api.post(f"/api/v1/persons/{person.uid}/hits", body, content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    stored = person.hits.get().encountered_on
    assert stored == datetime(2026, 3, 1, 23, 57, 26, tzinfo=UTC)


def test_no_two_schemas_of_the_api_share_a_name() -> None:
    """The OpenAPI document names each schema by its class: two classes of one name (the
    plan's and the reports' indicators were) give one the other's description, and a
    client or the fuzzer then validates answers against the wrong one."""
    from ninja import Schema

    import liaison.api  # noqa: F401  (every router and its schemas)

    def subclasses(cls: type) -> list[type]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    ours = [c for c in subclasses(Schema) if c.__module__.startswith("liaison.")]
    shapes: dict[str, set[str]] = {}
    for cls in ours:  # one shape per name (a shape declared twice, alike, does no harm)
        shape = json.dumps(cls.model_json_schema(), sort_keys=True)
        shapes.setdefault(cls.__name__, set()).add(shape)
    assert sorted(name for name, found in shapes.items() if len(found) > 1) == []

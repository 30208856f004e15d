"""`Idempotency-Key` on the API's POSTs that create records: a retried request gets its
first answer back and records nothing; the key with another request is refused; keys
expire after a day; refusals are not remembered (liaison/core/idempotency.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.core import idempotency
from liaison.core.models import IdempotencyKey
from liaison.events.models import Event
from liaison.registry.models import Person, Warrant

pytestmark = pytest.mark.django_db

PERSON = {"category": "wanted", "names": [{"full_name": "Karim Benali"}]}
OTHER = {"category": "wanted", "names": [{"full_name": "Yasmine Alaoui"}]}
WARRANT = {
    "issuing_country": "MA",
    "issuing_authority": "Procureur du Roi, Casablanca",
    "reference": "MA-2026-0042",
    "issued_on": "2026-03-01",
    "offences": ["drugs"],
}
KEY = "7d5c1a3e-2f4b-4c8e-9a61-0b2d3e4f5a6b"


def _api(user: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {create_api_token(user=user, name='t')[1]}"})


def _post(client: Client, path: str, body: dict[str, Any], key: str | None = KEY) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(path, json.dumps(body), "application/json", headers=headers)


def _collected() -> int:
    return AuditEntry.objects.filter(action="collect").count()


@pytest.fixture
def api(officer: User) -> Client:
    return _api(officer)


def test_a_retried_post_gets_the_first_answer_and_records_nothing(api: Client) -> None:
    first = _post(api, "/api/v1/persons", PERSON)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    again = _post(api, "/api/v1/persons", PERSON)
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == first["Content-Type"]
    person = Person.objects.get()  # one person, one audit entry of its collection
    assert str(person.uid) == again.json()["uid"]
    assert _collected() == 1


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(api: Client) -> None:
    assert _post(api, "/api/v1/persons", PERSON).status_code == 201
    response = _post(api, "/api/v1/persons", OTHER)
    assert response.status_code == 422
    body = response.json()
    assert "Idempotency-Key" in body["detail"] and "another request" in body["detail"]
    assert body["errors"] == []
    assert Person.objects.count() == 1 and _collected() == 1
    assert not Person.objects.filter(names__full_name="Yasmine Alaoui").exists()


def test_the_same_key_on_another_route_is_refused(api: Client) -> None:
    person = _post(api, "/api/v1/persons", PERSON).json()
    response = _post(api, f"/api/v1/persons/{person['uid']}/warrants", WARRANT)
    assert response.status_code == 422
    assert not Warrant.objects.exists()
    # With its own key, the warrant is recorded, once however often it is sent.
    for _ in range(2):
        added = _post(api, f"/api/v1/persons/{person['uid']}/warrants", WARRANT, key="w-1")
        assert added.status_code == 201
    assert Warrant.objects.count() == 1


def test_without_the_header_every_post_records(api: Client) -> None:
    for _ in range(2):
        assert _post(api, "/api/v1/persons", PERSON, key=None).status_code == 201
    assert Person.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_keys_belong_to_their_user(api: Client, make_user: Callable[..., User]) -> None:
    other = _api(make_user("other-officer", "officer"))
    mine, theirs = _post(api, "/api/v1/persons", PERSON), _post(other, "/api/v1/persons", PERSON)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["uid"] != theirs.json()["uid"]
    assert Person.objects.count() == 2


def test_a_key_expires_after_a_day(api: Client) -> None:
    first = _post(api, "/api/v1/persons", PERSON)
    IdempotencyKey.objects.update(created_at=timezone.now() - idempotency.KEEP - timedelta(1))
    again = _post(api, "/api/v1/persons", PERSON)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["uid"] != first.json()["uid"]
    assert Person.objects.count() == 2
    # The expired answer was replaced by the new one: a third try repeats the second.
    third = _post(api, "/api/v1/persons", PERSON)
    assert third.json()["uid"] == again.json()["uid"] and third["Idempotent-Replayed"] == "true"


def test_the_worker_purges_expired_keys_only(api: Client) -> None:
    _post(api, "/api/v1/persons", PERSON)
    _post(api, "/api/v1/persons", OTHER, key="second")
    old = timezone.now() - idempotency.KEEP - timedelta(minutes=1)
    IdempotencyKey.objects.filter(key=KEY).update(created_at=old)
    assert idempotency.purge_expired() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["second"]


@pytest.mark.parametrize("key", ["", "x" * 256, "clé-é", "two words"])
def test_a_malformed_key_is_refused_and_records_nothing(api: Client, key: str) -> None:
    response = _post(api, "/api/v1/persons", PERSON, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Person.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_refusal_is_not_remembered(api: Client) -> None:
    bad = {"category": "wanted", "names": [], "birth_dates": ["1990-02-30"]}
    assert _post(api, "/api/v1/persons", bad).status_code == 400
    assert not IdempotencyKey.objects.exists()
    # Corrected and sent again under the same key, it is recorded.
    assert _post(api, "/api/v1/persons", PERSON).status_code == 201
    assert Person.objects.count() == 1


def test_a_denied_request_is_not_remembered_nor_replayed(
    make_user: Callable[..., User], officer: User
) -> None:
    auditor = _api(make_user("auditor", "auditor"))
    response = _post(auditor, "/api/v1/persons", PERSON)
    assert response.status_code == 403
    assert not Person.objects.exists() and not IdempotencyKey.objects.exists()
    assert AuditEntry.objects.filter(action="permission_denied").count() == 1
    # The officer's own key of the same value is theirs alone.
    assert _post(_api(officer), "/api/v1/persons", PERSON).status_code == 201


def test_a_twin_that_stores_second_is_rolled_back_and_answered_as_a_repeat(
    api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with one key racing: both pass the check, the first stores its answer;
    the second records its person, fails to store (unique key), and is rolled back whole."""
    first = _post(api, "/api/v1/persons", PERSON)
    real = idempotency._remembered
    calls = iter([None])  # the twin's check ran before the first stored its answer
    monkeypatch.setattr(idempotency, "_remembered", lambda r, k: next(calls, real(r, k)))
    twin = _post(api, "/api/v1/persons", PERSON)
    assert twin.status_code == 201 and twin["Idempotent-Replayed"] == "true"
    assert twin.content == first.content
    assert Person.objects.count() == 1 and _collected() == 1


def test_event_creation_honours_the_key(make_user: Callable[..., User]) -> None:
    api = _api(make_user("events-officer", "officer"))
    body = {"name": "Coupe d'Afrique", "starts_on": "2027-01-10", "ends_on": "2027-01-20"}
    body["host_node"] = "ma"
    first = _post(api, "/api/v1/events", body)
    assert first.status_code == 201, first.content
    assert _post(api, "/api/v1/events", body).content == first.content
    assert Event.objects.count() == 1


def test_the_openapi_document_names_the_header_and_its_errors(api: Client) -> None:
    document = api.get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/persons"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert {"409", "422"} <= set(create["responses"])
    listing = document["paths"]["/api/v1/persons"]["get"]
    assert all(p["name"] != "Idempotency-Key" for p in listing.get("parameters", []))

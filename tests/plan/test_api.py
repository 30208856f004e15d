"""The plan's JSON API: the same actions as the pages, the same refusals, nothing saved on
bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.exchange.models import OutboxEnvelope
from liaison.plan.models import (
    Objective,
    PlanAction,
    PlanDecision,
    PlanProposal,
    TechnicalAssistance,
    Training,
)
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import api, deliver

pytestmark = pytest.mark.django_db
JSON = "application/json"

ACTION = {
    "title": "Échange des listes de fugitifs",
    "starts_on": "2026-01-05",
    "due_on": "2026-06-30",
    "owners": [{"service": "ma", "person": "Cdt. Amrani"}, {"service": "fr", "person": "X"}],
    "evidence": [{"type": "event", "uid": "6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01"}],
}
TRAINING = {
    "topic": "human_rights",
    "title": "Droits humains et coopération internationale",
    "starts_on": "2025-06-02",
    "ends_on": "2025-06-04",
    "provider_node": "ma",
    "receiver_node": "fr",
    "place": "Kénitra",
    "trainers": ["Pr. Alaoui"],
    "participants": 20,
    "attended": 19,
    "rating": "4.6",
}
ASSISTANCE = {
    "kind": "secondment",
    "description": "Officier de liaison détaché à Paris",
    "provider_node": "ma",
    "recipient_node": "fr",
    "starts_on": "2025-01-01",
    "effort_days": "220",
    "status": "in_progress",
}


def test_an_officer_builds_the_plan_through_the_api(officer: User) -> None:
    client = api(officer)
    response = client.post("/api/v1/objectives", {"code": "O1", "title": "T"}, content_type=JSON)
    assert response.status_code == 201, response.content
    objective = response.json()["uid"]
    response = client.post("/api/v1/actions", ACTION | {"objective": objective}, content_type=JSON)
    assert response.status_code == 201, response.content
    uid = response.json()["uid"]
    change = ACTION | {"status": "in_progress"}
    response = client.put(f"/api/v1/actions/{uid}", change, content_type=JSON)
    assert response.status_code == 200 and response.json()["version"] == 2
    assert [a["uid"] for a in client.get("/api/v1/actions").json()] == [uid]
    assert client.get(f"/api/v1/objectives/{objective}").json()["code"] == "O1"


def test_a_proposal_and_its_decision_through_the_api(
    our_action: PlanAction, officer: User, fr: Partner
) -> None:
    from tests.plan.test_plan import _proposal_body

    body = _proposal_body(our_action)
    deliver(fr, "planproposal.upsert", body)
    client = api(officer)
    listed = client.get(f"/api/v1/actions/{our_action.uid}/proposals").json()
    assert [p["uid"] for p in listed] == [body["uid"]] and listed[0]["decision"] is None
    decision = {"accepted": True, "reason": "OK"}
    response = client.post(f"/api/v1/proposals/{body['uid']}/decision", decision, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["decision"]["accepted"] is True
    again = client.post(f"/api/v1/proposals/{body['uid']}/decision", decision, content_type=JSON)
    assert again.status_code == 400 and PlanDecision.objects.count() == 1


def test_we_propose_through_the_api(their_action: PlanAction, officer: User) -> None:
    client = api(officer)
    proposal = {"changes": {"status": "done"}, "reason": "Terminé"}
    url = f"/api/v1/actions/{their_action.uid}/proposals"
    response = client.post(url, proposal, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["changes"] == {"status": "done"}
    put = client.put(f"/api/v1/actions/{their_action.uid}", ACTION, content_type=JSON)
    assert put.status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"due_on": "2025-01-01"},
        {"owners": [{"service": "France", "person": "X"}]},
        {"evidence": [{"type": "warrant", "uid": "6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01"}]},
        {"status": "forgotten"},
        {"colour": "red"},
        {"starts_on": 0},
        {"objective": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_bad_action_input_is_refused_and_saves_nothing(
    objective: Objective, officer: User, change: dict[str, Any]
) -> None:
    payload = ACTION | {"objective": str(objective.uid)} | change
    response = api(officer).post("/api/v1/actions", payload, content_type=JSON)
    assert response.status_code in (400, 404), response.content
    assert not PlanAction.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"rating": "7"},
        {"attended": 25},
        {"ends_on": "2025-06-01"},
        {"receiver_node": "ma"},
        {"topic": "astrology"},
        {"place": "", "remote": False},
        {"participants": -1},
    ],
)
def test_bad_training_input_is_refused_and_saves_nothing(
    officer: User, change: dict[str, Any]
) -> None:
    response = api(officer).post("/api/v1/trainings", TRAINING | change, content_type=JSON)
    assert response.status_code == 400, response.content
    assert not Training.objects.exists()


def test_trainings_and_assistance_through_the_api(
    officer: User, liaison: User, fr: Partner
) -> None:
    client = api(officer)
    response = client.post("/api/v1/trainings", TRAINING, content_type=JSON)
    assert response.status_code == 201, response.content
    training = response.json()["uid"]
    response = client.post("/api/v1/assistance", ASSISTANCE, content_type=JSON)
    assert response.status_code == 201, response.content
    assistance = response.json()["uid"]
    assert client.get(f"/api/v1/assistance/{assistance}").json()["effort_days"] == "220.0"
    shares = client.post(
        f"/api/v1/trainings/{training}/shares", {"partner": "fr"}, content_type=JSON
    )
    assert shares.status_code == 403 and not OutboxEnvelope.objects.exists()
    for path in (f"trainings/{training}", f"assistance/{assistance}"):
        shared = api(liaison).post(f"/api/v1/{path}/shares", {"partner": "fr"}, content_type=JSON)
        assert shared.status_code == 201, shared.content
    assert OutboxEnvelope.objects.count() == 2


def _endpoints(records: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    objective, action = records["objective"].uid, records["action"].uid
    training, assistance = records["training"].uid, records["assistance"].uid
    return [
        ("get", "/api/v1/objectives", {}),
        ("post", "/api/v1/objectives", {"code": "O", "title": "T"}),
        ("get", f"/api/v1/objectives/{objective}", {}),
        ("put", f"/api/v1/objectives/{objective}", {"code": "O", "title": "T"}),
        ("post", f"/api/v1/objectives/{objective}/shares", {"partner": "fr"}),
        ("get", "/api/v1/actions", {}),
        ("post", "/api/v1/actions", ACTION | {"objective": str(objective)}),
        ("get", f"/api/v1/actions/{action}", {}),
        ("put", f"/api/v1/actions/{action}", ACTION),
        ("get", f"/api/v1/actions/{action}/proposals", {}),
        (
            "post",
            f"/api/v1/actions/{action}/proposals",
            {"changes": {"status": "done"}, "reason": "x"},
        ),
        ("post", f"/api/v1/proposals/{records['proposal'].uid}/decision", {"accepted": True}),
        ("get", "/api/v1/trainings", {}),
        ("post", "/api/v1/trainings", TRAINING),
        ("get", f"/api/v1/trainings/{training}", {}),
        ("put", f"/api/v1/trainings/{training}", TRAINING),
        ("post", f"/api/v1/trainings/{training}/shares", {"partner": "fr"}),
        ("get", "/api/v1/assistance", {}),
        ("post", "/api/v1/assistance", ASSISTANCE),
        ("get", f"/api/v1/assistance/{assistance}", {}),
        ("put", f"/api/v1/assistance/{assistance}", ASSISTANCE),
        ("post", f"/api/v1/assistance/{assistance}/shares", {"partner": "fr"}),
    ]


@pytest.fixture
def records(our_action: PlanAction, officer: User, fr: Partner) -> dict[str, Any]:
    from liaison.plan.delivery import create_assistance, create_training
    from tests.plan.conftest import assistance_data, training_data
    from tests.plan.test_plan import _proposal_body

    body = _proposal_body(our_action)
    deliver(fr, "planproposal.upsert", body)
    return {
        "objective": our_action.objective,
        "action": our_action,
        "proposal": PlanProposal.objects.get(uid=body["uid"]),
        "training": create_training(actor=officer, data=training_data()),
        "assistance": create_assistance(actor=officer, data=assistance_data()),
    }


def _counts() -> list[int]:
    models = (Objective, PlanAction, PlanProposal, PlanDecision, Training, TechnicalAssistance)
    return [m.objects.count() for m in models] + [OutboxEnvelope.objects.count()]


def test_every_endpoint_refuses_anonymous_callers(records: dict[str, Any]) -> None:
    before = _counts()
    for method, url, payload in _endpoints(records):
        response = getattr(Client(), method)(url, payload, content_type=JSON)
        assert response.status_code == 401, (method, url)
    assert _counts() == before


def test_every_endpoint_refuses_roles_without_records(
    records: dict[str, Any], make_user: Callable[..., User]
) -> None:
    before = _counts()
    auditor = api(make_user("auditor-1", "auditor"))
    for method, url, payload in _endpoints(records):
        response = getattr(auditor, method)(url, payload, content_type=JSON)
        # a record they may not see is a 404, as is an action under such an objective
        hidden = re.search(r"/[0-9a-f]{8}-", url) or (method, url) == ("post", "/api/v1/actions")
        assert response.status_code == (404 if hidden else 403), (method, url)
    assert _counts() == before


def test_an_analyst_reads_and_writes_nothing(records: dict[str, Any], analyst: User) -> None:
    before = _counts()
    client = api(analyst)
    for method, url, payload in _endpoints(records):
        response = getattr(client, method)(url, payload, content_type=JSON)
        assert response.status_code == (200 if method == "get" else 403), (method, url)
    assert _counts() == before

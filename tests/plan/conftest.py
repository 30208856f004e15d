"""A cast for the plan: node ma (this one) shares a plan with its partner fr, which signs
real envelopes; our liaison officer, officer and analyst."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.exchange import keys
from liaison.exchange.identity import node_key
from liaison.exchange.models import Peer
from liaison.exchange.protocol import Receipt, open_receipt
from liaison.plan.actions import ActionData, ObjectiveData, create_action, create_objective
from liaison.plan.delivery import (
    AssistanceData,
    TrainingData,
    create_assistance,
    create_training,
)
from liaison.plan.models import Objective, PlanAction, TechnicalAssistance, Training
from tests.exchange.test_hostile import Partner

URL = "/federation/v1/envelopes"


@pytest.fixture
def fr(db: None) -> Partner:
    """Partner fr, pinned here with a key of its own: its envelopes are signed for real."""
    keys.create_key(Path(settings.DATA_DIR))  # this node signs its receipts
    partner = Partner("fr")
    Peer.objects.filter(node_id="fr").update(agency="Police nationale")
    return partner


@pytest.fixture
def liaison(make_user: Callable[..., User]) -> User:
    return make_user("liaison", "liaison_officer")


def deliver(partner: Partner, message_type: str, body: dict[str, Any]) -> Receipt:
    """Post the partner's signed envelope to this node's real receiver; its receipt."""
    token = partner.token(message_type, body)
    response = Client().post(URL, token, content_type="application/jose")
    assert response.status_code < 500, response.content[:300]
    return open_receipt(response.content, node_key())


def action_data(**extra: Any) -> ActionData:
    values: dict[str, Any] = {
        "title": "Échange des listes de fugitifs",
        "starts_on": date(2026, 1, 5),
        "due_on": date(2026, 6, 30),
        "working_group": "Fugitifs",
        "owners": [
            {"service": "ma", "person": "Cdt. Amrani"},
            {"service": "fr", "person": "Cdt. Martin"},
        ],
    }
    return ActionData(**(values | extra))


@pytest.fixture
def objective(officer: User) -> Objective:
    data = ObjectiveData(code="O2", title="Localiser les fugitifs")
    return create_objective(actor=officer, data=data)


@pytest.fixture
def shared_objective(objective: Objective, liaison: User, fr: Partner) -> Objective:
    from liaison.plan.actions import share_objective

    share_objective(actor=liaison, objective=objective, partner="fr")
    return objective


@pytest.fixture
def our_action(shared_objective: Objective, officer: User) -> PlanAction:
    return create_action(actor=officer, objective=shared_objective, data=action_data())


def their_action_body(objective: Objective, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "objective": str(objective.uid),
        "title": "Formation à la fraude documentaire",
        "description": "",
        "working_group": "Fraude documentaire",
        "owners": [{"service": "fr", "person": "Lt. Dubois"}],
        "starts_on": "2026-02-01",
        "due_on": "2026-05-31",
        "status": "in_progress",
        "evidence": [],
    }
    return values | extra


@pytest.fixture
def their_action(shared_objective: Objective, fr: Partner) -> PlanAction:
    body = their_action_body(shared_objective)
    assert deliver(fr, "planaction.upsert", body).status == "applied"
    return PlanAction.objects.get(uid=body["uid"])


def api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def training_data(**extra: Any) -> TrainingData:
    values: dict[str, Any] = {
        "topic": "document_fraud",
        "title": "Détection de la fraude documentaire",
        "starts_on": date(2025, 10, 6),
        "ends_on": date(2025, 10, 10),
        "provider_node": "fr",
        "receiver_node": "ma",
        "place": "Rabat",
        "trainers": ["Lt. Dubois", "Adj. Leroy"],
        "participants": 18,
        "attended": 17,
        "rating": Decimal("4.5"),
    }
    return TrainingData(**(values | extra))


def assistance_data(**extra: Any) -> AssistanceData:
    values: dict[str, Any] = {
        "kind": "equipment",
        "description": "Lecteurs de documents de voyage",
        "provider_node": "fr",
        "recipient_node": "ma",
        "recipient_unit": "Police aux frontières, Tanger Med",
        "starts_on": date(2025, 11, 3),
        "value_eur": Decimal("48000.00"),
        "status": "delivered",
    }
    return AssistanceData(**(values | extra))


@pytest.fixture
def training(officer: User) -> Training:
    return create_training(actor=officer, data=training_data())


@pytest.fixture
def assistance(officer: User) -> TechnicalAssistance:
    return create_assistance(actor=officer, data=assistance_data())


# The indicators' known events (tests/plan/test_indicators.py) serve the dashboard's tests.
from tests.plan.test_indicators import lo, wanted  # noqa: E402, F401

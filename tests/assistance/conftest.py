from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.assistance.models import AssistanceRequest
from liaison.assistance.sharing import ReplyBody, RequestBody, apply_reply, apply_request
from liaison.exchange.models import Peer

PARTNER_REQUEST = "6f1c8a52-2222-4d7e-9c39-5b5f6f7b2c01"


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency="Police nationale"
    )


@pytest.fixture
def liaison(make_user: Callable[..., User]) -> User:
    return make_user("liaison", "liaison_officer")


def api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def partner_request(version: int = 1, **extra: Any) -> AssistanceRequest:
    """fr's request to this node, as its envelope is applied here."""
    values: dict[str, Any] = {
        "uid": PARTNER_REQUEST,
        "owner": "fr",
        "version": version,
        "handling_code": "H1",
        "recipient": "ma",
        "request_type": "locate",
        "subject": "Localiser M. Dupont",
        "text": "Adresse connue à Tanger ?",
        "urgency": "urgent",
        "persons": [],
        "requested_by_name": "lo-fr",
        "history": [{"at": timezone.now().isoformat(), "step": "sent", "by": "lo-fr"}],
    }
    apply_request("fr", RequestBody.model_validate(values | extra))
    return AssistanceRequest.objects.get(uid=(values | extra)["uid"])


def partner_reply(record: AssistanceRequest, version: int, status: str, **extra: Any) -> None:
    """fr's reply to this node's request, as its envelope is applied here."""
    received: datetime = extra.pop("received_on", timezone.now())
    values: dict[str, Any] = {
        "uid": "6f1c8a52-3333-4d7e-9c39-5b5f6f7b2c01",
        "owner": "fr",
        "version": version,
        "handling_code": record.handling_code,
        "request": str(record.uid),
        "status": status,
        "received_on": received.isoformat(),
        "due_at": (received + timedelta(days=7)).isoformat(),
        "paused_seconds": 0,
        "text": "",
        "persons": [],
        "handled_by_name": "lo-fr",
        "history": [{"at": received.isoformat(), "step": "received", "by": "fr"}],
    }
    apply_reply("fr", ReplyBody.model_validate(values | extra))

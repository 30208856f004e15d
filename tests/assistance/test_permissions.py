"""Requests for assistance: every role x handling code, through the API, the pages and the
policy, checked against the table in docs/permissions.md."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from liaison.accounts.models import Agency, User
from liaison.assistance.models import AssistanceRequest, Reply
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.policy import Action, decide
from tests.assistance.conftest import api, partner_request
from tests.test_permission_matrix import _matrix

pytestmark = pytest.mark.django_db
JSON = "application/json"
MATRIX = _matrix(["list", "send", "answer"])


def test_the_table_covers_every_role_code_and_action() -> None:
    assert len(MATRIX) == 6 * 4 * 3


def _user(role: str, agency: Agency) -> User:
    user = User.objects.create_user(username=f"u-{role}", password="x" * 16, agency=agency)
    user.groups.set([Group.objects.get(name=role)])
    return user


def _partner_request(code: str) -> AssistanceRequest:
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    record = partner_request(handling_code="H0")
    AssistanceRequest.objects.filter(pk=record.pk).update(handling_code=code)
    Reply.objects.filter(request=record).update(handling_code=code)
    return AssistanceRequest.objects.get(pk=record.pk)


def _perform(action: str, client: Client, record: AssistanceRequest, code: str) -> bool:
    if action == "list":
        listed = client.get("/api/v1/requests")
        return listed.status_code == 200 and str(record.uid) in listed.content.decode()
    if action == "send":
        body = {
            "recipient_node": "fr",
            "request_type": "other",
            "subject": "S",
            "text": "T",
            "urgency": "normal",
            "handling_code": code,
        }
        sent = client.post("/api/v1/requests", body, content_type=JSON)
        assert sent.status_code in (201, 400, 403), sent.content
        return sent.status_code == 201
    step = {"step": "acknowledge"}
    done = client.post(f"/api/v1/requests/{record.uid}/steps", step, content_type=JSON)
    assert done.status_code in (200, 403, 404), done.content
    return done.status_code == 200


@pytest.mark.parametrize(("role", "code", "action", "expected"), MATRIX)
def test_the_api_enforces_the_table(
    agency: Agency, role: str, code: str, action: str, expected: bool
) -> None:
    record = _partner_request(code)
    sent_before = OutboxEnvelope.objects.count()
    assert _perform(action, api(_user(role, agency)), record, code) is expected
    if not expected:
        assert OutboxEnvelope.objects.count() == sent_before  # nothing went to the partner
        assert AssistanceRequest.objects.count() == 1
        assert Reply.objects.get().status == "received"


ANSWER = [cell for cell in MATRIX if cell[2] == "answer"]


@pytest.mark.parametrize(("role", "code", "action", "expected"), ANSWER)
def test_the_pages_and_the_policy_enforce_the_answer_column(
    agency: Agency,
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    role: str,
    code: str,
    action: str,
    expected: bool,
) -> None:
    record = _partner_request(code)
    user = make_user(f"w-{role}", role)
    assert decide(user, Action.ASSIST, record).allowed is expected
    if role in ("auditor", "node_admin"):
        return  # their sign-in lands elsewhere; the API above covers them
    response = login(user).post(f"/requests/{record.uid}/acknowledge/", {"note": ""})
    assert (response.status_code == 302) is expected, response.status_code
    assert Reply.objects.get().status == ("acknowledged" if expected else "received")

"""A refusal names its category besides its reason: required, from the fixed list, only on
a refusal; sent with the reply, shown to the requester, in the export and the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client
from pydantic import ValidationError

from liaison.accounts.models import User
from liaison.assistance.actions import AssistanceError, send_request, take_step
from liaison.assistance.models import AssistanceRequest, Reply
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer
from tests.assistance.conftest import api, partner_reply, partner_request
from tests.assistance.test_requests import _data

pytestmark = pytest.mark.django_db
JSON = "application/json"
REASON = "Pas de base légale pour cette vérification."


def _replies_sent() -> list[dict[str, object]]:
    rows = OutboxEnvelope.objects.filter(message_type="request.reply").order_by("seq")
    return [row.payload["object"] for row in rows]


@pytest.mark.parametrize(
    ("step", "category", "problem"),
    [
        ("refuse", "", "Choose the category"),
        ("refuse", "politics", "Unknown category"),
        ("answer", "no_legal_basis", "refusal only"),
        ("acknowledge", "other", "refusal only"),
    ],
)
def test_a_missing_unknown_or_misplaced_category_is_refused_and_nothing_changes(
    liaison: User, fr: Peer, step: str, category: str, problem: str
) -> None:
    record = partner_request()
    with pytest.raises(AssistanceError, match=problem) as raised:
        take_step(actor=liaison, record=record, step=step, note=REASON, refusal_category=category)
    assert raised.value.field == "refusal_category"
    reply = Reply.objects.get()
    assert (reply.status, reply.refusal_category, reply.version) == ("received", "", 1)
    assert len(_replies_sent()) == 1  # the receipt's reply only
    assert not AuditEntry.objects.filter(action="alter", object_type="request").exists()


def test_a_refusal_keeps_its_category_sends_it_and_audits_it(liaison: User, fr: Peer) -> None:
    record = partner_request()
    take_step(
        actor=liaison,
        record=record,
        step="refuse",
        note=REASON,
        refusal_category="investigation",
    )
    reply = Reply.objects.get()
    assert (reply.status, reply.refusal_category, reply.text) == (
        "refused",
        "investigation",
        REASON,
    )
    assert _replies_sent()[-1]["refusal_category"] == "investigation"
    entry = AuditEntry.objects.get(action="alter", object_type="request")
    assert entry.detail == {"step": "refuse", "category": "investigation"}


def test_the_requester_sees_the_category_on_the_page_in_the_api_and_the_export(
    liaison: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    record = send_request(actor=liaison, data=_data())
    partner_reply(record, 1, "received")
    partner_reply(record, 2, "refused", text=REASON, refusal_category="data_protection")
    assert Reply.objects.get(request=record).refusal_category == "data_protection"

    web = login(liaison)
    page = web.get(f"/requests/{record.uid}/").content.decode()
    assert 'id="refusal-category"' in page and "Data protection or proportionality" in page
    [listed] = api(liaison).get("/api/v1/requests").json()
    assert listed["refusal_category"] == "data_protection"
    exported = web.get("/requests/export.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["refusal category"] for row in rows] == ["data_protection"]


def test_the_requester_refuses_a_category_on_a_reply_that_is_no_refusal(
    liaison: User, fr: Peer
) -> None:
    record = send_request(actor=liaison, data=_data())
    partner_reply(record, 1, "received")
    with pytest.raises(ValidationError, match="refused reply only"):
        partner_reply(record, 2, "answered", text="Oui.", refusal_category="other")
    with pytest.raises(ValidationError):
        partner_reply(record, 2, "refused", text="Non.", refusal_category="politics")
    reply = Reply.objects.get(request=record)
    assert (reply.version, reply.status, reply.refusal_category) == (1, "received", "")


def test_a_reply_from_a_node_without_categories_is_still_applied(liaison: User, fr: Peer) -> None:
    record = send_request(actor=liaison, data=_data())
    partner_reply(record, 1, "refused", text="Non.")
    reply = AssistanceRequest.objects.get(pk=record.pk).reply
    assert (reply.status, reply.refusal_category) == ("refused", "")


def test_the_api_needs_the_category_with_a_refusal_and_only_then(liaison: User, fr: Peer) -> None:
    record = partner_request()
    client = api(liaison)
    url = f"/api/v1/requests/{record.uid}/steps"
    missing = client.post(url, {"step": "refuse", "note": REASON}, content_type=JSON)
    assert missing.status_code == 400 and "category" in missing.content.decode()
    unknown = {"step": "refuse", "note": REASON, "refusal_category": "politics"}
    assert client.post(url, unknown, content_type=JSON).status_code == 400
    misplaced = {"step": "acknowledge", "refusal_category": "other"}
    assert client.post(url, misplaced, content_type=JSON).status_code == 400
    assert Reply.objects.get().status == "received"
    done = {"step": "refuse", "note": REASON, "refusal_category": "competence"}
    response = client.post(url, done, content_type=JSON)
    assert response.status_code == 200 and response.json()["refusal_category"] == "competence"


def test_the_openapi_document_lists_the_categories(liaison: User) -> None:
    document = api(liaison).get("/api/v1/openapi.json").json()
    names = str(document["components"]["schemas"])
    assert "no_legal_basis" in names and "refusal_category" in names

"""Requests for assistance on one node: sending, the partner's reply applied, answering a
partner's request, escalation, the pages, the API and the export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.assistance import views
from liaison.assistance.actions import (
    AssistanceError,
    RequestData,
    escalate_overdue,
    send_request,
    take_step,
)
from liaison.assistance.models import AssistanceRequest, Reply
from liaison.assistance.sharing import ReplyBody, RequestBody, apply_reply, apply_request
from liaison.audit.models import AuditEntry
from liaison.desk.queries import sections_for
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.protocol import ProtocolError
from liaison.registry.actions import create_person
from tests.assistance.conftest import api, partner_reply, partner_request
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _data(**extra: Any) -> RequestData:
    values: dict[str, Any] = {
        "recipient_node": "fr",
        "request_type": "information",
        "subject": "Antécédents de M. Benali",
        "text": "Merci de nous dire ce que vous savez.",
        "urgency": "normal",
    }
    return RequestData(**(values | extra))


def _types() -> list[str]:
    return list(OutboxEnvelope.objects.order_by("seq").values_list("message_type", flat=True))


# Sending


def test_a_liaison_officer_sends_a_request_to_a_partner(liaison: User, fr: Peer) -> None:
    record = send_request(actor=liaison, data=_data())
    record.refresh_from_db()
    assert (record.owner_node, record.recipient_node, record.status) == ("ma", "fr", "sent")
    assert _types() == ["request.upsert"]
    assert AuditEntry.objects.filter(action="collect", object_type="request").count() == 1
    assert AuditEntry.objects.filter(action="disclose", object_type="request").count() == 1


def test_an_officer_may_not_send_a_request(officer: User, fr: Peer) -> None:
    with pytest.raises(PermissionDenied):
        send_request(actor=officer, data=_data())
    assert not AssistanceRequest.objects.exists() and _types() == []
    assert AuditEntry.objects.filter(action="permission_denied").count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"urgency": "agreed"}, "agreed_due"),
        ({"urgency": "agreed", "agreed_due": timezone.now() - timedelta(hours=1)}, "agreed_due"),
        ({"persons": ["not-a-uuid"]}, "persons"),
        ({"persons": ["6f1c8a52-9999-4d7e-9c39-5b5f6f7b2c01"]}, "persons"),
        ({"handling_code": "H3"}, ""),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    liaison: User, supervisor: User, fr: Peer, extra: dict[str, Any], field: str
) -> None:
    actor = supervisor if extra.get("handling_code") == "H3" else liaison
    with pytest.raises((AssistanceError, PermissionDenied)):
        send_request(actor=actor, data=_data(**extra))
    assert not AssistanceRequest.objects.exists() and _types() == []


def test_a_linked_person_must_already_be_held_by_the_partner(
    liaison: User, officer: User, fr: Peer
) -> None:
    person = create_person(actor=officer, data=person_data("Karim Benali"))
    with pytest.raises(AssistanceError) as refused:
        send_request(actor=liaison, data=_data(persons=[str(person.uid)]))
    assert refused.value.field == "persons"
    assert not AssistanceRequest.objects.exists()
    Share.objects.create(peer=fr, object_type="person", object_uid=person.uid)
    record = send_request(actor=liaison, data=_data(persons=[str(person.uid)]))
    assert record.persons == [str(person.uid)]


def test_an_unknown_partner_is_refused(liaison: User, fr: Peer) -> None:
    with pytest.raises(AssistanceError):
        send_request(actor=liaison, data=_data(recipient_node="es"))
    assert not AssistanceRequest.objects.exists()


# The partner's reply, applied here


def test_the_partners_reply_shows_its_state_and_deadline_here(liaison: User, fr: Peer) -> None:
    record = send_request(actor=liaison, data=_data())
    received = timezone.now() - timedelta(hours=2)
    partner_reply(record, 1, "received", received_on=received)
    record = AssistanceRequest.objects.get(pk=record.pk)
    assert record.status == "received"
    assert record.reply.due_at == received + timedelta(days=7)  # the partner's clock, as sent
    partner_reply(
        record, 2, "refused", text="Hors de notre compétence.", closed_at=timezone.now().isoformat()
    )
    record = AssistanceRequest.objects.get(pk=record.pk)
    assert (record.status, record.reply.text) == ("refused", "Hors de notre compétence.")


def test_a_reply_from_another_node_than_the_recipient_is_rejected(liaison: User, fr: Peer) -> None:
    Peer.objects.create(node_id="es", url="http://127.0.0.1:9", fingerprint="1" * 64)
    record = send_request(actor=liaison, data=_data())
    body = {
        "uid": "6f1c8a52-4444-4d7e-9c39-5b5f6f7b2c01",
        "owner": "es",
        "version": 1,
        "handling_code": "H0",
        "request": str(record.uid),
        "status": "refused",
        "received_on": timezone.now().isoformat(),
        "due_at": timezone.now().isoformat(),
        "paused_seconds": 0,
        "text": "",
        "persons": [],
        "handled_by_name": "x",
        "history": [],
    }
    with pytest.raises(ProtocolError):
        apply_reply("es", ReplyBody.model_validate(body))
    assert not Reply.objects.exists()


# A partner's request to this node


def test_receipt_starts_the_clock_and_tells_the_requester(fr: Peer) -> None:
    before = timezone.now()
    record = partner_request()
    reply = record.reply
    assert (record.status, reply.owner_node) == ("received", "ma")
    assert before <= reply.received_on <= timezone.now()
    assert reply.due_at == reply.received_on + timedelta(hours=72)
    assert _types() == ["request.reply"]


def test_a_request_addressed_to_another_node_is_rejected(fr: Peer) -> None:
    with pytest.raises(ProtocolError):
        partner_request(recipient="es")
    assert not AssistanceRequest.objects.exists()


def test_the_recipient_acknowledges_asks_and_the_clock_pauses_until_the_requester_answers(
    liaison: User, fr: Peer
) -> None:
    record = partner_request()
    take_step(actor=liaison, record=record, step="acknowledge")
    take_step(actor=liaison, record=record, step="ask", note="Date de naissance ?")
    reply = Reply.objects.get()
    assert reply.status == "more_information" and reply.paused_since is not None
    due = reply.due_at
    supplied = {"at": timezone.now().isoformat(), "step": "supply", "note": "1980", "by": "lo-fr"}
    partner_request(version=2, history=[*record.history, supplied])
    reply.refresh_from_db()
    assert reply.status == "acknowledged" and reply.paused_since is None
    assert reply.due_at >= due and reply.version == 4
    assert _types() == ["request.reply"] * 4


def test_an_answer_shares_a_person_through_the_normal_share(
    liaison: User, officer: User, fr: Peer
) -> None:
    record = partner_request()
    person = create_person(actor=officer, data=person_data("Karim Benali"))
    take_step(
        actor=liaison, record=record, step="answer", note="Trouvé.", persons=[str(person.uid)]
    )
    reply = Reply.objects.get()
    assert (reply.status, reply.persons) == ("answered", [str(person.uid)])
    assert reply.closed_at is not None
    assert _types() == ["request.reply", "person.upsert", "request.reply"]


def test_a_refusal_needs_its_reason_and_nothing_changes_without_it(liaison: User, fr: Peer) -> None:
    record = partner_request()
    with pytest.raises(AssistanceError):
        take_step(actor=liaison, record=record, step="refuse", note="  ")
    assert Reply.objects.get().status == "received" and _types() == ["request.reply"]
    take_step(
        actor=liaison,
        record=record,
        step="refuse",
        note="Pas de base légale.",
        refusal_category="no_legal_basis",
    )
    assert Reply.objects.get().status == "refused"


def test_steps_out_of_order_or_by_the_wrong_side_are_refused(liaison: User, fr: Peer) -> None:
    record = partner_request()
    for step in ("supply", "withdraw", "nonsense"):
        with pytest.raises(AssistanceError):
            take_step(actor=liaison, record=record, step=step, note="x")
    take_step(actor=liaison, record=record, step="answer", note="Fait.")
    with pytest.raises(AssistanceError):
        take_step(actor=liaison, record=record, step="refuse", note="x", refusal_category="other")
    own = send_request(actor=liaison, data=_data())
    with pytest.raises(AssistanceError):
        take_step(actor=liaison, record=own, step="answer", note="x")
    assert Reply.objects.get().status == "answered"


def test_the_requester_withdraws_with_a_reason(liaison: User, officer: User, fr: Peer) -> None:
    record = send_request(actor=liaison, data=_data())
    with pytest.raises(PermissionDenied):
        take_step(actor=officer, record=record, step="withdraw", note="x")
    take_step(actor=liaison, record=record, step="withdraw", note="Résolu.")
    record.refresh_from_db()
    assert record.status == "withdrawn" and record.version == 2
    assert _types() == ["request.upsert", "request.upsert"]


# Escalation


def test_an_overdue_request_is_escalated_once_to_supervisors(
    liaison: User, supervisor: User, fr: Peer
) -> None:
    record = partner_request()
    due = record.reply.due_at
    assert escalate_overdue(now=due - timedelta(minutes=1)) == 0
    assert escalate_overdue(now=due + timedelta(minutes=1)) == 1
    assert escalate_overdue(now=due + timedelta(hours=1)) == 0
    assert Reply.objects.get().escalated_at == due + timedelta(minutes=1)
    sections = {s.source.key: s for s in sections_for(supervisor, {})}
    assert [i.label for i in sections["requests-overdue"].items] == [record.subject]
    assert "requests-overdue" not in {s.source.key for s in sections_for(liaison, {})}
    entry = AuditEntry.objects.filter(action="alter", object_type="request").get()
    assert entry.detail["step"] == "escalated"


def test_a_paused_request_is_not_escalated(liaison: User, fr: Peer) -> None:
    record = partner_request()
    take_step(actor=liaison, record=record, step="ask", note="Qui ?")
    assert escalate_overdue(now=timezone.now() + timedelta(days=30)) == 0


def test_the_inbox_on_the_desk_lists_the_least_time_left_first(liaison: User, fr: Peer) -> None:
    partner_request(urgency="normal")
    body = {
        "uid": "6f1c8a52-5555-4d7e-9c39-5b5f6f7b2c01",
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "recipient": "ma",
        "request_type": "verify",
        "subject": "Vérifier un passeport",
        "text": "Passeport MA123",
        "urgency": "urgent_direct",
        "persons": [],
        "requested_by_name": "lo-fr",
        "history": [],
    }
    apply_request("fr", RequestBody.model_validate(body))
    sections = {s.source.key: s for s in sections_for(liaison, {})}
    labels = [i.label for i in sections["requests-in"].items]
    assert labels == ["Vérifier un passeport", "Localiser M. Dupont"]


# Pages


def test_the_pages_show_the_inbox_outbox_and_detail(
    liaison: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    record = partner_request()
    send_request(actor=liaison, data=_data())
    client = login(liaison)
    page = client.get("/requests/").content.decode()
    assert "Localiser M. Dupont" in page and "Antécédents de M. Benali" in page
    detail = client.get(f"/requests/{record.uid}/").content.decode()
    assert "Acknowledge" in detail and "Received by the partner" in detail


def test_a_refusal_through_the_page_asks_for_a_reason_beside_the_field(
    liaison: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    record = partner_request()
    client = login(liaison)
    url = f"/requests/{record.uid}/refuse/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": ""})
    assert response.status_code == 200
    assert 'id="id_note_error"' in response.content.decode()
    assert Reply.objects.get().status == "received"
    response = client.post(url, {"note": "Pas de base légale.", "refusal_category": ""})
    assert (
        response.status_code == 200
        and 'id="id_refusal_category_error"' in response.content.decode()
    )
    assert Reply.objects.get().status == "received"
    form = {"note": "Pas de base légale.", "refusal_category": "no_legal_basis"}
    response = client.post(url, form)
    assert response.status_code == 302 and Reply.objects.get().status == "refused"
    assert Reply.objects.get().refusal_category == "no_legal_basis"


def test_the_create_form_shows_errors_beside_fields_and_sends_nothing(
    liaison: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    client = login(liaison)
    form = {
        "recipient_node": "fr",
        "request_type": "information",
        "subject": "Sujet",
        "text": "Texte",
        "urgency": "agreed",
        "handling_code": "H0",
        "persons": "6f1c8a52-9999-4d7e-9c39-5b5f6f7b2c01",
    }
    response = client.post("/requests/new/", form)
    assert 'id="id_agreed_due_error"' in response.content.decode()
    response = client.post("/requests/new/", form | {"urgency": "normal"})
    assert 'id="id_persons_error"' in response.content.decode()
    assert not AssistanceRequest.objects.exists() and _types() == []
    response = client.post("/requests/new/", form | {"urgency": "normal", "persons": ""})
    assert response.status_code == 302 and _types() == ["request.upsert"]


def test_roles_that_cannot_act_see_no_steps_and_are_refused(
    officer: User, auditor_user: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    record = partner_request()
    client = login(officer)
    assert "Acknowledge" not in client.get(f"/requests/{record.uid}/").content.decode()
    assert client.post(f"/requests/{record.uid}/acknowledge/", {"note": ""}).status_code == 403
    assert client.get("/requests/new/").status_code == 403
    assert Reply.objects.get().status == "received"
    assert login(auditor_user).get("/requests/").status_code == 403


def test_an_h3_request_is_a_404_to_others(
    liaison: User, officer: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    record = partner_request()
    AssistanceRequest.objects.filter(pk=record.pk).update(handling_code="H3")
    client = login(officer)
    assert client.get(f"/requests/{record.uid}/").status_code == 404
    assert "Localiser" not in client.get("/requests/").content.decode()


@pytest.fixture
def auditor_user(make_user: Callable[..., User]) -> User:
    return make_user("auditor", "auditor")


def _partner_requests(count: int) -> list[AssistanceRequest]:
    """`count` of fr's requests, the first with the most time left (urgency normal)."""
    urgencies = ["normal", "urgent", "urgent_direct"]
    return [
        partner_request(
            uid=f"6f1c8a52-{n:04d}-4d7e-9c39-5b5f6f7b2c01",
            subject=f"Demande {n}",
            urgency=urgencies[n % 3],
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [1, 3])
def test_the_pages_cost_a_fixed_number_of_queries(
    liaison: User,
    officer: User,
    fr: Peer,
    login: Callable[[User], Client],
    django_assert_num_queries: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    count: int,
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # 3 rows: a second page of each list
    [record, *_] = _partner_requests(count)
    for n in range(count):
        send_request(actor=liaison, data=_data(subject=f"Envoi {n}"))
    client = login(liaison)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/requests/").status_code == 200
    with django_assert_num_queries(LIST_QUERIES):  # a later page costs the same
        assert client.get("/requests/?inbox=2&outbox=2").status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(f"/requests/{record.uid}/").status_code == 200


def test_the_lists_are_paged_each_on_its_own(
    liaison: User,
    fr: Peer,
    login: Callable[[User], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    _partner_requests(3)
    for n in range(3):
        send_request(actor=liaison, data=_data(subject=f"Envoi {n}"))
    client = login(liaison)

    def rows(path: str, table: str) -> list[str]:
        page = client.get(path).content.decode()
        body = page.split(f'id="{table}"')[1].split("</table>")[0]
        return [
            s
            for s in ("Demande 0", "Demande 1", "Demande 2", "Envoi 0", "Envoi 1", "Envoi 2")
            if s in body
        ]

    # The inbox: the least time left first (8 hours, 3 days, then 7 days on page 2).
    assert rows("/requests/", "inbox") == ["Demande 1", "Demande 2"]
    assert rows("/requests/?inbox=2", "inbox") == ["Demande 0"]
    # The outbox: the newest first, its page independent of the inbox's.
    assert rows("/requests/?inbox=2", "outbox") == ["Envoi 1", "Envoi 2"]
    assert rows("/requests/?inbox=2&outbox=2", "outbox") == ["Envoi 0"]
    assert rows("/requests/?inbox=2&outbox=2", "inbox") == ["Demande 0"]
    page = client.get("/requests/?inbox=2").content.decode()
    assert "Page 2 of 2" in page and 'href="?inbox=1#inbox"' in page
    assert 'href="?inbox=2&amp;outbox=2#outbox"' in page
    # A page out of range shows the last one; a word, the first.
    assert rows("/requests/?inbox=9", "inbox") == ["Demande 0"]
    assert rows("/requests/?inbox=x", "inbox") == ["Demande 1", "Demande 2"]


LIST_QUERIES = 15
DETAIL_QUERIES = 13  # one for the attachments, however many


# The API and the export


def test_the_api_sends_answers_and_reads_requests(liaison: User, fr: Peer) -> None:
    client = api(liaison)
    body = {
        "recipient_node": "fr",
        "request_type": "warrant",
        "subject": "Exécuter le mandat",
        "text": "Mandat MA-2026-1",
        "urgency": "urgent",
    }
    response = client.post("/api/v1/requests", body, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "sent" and response.json()["due_at"] is None
    record = partner_request()
    url = f"/api/v1/requests/{record.uid}/steps"
    response = client.post(url, {"step": "refuse", "note": ""}, content_type=JSON)
    assert response.status_code == 400 and Reply.objects.get().status == "received"
    refusal = {"step": "refuse", "note": "Non.", "refusal_category": "competence"}
    response = client.post(url, refusal, content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "refused"
    assert response.json()["refusal_category"] == "competence"
    assert response.json()["closed_at"] is not None
    listed = client.get("/api/v1/requests").json()
    assert {r["status"] for r in listed} == {"sent", "refused"}


def test_the_api_refuses_bad_input_and_other_roles(liaison: User, officer: User, fr: Peer) -> None:
    body = {"recipient_node": "fr", "request_type": "nope", "subject": "S", "text": "T"}
    assert api(liaison).post("/api/v1/requests", body, content_type=JSON).status_code == 400
    good = body | {"request_type": "other", "urgency": "normal"}
    assert api(officer).post("/api/v1/requests", good, content_type=JSON).status_code == 403
    assert (
        api(liaison).post("/api/v1/requests", good | {"x": 1}, content_type=JSON).status_code == 400
    )
    assert not AssistanceRequest.objects.exists()
    record = partner_request()
    step = {"step": "acknowledge"}
    response = api(officer).post(f"/api/v1/requests/{record.uid}/steps", step, content_type=JSON)
    assert response.status_code == 403 and Reply.objects.get().status == "received"


def test_the_csv_export_gives_the_timings(
    liaison: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    record = partner_request()
    take_step(actor=liaison, record=record, step="acknowledge")
    take_step(actor=liaison, record=record, step="answer", note="Fait.")
    send_request(actor=liaison, data=_data())
    response = login(liaison).get("/requests/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_direction = {r["direction"]: r for r in rows}
    answered = by_direction["received"]
    assert answered["status"] == "answered" and answered["overdue"] == "no"
    assert answered["received"] and answered["acknowledged"] and answered["answered or closed"]
    assert float(answered["time taken (hours)"]) < 0.1
    assert by_direction["sent"]["received"] == "" and by_direction["sent"]["status"] == "sent"
    assert AuditEntry.objects.filter(action="consult", object_type="request").count() == 1


def test_the_escalation_command_checks_as_of_the_time_given(fr: Peer) -> None:
    record = partner_request()
    out = io.StringIO()
    late = record.reply.due_at + timedelta(hours=1)
    call_command("requests-escalate", "--now", late.isoformat(), stdout=out)
    assert out.getvalue().strip() == "1 request(s) escalated."
    with pytest.raises(CommandError):
        call_command("requests-escalate", "--now", "2030-01-01T00:00")

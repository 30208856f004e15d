"""Confirmation pages for irreversible steps, the hit decision page, review extension and
the reviews-due notice: what a GET shows (here and at partners), what a POST applies."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange.models import Peer
from liaison.registry import actions
from liaison.registry.models import Alert, Hit, HitDecision, Person, Warrant
from liaison.registry.sharing import records
from liaison.registry.sharing.share import share_person
from tests.registry.conftest import person_data, warrant_data

pytestmark = pytest.mark.django_db

FR_SERVICE = "Police nationale (FR)"
PURPOSE = {"purpose": "Border check at Tanger Med", "reference": "CASE-7"}


@pytest.fixture
def lo(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def shared(lo: User) -> dict[str, Any]:
    Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency=FR_SERVICE
    )
    person = actions.create_person(actor=lo, data=person_data("Karim Tazi"))
    warrant = actions.create_warrant(actor=lo, person=person, data=warrant_data())
    alert = actions.create_alert(
        actor=lo,
        person=person,
        data=actions.AlertData(alert_type="locate", action_on_hit="Inform Rabat at once."),
    )
    share_person(actor=lo, person=person, partner="fr")
    return {"person": person, "warrant": warrant, "alert": alert}


def _client(login: Callable[[User], Client], user: User) -> Client:
    client = login(user)
    client.post("/registry/purpose/", PURPOSE)
    return client


def test_the_status_button_leads_to_a_confirmation_that_names_the_partner(
    login: Callable[[User], Client], lo: User, shared: dict[str, Any]
) -> None:
    client = _client(login, lo)
    warrant = shared["warrant"]
    page = client.get(f"/registry/persons/{shared['person'].uid}/").content.decode()
    assert f'action="/registry/warrants/{warrant.uid}/status/"' in page
    assert 'method="get"' in page
    url = f"/registry/warrants/{warrant.uid}/status/"
    executed = client.get(url, {"status": "executed"}).content.decode()
    assert f"The copy at {FR_SERVICE} will be updated." in executed
    assert "cannot be undone" in executed
    withdrawn = client.get(url, {"status": "withdrawn"}).content.decode()
    assert f"The copy at {FR_SERVICE} will be withdrawn." in withdrawn
    assert Warrant.objects.get(pk=warrant.pk).status == "active"  # a GET changes nothing


def test_the_confirmation_needs_a_reason_then_applies_it(
    login: Callable[[User], Client], lo: User, shared: dict[str, Any]
) -> None:
    client = _client(login, lo)
    warrant = shared["warrant"]
    url = f"/registry/warrants/{warrant.uid}/status/"
    refused = client.post(url, {"status": "executed", "reason": ""})
    assert refused.status_code == 200
    assert "Give the reason for this change" in refused.content.decode()
    assert Warrant.objects.get(pk=warrant.pk).version == 1
    done = client.post(url, {"status": "executed", "reason": "Arrested in Tanger."})
    assert done.status_code == 302
    stored = Warrant.objects.get(pk=warrant.pk)
    assert (stored.status, stored.status_reason) == ("executed", "Arrested in Tanger.")
    entry = AuditEntry.objects.get(action="alter", object_type="warrant")
    assert entry.detail["reason"] == "Arrested in Tanger."


def test_an_analyst_gets_no_confirmation_page(
    login: Callable[[User], Client], analyst: User, shared: dict[str, Any]
) -> None:
    client = _client(login, analyst)
    alert = shared["alert"]
    url = f"/registry/alerts/{alert.uid}/status/"
    assert client.get(url, {"status": "closed"}).status_code == 403
    assert client.post(url, {"status": "closed", "reason": "Closed."}).status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == "active"


def test_a_hit_disposition_is_confirmed_with_a_reason(
    login: Callable[[User], Client], officer: User, shared: dict[str, Any]
) -> None:
    data = actions.HitData(
        encountered_name="Karim Tazi",
        encountered_on=timezone.now(),
        place="Tanger",
        context="border_check",
    )
    hit = actions.record_hit(actor=officer, person=shared["person"], data=data)
    client = _client(login, officer)
    url = f"/registry/hits/{hit.uid}/disposition/"
    page = client.get(url, {"disposition": "false_positive"}).content.decode()
    assert "No partner holds a copy" in page and 'name="reason"' in page
    client.post(url, {"disposition": "false_positive", "reason": ""})
    assert Hit.objects.get(pk=hit.pk).disposition == "pending"
    client.post(url, {"disposition": "false_positive", "reason": "Born in 1990, not 1980."})
    assert Hit.objects.get(pk=hit.pk).status_reason == "Born in 1990, not 1980."


def test_erasure_is_confirmed_on_its_own_page(
    login: Callable[[User], Client], supervisor: User, shared: dict[str, Any]
) -> None:
    client = _client(login, supervisor)
    person = shared["person"]
    url = f"/registry/persons/{person.uid}/erase/"
    page = client.get(url).content.decode()
    assert f"The copy at {FR_SERVICE} will be withdrawn." in page
    assert "<bdi>1</bdi> warrant(s)" in page
    assert client.post(url, {"reason": ""}).status_code == 200
    assert Person.objects.filter(pk=person.pk).exists()
    assert client.post(url, {"reason": "Data subject: wrong person"}).status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists()


def _partner_hit(person: Person) -> Hit:
    body = records.HitBody(
        uid=uuid.uuid4(),
        owner="fr",
        version=1,
        handling_code="H0",
        person=person.uid,
        alert=None,
        encountered_name="Karim Tazi",
        encountered_on=timezone.now(),
        place="Marseille, port",
        context="border_check",
        recorded_by_name="fr-officer",
        score=0.97,
        disposition="pending",
        action_taken="Held for checks.",
    )
    records.apply_hit("fr", body)
    return Hit.objects.get(uid=body.uid)


def test_the_liaison_officer_gives_a_decision_from_the_person_page(
    login: Callable[[User], Client], lo: User, officer: User, shared: dict[str, Any]
) -> None:
    hit = _partner_hit(shared["person"])
    person_url = f"/registry/persons/{shared['person'].uid}/"
    client = _client(login, lo)
    page = client.get(person_url).content.decode()
    assert f"/registry/hits/{hit.uid}/decision/" in page and "Held for checks." in page
    url = f"/registry/hits/{hit.uid}/decision/"
    form = client.get(url).content.decode()
    assert f"The decision and the message go to {FR_SERVICE}." in form
    assert client.post(url, {"decision": "confirmed", "message": ""}).status_code == 200
    assert not HitDecision.objects.exists()
    client.post(url, {"decision": "confirmed", "message": "It is him: arrest him."})
    assert HitDecision.objects.get(hit=hit).decision == "confirmed"
    page = client.get(person_url).content.decode()
    assert "It is him: arrest him." in page and "Decision by" in page
    # An officer sees the decision but may not give one.
    other = _client(login, officer)
    assert f"/registry/hits/{hit.uid}/decision/" not in other.get(person_url).content.decode()
    assert other.post(url, {"decision": "false_positive", "message": "No."}).status_code == 403
    assert HitDecision.objects.count() == 1


def test_supervisors_extend_warrants_from_a_labelled_form(
    login: Callable[[User], Client], supervisor: User, officer: User, shared: dict[str, Any]
) -> None:
    warrant = shared["warrant"]
    person_url = f"/registry/persons/{shared['person'].uid}/"
    client = _client(login, supervisor)
    page = client.get(person_url).content.decode()
    assert f"/registry/warrants/{warrant.uid}/extend/" in page
    assert f'for="warrant-justification-{warrant.pk}"' in page
    url = f"/registry/warrants/{warrant.uid}/extend/"
    why = "The court extended the case by two years."
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    answer = client.post(url, {"review_date": past, "justification": why}, follow=True)
    assert past in answer.content.decode()
    assert Warrant.objects.get(pk=warrant.pk).version == 1
    later = timezone.localdate() + timedelta(days=900)
    client.post(url, {"review_date": later.isoformat(), "justification": why})
    assert Warrant.objects.get(pk=warrant.pk).review_date == later
    officer_client = _client(login, officer)
    assert (
        f"/registry/warrants/{warrant.uid}/extend/"
        not in officer_client.get(person_url).content.decode()
    )
    assert officer_client.post(url, {"review_date": past, "justification": why}).status_code == 403


def test_the_reviews_notice_goes_only_to_those_who_can_extend(
    login: Callable[[User], Client], supervisor: User, officer: User, shared: dict[str, Any]
) -> None:
    Warrant.objects.update(review_date=timezone.localdate() + timedelta(days=10))
    assert 'id="desk-reviews"' in login(supervisor).get("/").content.decode()
    assert 'id="desk-reviews"' not in login(officer).get("/").content.decode()

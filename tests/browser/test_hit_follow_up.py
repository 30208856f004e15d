"""In Chromium: the owner's liaison officer answers a partner's hit (SIRENE "form G") and
executes the warrant through its confirmation page. The partner's hit arrives through its
envelope applier, as the exchange would apply it; the two-node version of the walk is
tests/federation/test_sharing.py (API)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from liaison.accounts.models import User
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.registry import actions
from liaison.registry.models import Alert, HitDecision, Warrant
from liaison.registry.sharing import records
from liaison.registry.sharing.share import share_person
from tests.browser.conftest import sign_in
from tests.registry.conftest import person_data, warrant_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_answers_a_partner_hit_and_confirms_an_execution(
    live_server: Any, page: Any, make_user: Callable[..., User]
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    lo = make_user("salma", "liaison_officer")
    Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency="Police nationale"
    )
    person = actions.create_person(actor=lo, data=person_data("Rachid Benali"))
    warrant = actions.create_warrant(actor=lo, person=person, data=warrant_data())
    alert = actions.create_alert(
        actor=lo,
        person=person,
        data=actions.AlertData(alert_type="locate", action_on_hit="Inform Rabat at once."),
    )
    share_person(actor=lo, person=person, partner="fr")
    hit = records.HitBody(
        uid=uuid.uuid4(),
        owner="fr",
        version=1,
        handling_code="H0",
        person=person.uid,
        alert=alert.uid,
        encountered_name="Rachid Benali",
        encountered_on=timezone.now(),
        place="Gare de Lyon, Paris",
        context="border_check",
        recorded_by_name="fr-officer",
        score=0.98,
        disposition="pending",
        action_taken="Held at the station.",
    )
    with transaction.atomic():  # as the receiver applies it (PostgreSQL locks rows)
        records.apply_hit("fr", hit)

    sign_in(page, live_server.url, lo)
    page.goto(f"{live_server.url}/registry/persons/{person.uid}/")
    page.fill("input[name=purpose]", "Follow-up of a partner's hit")
    page.click("button[type=submit]:has-text('Continue')")
    page.wait_for_selector("#hits")
    assert "Held at the station." in page.inner_text("#hits")
    page.click("a.hit-decide")
    page.wait_for_selector("text=The decision and the message go to Police nationale.")
    page.select_option("select[name=decision]", "confirmed")
    page.fill("textarea[name=message]", "It is him: arrest him, extradition follows.")
    page.click("button[type=submit]:has-text('Send the decision')")
    page.wait_for_selector(".decision-message")
    assert "It is him: arrest him" in page.inner_text("#hits")
    assert HitDecision.objects.get().decision == "confirmed"
    assert Alert.objects.get(pk=alert.pk).status == "located"

    # Executing the warrant: a confirmation page names the partner, and needs a reason.
    page.click("button[name=status][value=executed]")
    page.wait_for_selector("#confirm-partners")
    assert "The copy at Police nationale will be updated." in page.inner_text("#confirm-partners")
    page.click("button[type=submit]:has-text('Confirm')")
    page.wait_for_selector("text=Give the reason for this change")
    assert Warrant.objects.get(pk=warrant.pk).status == "active"
    page.fill("textarea[name=reason]", "Arrested in Paris on this hit.")
    page.click("button[type=submit]:has-text('Confirm')")
    page.wait_for_selector("text=Status changed.")
    assert Warrant.objects.get(pk=warrant.pk).status == "executed"
    last = OutboxEnvelope.objects.filter(object_uid=str(warrant.uid)).order_by("-seq").first()
    assert last is not None and last.message_type == "warrant.upsert"
    assert errors == []

"""Training sessions and technical assistance between the services: recorded by one,
shared with the other, changed only by the service that recorded them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from liaison.accounts.models import User
from liaison.exchange.models import OutboxEnvelope
from liaison.plan.delivery import (
    share_assistance,
    share_training,
    update_assistance,
    update_training,
)
from liaison.plan.models import TechnicalAssistance, Training
from liaison.plan.sharing import training_object
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import assistance_data, deliver, training_data

pytestmark = pytest.mark.django_db


def _their_training(**extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "topic": "major_events",
        "title": "Sécurité des grands événements",
        "starts_on": "2024-05-13",
        "ends_on": "2024-05-17",
        "place": "Saint-Denis",
        "remote": False,
        "provider_node": "fr",
        "receiver_node": "ma",
        "trainers": ["Cdt. Martin"],
        "participants": 30,
        "attended": 28,
        "rating": "4.4",
    }
    return values | extra


def test_a_shared_training_goes_with_its_evaluation_and_follows_its_changes(
    training: Training, liaison: User, officer: User, fr: Partner
) -> None:
    share_training(actor=liaison, training=training, partner="fr")
    update_training(actor=officer, training=training, data=training_data(attended=18))
    bodies = [
        row.payload["object"]
        for row in OutboxEnvelope.objects.filter(message_type="training.upsert").order_by("seq")
    ]
    assert [(b["version"], b["attended"], b["rating"]) for b in bodies] == [
        (1, 17, "4.5"),
        (2, 18, "4.5"),
    ]
    training.refresh_from_db()
    assert bodies[-1] == training_object(training)


def test_a_partners_training_arrives_read_only(fr: Partner, officer: User) -> None:
    body = _their_training()
    assert deliver(fr, "training.upsert", body).status == "applied"
    training = Training.objects.get(uid=body["uid"])
    assert (training.owner_node, training.participants, str(training.rating)) == ("fr", 30, "4.4")
    with pytest.raises(PermissionDenied):
        update_training(actor=officer, training=training, data=training_data())
    with pytest.raises(PermissionDenied):
        share_training(actor=officer, training=training, partner="fr")


def test_the_receiver_refuses_a_change_to_our_training_from_the_partner(
    training: Training, fr: Partner
) -> None:
    before = Training.objects.values().get(pk=training.pk)
    body = _their_training(uid=str(training.uid), version=5)
    receipt = deliver(fr, "training.upsert", body)
    assert (receipt.status, receipt.reason) == ("rejected", "not_owner")
    assert Training.objects.values().get(pk=training.pk) == before


def test_a_training_body_with_a_rating_out_of_range_is_refused(fr: Partner) -> None:
    receipt = deliver(fr, "training.upsert", _their_training(rating="9.0"))
    assert (receipt.status, receipt.reason) == ("rejected", "bad_schema")
    assert not Training.objects.exists()


def test_an_h3_training_is_never_shared(supervisor: User, liaison: User, fr: Partner) -> None:
    from liaison.plan.delivery import create_training

    training = create_training(actor=supervisor, data=training_data(handling_code="H3"))
    training.restricted_to.add(liaison)
    with pytest.raises(PermissionDenied):
        share_training(actor=liaison, training=training, partner="fr")
    assert not OutboxEnvelope.objects.exists()


def test_assistance_is_shared_and_its_status_followed(
    assistance: TechnicalAssistance, liaison: User, officer: User, fr: Partner
) -> None:
    share_assistance(actor=liaison, assistance=assistance, partner="fr")
    update_assistance(
        actor=officer, assistance=assistance, data=assistance_data(status="cancelled")
    )
    rows = OutboxEnvelope.objects.filter(message_type="technicalassistance.upsert")
    assert [r.payload["object"]["status"] for r in rows.order_by("seq")] == [
        "delivered",
        "cancelled",
    ]


def test_a_partners_assistance_arrives(fr: Partner) -> None:
    body = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H1",
        "review_date": None,
        "kind": "expertise",
        "description": "Audit du fichier des personnes recherchées",
        "provider_node": "fr",
        "recipient_node": "ma",
        "recipient_unit": "",
        "starts_on": "2025-02-03",
        "ends_on": None,
        "value_eur": None,
        "effort_days": "12.5",
        "status": "delivered",
    }
    assert deliver(fr, "technicalassistance.upsert", body).status == "applied"
    assert TechnicalAssistance.objects.get().effort_days == 12.5

"""The participants' names of a training: kept on the recording node, shown to who may see
the training, sent to the partner only when the node allows it and the training is H2, and
on the partner, only what it was sent (read from the outbox and the database)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.exchange.models import OutboxEnvelope
from liaison.plan.actions import PlanError
from liaison.plan.delivery import create_training, share_training, update_training
from liaison.plan.models import Training
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import api, deliver, training_data

pytestmark = pytest.mark.django_db

NAMES = [
    {"name": "Insp. Karim Alaoui", "service": "DGSN, Rabat", "function": "analyste"},
    {"name": "Lt. Salma Bennani", "service": "DGSN, Tanger", "function": ""},
]


def _named(**extra: Any) -> Any:
    return training_data(participants=2, attended=2, participant_list=NAMES, **extra)


def _sent_bodies() -> list[dict[str, Any]]:
    rows = OutboxEnvelope.objects.filter(message_type="training.upsert").order_by("seq")
    return [row.payload["object"] for row in rows]


# Recording


def test_the_names_are_kept_with_the_training(officer: User) -> None:
    training = create_training(actor=officer, data=_named())
    training.refresh_from_db()
    assert (training.participants, training.participant_list) == (2, NAMES)


def test_names_that_do_not_match_the_count_are_refused_and_nothing_is_kept(
    officer: User,
) -> None:
    with pytest.raises(PlanError, match="2 participants named but 18 counted"):
        create_training(actor=officer, data=training_data(participant_list=NAMES))
    assert not Training.objects.exists()


def test_the_form_says_the_count_and_the_names_disagree(
    login: Callable[[User], Client], officer: User
) -> None:
    form = {
        "topic": "document_fraud",
        "title": "Fraude documentaire",
        "starts_on": "2025-10-06",
        "ends_on": "2025-10-10",
        "place": "Rabat",
        "provider_node": "fr",
        "receiver_node": "ma",
        "participants": "3",
        "participant_list": "Insp. Karim Alaoui; DGSN, Rabat; analyste\nLt. Salma Bennani; DGSN",
        "handling_code": "H0",
    }
    client = login(officer)
    page = client.post("/plan/trainings/new/", form).content.decode()
    assert 'id="id_participant_list_error"' in page
    assert "2 participants named but 3 counted" in page
    assert not Training.objects.exists()
    response = client.post("/plan/trainings/new/", form | {"participants": "2"})
    assert response.status_code == 302
    assert Training.objects.get().participant_list == [
        NAMES[0],
        {"name": "Lt. Salma Bennani", "service": "DGSN", "function": ""},
    ]


def test_a_participant_without_a_service_is_refused_on_the_form(
    login: Callable[[User], Client], officer: User
) -> None:
    page = login(officer).post(
        "/plan/trainings/new/",
        {"title": "x", "participants": "1", "participant_list": "Insp. Karim Alaoui"},
    )
    assert "name; service; function" in page.content.decode()
    assert not Training.objects.exists()


# Who sees them


def test_who_may_see_the_training_sees_the_names_on_the_page_and_in_the_api(
    login: Callable[[User], Client], officer: User, analyst: User
) -> None:
    training = create_training(actor=officer, data=_named())
    page = login(analyst).get(f"/plan/trainings/{training.uid}/").content.decode()
    assert "Insp. Karim Alaoui" in page and "DGSN, Tanger" in page
    body = api(analyst).get(f"/api/v1/trainings/{training.uid}").json()
    assert body["participant_list"] == NAMES


def test_who_may_not_see_the_training_sees_no_name_anywhere(
    login: Callable[[User], Client],
    supervisor: User,
    officer: User,
    make_user: Callable[..., User],
) -> None:
    training = create_training(actor=supervisor, data=_named(handling_code="H3"))
    client, token = login(officer), api(officer)
    assert client.get(f"/plan/trainings/{training.uid}/").status_code == 404
    assert "Alaoui" not in client.get("/plan/trainings/").content.decode()
    assert token.get(f"/api/v1/trainings/{training.uid}").status_code == 404
    listed = token.get("/api/v1/trainings")
    assert listed.status_code == 200 and "Alaoui" not in listed.content.decode()
    auditor = make_user("auditor", "auditor")
    assert api(auditor).get("/api/v1/trainings").status_code == 403
    assert login(auditor).get(f"/plan/trainings/{training.uid}/").status_code == 404


# What the partner gets


@pytest.mark.parametrize(
    ("allowed", "code"), [(False, "H2"), (False, "H0"), (True, "H0"), (True, "H1")]
)
def test_the_partner_gets_the_count_only_unless_the_node_allows_names_and_the_code_is_h2(
    officer: User, liaison: User, fr: Partner, settings: Any, allowed: bool, code: str
) -> None:
    settings.TRAINING_SHARE_PARTICIPANT_NAMES = allowed
    training = create_training(actor=officer, data=_named(handling_code=code))
    share_training(actor=liaison, training=training, partner="fr")
    [body] = _sent_bodies()
    assert body["participants"] == 2 and "participant_list" not in body
    row = OutboxEnvelope.objects.get(message_type="training.upsert")
    assert "Alaoui" not in json.dumps(row.payload)


def test_with_the_node_allowing_it_an_h2_training_goes_with_the_names(
    officer: User, liaison: User, fr: Partner, settings: Any
) -> None:
    settings.TRAINING_SHARE_PARTICIPANT_NAMES = True
    training = create_training(actor=officer, data=_named(handling_code="H2"))
    share_training(actor=liaison, training=training, partner="fr")
    update_training(actor=officer, training=training, data=_named(handling_code="H1"))
    first, second = _sent_bodies()
    assert first["participant_list"] == NAMES
    assert "participant_list" not in second  # made H1: the names no longer go


def test_the_partner_keeps_the_names_it_was_sent_and_only_those(
    officer: User, fr: Partner, settings: Any
) -> None:
    """Our serialiser's body, as fr's node would send it, on this node's real receiver."""
    settings.TRAINING_SHARE_PARTICIPANT_NAMES = True
    from liaison.plan.sharing import training_object

    source = create_training(actor=officer, data=_named(handling_code="H2"))
    body = training_object(source) | {"uid": "0193a4f2-2222-7abc-8def-000000000001"}
    body |= {"owner": "fr"}
    assert deliver(fr, "training.upsert", body).status == "applied"
    copy = Training.objects.get(uid=body["uid"])
    assert (copy.owner_node, copy.participant_list) == ("fr", NAMES)
    later = {k: v for k, v in body.items() if k != "participant_list"} | {"version": 2}
    assert deliver(fr, "training.upsert", later).status == "applied"
    copy.refresh_from_db()
    assert (copy.participants, copy.participant_list) == (2, [])


def test_the_receiver_refuses_names_that_do_not_match_the_count(fr: Partner) -> None:
    from tests.plan.test_trainings import _their_training

    body = _their_training(participants=30, participant_list=NAMES)
    receipt = deliver(fr, "training.upsert", body)
    assert (receipt.status, receipt.reason) == ("rejected", "bad_schema")
    assert not Training.objects.exists()


@pytest.mark.parametrize("code", ["H0", "H1"])
def test_the_receiver_refuses_names_under_a_code_laxer_than_h2(fr: Partner, code: str) -> None:
    from tests.plan.test_trainings import _their_training

    body = _their_training(participants=2, participant_list=NAMES, handling_code=code)
    receipt = deliver(fr, "training.upsert", body)
    assert (receipt.status, receipt.reason) == ("rejected", "bad_schema")
    assert not Training.objects.exists()
    body["handling_code"] = "H2"  # the same names under H2 are kept
    assert deliver(fr, "training.upsert", body).status == "applied"
    assert Training.objects.get(uid=body["uid"]).participant_list == NAMES


def test_the_longest_list_of_names_signed_fits_in_an_envelope(officer: User, settings: Any) -> None:
    from joserfc.jwk import OKPKey

    from liaison.exchange.protocol import MAX_ENVELOPE_BYTES, envelope_claims, sign, uuid7
    from liaison.plan.sharing import MAX_PARTICIPANT_NAMES, training_object

    settings.TRAINING_SHARE_PARTICIPANT_NAMES = True
    longest = {"name": "ن" * 150, "service": "ش" * 150, "function": "و" * 100}
    count = MAX_PARTICIPANT_NAMES
    data = training_data(
        participants=count, attended=count, participant_list=[longest] * count, handling_code="H2"
    )
    body = training_object(create_training(actor=officer, data=data))
    assert len(body["participant_list"]) == count
    claims = envelope_claims(
        envelope_id=uuid7(),
        sender="ma",
        recipient="fr",
        seq=2**62,
        message_type="training.upsert",
        handling="H2",
        obj=body,
    )
    assert len(sign(claims, OKPKey.generate_key("Ed25519"))) < MAX_ENVELOPE_BYTES
    too_many = training_data(participants=count + 1, participant_list=[longest] * (count + 1))
    with pytest.raises(PlanError, match="At most 150"):
        create_training(actor=officer, data=too_many)

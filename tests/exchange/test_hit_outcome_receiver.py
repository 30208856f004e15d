"""The person's owner receiving a hit's outcome: only from the hit's recorder, only on a
confirmed hit, whole and in order. Signed envelopes posted to this node (ma), the database
read after each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.exchange import keys
from liaison.exchange.models import InboxEnvelope
from liaison.registry import actions
from liaison.registry.models import Hit, Person
from liaison.registry.sharing.share import share_person
from tests.exchange.test_hostile import Partner, hit, post
from tests.registry.conftest import person_data

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


@pytest.fixture
def client() -> Client:
    keys.create_key(Path(settings.DATA_DIR))  # this node (ma) signs its receipts
    return Client(raise_request_exception=False)


@pytest.fixture
def partners(client: Client) -> Callable[[str], Partner]:
    return Partner


@pytest.fixture
def ours(make_user: Callable[..., User], partners: Callable[[str], Partner]) -> dict[str, Any]:
    """Our wanted person shared with fr and de, and our liaison officer."""
    fr, de = partners("fr"), partners("de")
    lo = make_user("lo", "liaison_officer")
    person = actions.create_person(actor=lo, data=person_data("Karim Tazi", "كريم التازي"))
    share_person(actor=lo, person=person, partner="fr")
    share_person(actor=lo, person=person, partner="de")
    return {"person": person, "lo": lo, "fr": fr, "de": de}


def _hit_body(owner: str, person: Person, **extra: Any) -> dict[str, Any]:
    body = hit(owner, str(person.uid))
    body["encountered_on"] = (timezone.now() - timedelta(days=3)).isoformat()
    return body | extra


def _arrested(body: dict[str, Any], version: int = 2) -> dict[str, Any]:
    day = timezone.localdate().isoformat()
    return body | {
        "version": version,
        "outcome": "arrested",
        "outcome_on": day,
        "arrested_on": day,
    }


def _stored(uid: str) -> tuple[str, int, str, Any]:
    row = Hit.objects.get(uid=uid)
    return row.owner_node, row.version, row.outcome, row.arrested_on


def test_an_outcome_on_a_hit_we_confirmed_is_applied(client: Client, ours: dict[str, Any]) -> None:
    body = _hit_body("fr", ours["person"])
    assert post(client, ours["fr"].token("hit.notify", body))[1].status == "applied"
    copy = Hit.objects.get(uid=body["uid"])
    actions.decide_hit(actor=ours["lo"], hit=copy, decision="confirmed", message="C'est lui.")

    status, receipt = post(client, ours["fr"].token("hit.notify", _arrested(body)))

    assert (status, receipt.status) == (200, "applied")
    assert _stored(body["uid"]) == ("fr", 2, "arrested", timezone.localdate())


def test_an_outcome_on_a_hit_nobody_confirmed_is_not_accepted(
    client: Client, ours: dict[str, Any]
) -> None:
    body = _hit_body("fr", ours["person"])
    post(client, ours["fr"].token("hit.notify", body))

    status, receipt = post(client, ours["fr"].token("hit.notify", _arrested(body)))

    assert (status, receipt.status, receipt.reason) == (400, "rejected", "not_accepted")
    assert _stored(body["uid"]) == ("fr", 1, "", None)


def test_a_partner_cannot_write_an_outcome_on_a_hit_it_did_not_record(
    client: Client, ours: dict[str, Any]
) -> None:
    # de's hit on our person, confirmed by de itself.
    body = _hit_body("de", ours["person"], disposition="confirmed")
    assert post(client, ours["de"].token("hit.notify", body))[1].status == "applied"

    # fr sends an arrest on de's hit, as its own and in de's name: both refused.
    as_own = _arrested(body | {"owner": "fr"}, version=5)
    status, receipt = post(client, ours["fr"].token("hit.notify", as_own))
    assert (status, receipt.reason) == (409, "not_owner")
    in_des_name = _arrested(body, version=5)
    status, receipt = post(client, ours["fr"].token("hit.notify", in_des_name))
    assert (status, receipt.reason) == (409, "not_owner")

    assert _stored(body["uid"]) == ("de", 1, "", None)
    refused = InboxEnvelope.objects.filter(sender="fr", status="rejected")
    assert sorted(refused.values_list("reason", flat=True)) == ["not_owner", "not_owner"]


def test_a_partner_cannot_write_an_outcome_on_our_own_hit(
    client: Client, ours: dict[str, Any]
) -> None:
    data = actions.HitData(
        encountered_name="Karim Tazi",
        encountered_on=timezone.now() - timedelta(days=1),
        place="Rabat",
        context="investigation",
    )
    own = actions.record_hit(actor=ours["lo"], person=ours["person"], data=data)
    actions.dispose_hit(actor=ours["lo"], hit=own, disposition="confirmed", reason="Empreintes.")
    body = _arrested(_hit_body("fr", ours["person"], uid=str(own.uid)), version=9)

    status, receipt = post(client, ours["fr"].token("hit.notify", body))

    assert (status, receipt.reason) == (409, "not_owner")
    assert _stored(str(own.uid)) == ("ma", 2, "", None)


@pytest.mark.parametrize(
    "change",
    [
        {"outcome_on": None},  # an outcome without its date
        {"outcome": "", "arrested_on": None},  # a date without an outcome
        {"arrested_on": None},  # arrested without the arrest's date
        {"outcome": "located", "arrested_on": None, "outcome_on": "2020-01-01"},  # before
        {"outcome": "extradited", "outcome_on": "2099-01-01"},  # in the future
        {"outcome": "jailed"},  # not an outcome
    ],
)
def test_an_outcome_that_is_not_whole_or_in_order_is_bad_schema(
    client: Client, ours: dict[str, Any], change: dict[str, Any]
) -> None:
    body = _hit_body("fr", ours["person"], disposition="confirmed")
    post(client, ours["fr"].token("hit.notify", body))

    status, receipt = post(client, ours["fr"].token("hit.notify", _arrested(body) | change))

    assert (status, receipt.reason) == (400, "bad_schema")
    assert _stored(body["uid"]) == ("fr", 1, "", None)

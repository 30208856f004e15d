"""Events: a record type plugged into the sharing contract without touching the exchange."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.events.actions import EventData, EventError, create_event, share_event, update_event
from liaison.events.models import Event
from liaison.events.sharing import EventBody, event_object
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.protocol import ProtocolError
from liaison.exchange.sharing import WithdrawBody, record_type

pytestmark = pytest.mark.django_db
JSON = "application/json"


def afcon(**extra: Any) -> EventData:
    values: dict[str, Any] = {
        "name": "Coupe d'Afrique des Nations 2025",
        "starts_on": date(2025, 12, 21),
        "ends_on": date(2026, 1, 18),
        "host_node": "ma",
        "partner_nodes": ["fr"],
        "venues": ["Rabat", "Casablanca"],
    }
    return EventData(**(values | extra))


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)


@pytest.fixture
def liaison(make_user: Callable[..., User]) -> User:
    return make_user("liaison", "liaison_officer")


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _body(**extra: Any) -> EventBody:
    values: dict[str, Any] = {
        "uid": "6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01",
        "owner": "fr",
        "version": 1,
        "handling_code": "H1",
        "review_date": None,
        "name": "Jeux Olympiques de Paris 2024",
        "starts_on": "2024-07-26",
        "ends_on": "2024-09-08",
        "venues": ["Paris", "Marseille"],
        "host_node": "fr",
        "partner_nodes": ["ma"],
        "description": "",
    }
    return EventBody.model_validate(values | extra)


# Actions


def test_an_officer_records_an_event(officer: User) -> None:
    create_event(actor=officer, data=afcon(partner_nodes=["fr", "ma", " "]))
    event = Event.objects.get()
    assert (event.owner_node, event.version, event.created_by_id) == ("ma", 1, officer.pk)
    assert event.partner_nodes == ["fr"]  # the host is not its own partner
    assert AuditEntry.objects.filter(action="collect", object_type="event").count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"ends_on": date(2025, 12, 1)}, "cannot end before it starts"),
        ({"venues": ["Rabat\x00"]}, "Venue"),
        ({"host_node": "Maroc!"}, "Host service"),
        ({"partner_nodes": ["FR"]}, "Partner services"),
        ({"name": "   "}, "blank"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    officer: User, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(EventError, match=message):
        create_event(actor=officer, data=afcon(**extra))
    assert not Event.objects.exists()


def test_an_analyst_may_not_record_an_event_and_the_refusal_is_audited(analyst: User) -> None:
    with pytest.raises(PermissionDenied):
        create_event(actor=analyst, data=afcon())
    assert not Event.objects.exists()
    assert AuditEntry.objects.filter(action="permission_denied", object_type="event").exists()


def test_a_change_goes_to_the_partners_holding_the_event(
    officer: User, liaison: User, fr: Peer
) -> None:
    event = create_event(actor=officer, data=afcon())
    share_event(actor=liaison, event=event, partner="fr")
    update_event(actor=officer, event=event, data=afcon(venues=["Rabat", "Tanger"]))
    stored = Event.objects.get()
    assert (stored.version, stored.venues) == (2, ["Rabat", "Tanger"])
    versions = OutboxEnvelope.objects.filter(message_type="event.upsert")
    assert sorted(versions.values_list("object_version", flat=True)) == [1, 2]
    change = AuditEntry.objects.get(action="alter", object_type="event")
    assert change.changes == {"venues": [["Rabat", "Casablanca"], ["Rabat", "Tanger"]]}


def test_a_liaison_officer_shares_an_event_through_the_outbox(
    officer: User, liaison: User, fr: Peer
) -> None:
    event = create_event(actor=officer, data=afcon(handling_code="H1"))
    share_event(actor=liaison, event=event, partner="fr")
    envelope = OutboxEnvelope.objects.get()
    assert (envelope.message_type, envelope.handling) == ("event.upsert", "H1")
    assert envelope.payload["object"] == event_object(event)
    assert Share.objects.filter(object_type="event", object_uid=event.uid, peer=fr).exists()
    assert AuditEntry.objects.filter(action="disclose", object_type="event").count() == 1


@pytest.mark.parametrize("role", ["officer", "analyst", "supervisor"])
def test_only_a_liaison_officer_shares(
    officer: User, make_user: Callable[..., User], fr: Peer, role: str
) -> None:
    event = create_event(actor=officer, data=afcon())
    with pytest.raises(PermissionDenied):
        share_event(actor=make_user(f"{role}-2", role), event=event, partner="fr")
    assert not OutboxEnvelope.objects.exists()


def test_an_h3_event_is_never_shared(supervisor: User, liaison: User, fr: Peer) -> None:
    event = create_event(actor=supervisor, data=afcon(handling_code="H3"))
    event.restricted_to.add(liaison)
    with pytest.raises(PermissionDenied, match="H3"):
        share_event(actor=liaison, event=event, partner="fr")
    assert not OutboxEnvelope.objects.exists()


# Receiving (the applier the exchange calls for `event.upsert` / `event.withdraw`)


def test_a_partners_event_is_kept_as_a_read_only_copy(db: None) -> None:
    applied = record_type("event").apply("fr", _body())
    copy = Event.objects.get()
    assert applied.effect == "created"
    assert (copy.owner_node, copy.handling_code, copy.received_at is not None) == ("fr", "H1", True)
    assert record_type("event").apply("fr", _body(name="Old name")).effect == "unchanged"
    assert Event.objects.get().name == "Jeux Olympiques de Paris 2024"
    record_type("event").apply("fr", _body(version=2, name="Paris 2024"))
    assert Event.objects.get().name == "Paris 2024"


def test_a_partner_cannot_send_an_event_it_does_not_own(db: None) -> None:
    with pytest.raises(ProtocolError, match="owned by"):
        record_type("event").apply("es", _body())
    assert not Event.objects.exists()


def test_a_withdrawn_event_stays_withdrawn(db: None) -> None:
    kind = record_type("event")
    kind.apply("fr", _body())
    assert kind.withdraw is not None
    withdrawal = WithdrawBody(uid=_body().uid, owner="fr", version=1, reason="ended")
    assert kind.withdraw("fr", withdrawal).effect == "deleted"
    assert kind.apply("fr", _body()).effect == "unchanged"  # a late copy of version 1
    assert not Event.objects.exists()


# The API and the pages


@pytest.mark.parametrize(
    ("role", "listed", "created"),
    [
        ("officer", 200, 201),
        ("analyst", 200, 403),
        ("liaison_officer", 200, 201),
        ("supervisor", 200, 201),
        ("auditor", 403, 403),
        ("node_admin", 403, 403),
    ],
)
def test_the_api_answers_each_role(
    make_user: Callable[..., User], role: str, listed: int, created: int
) -> None:
    client = _api(make_user(f"{role}-x", role))
    body = {"name": "AFCON", "starts_on": "2025-12-21", "ends_on": "2026-01-18", "host_node": "ma"}
    assert client.get("/api/v1/events").status_code == listed
    assert client.post("/api/v1/events", body, JSON).status_code == created
    assert Event.objects.count() == (1 if created == 201 else 0)


def test_the_api_refuses_bad_input_with_the_field(officer: User) -> None:
    body = {"name": "AFCON", "starts_on": "2025-12-21", "ends_on": "2026-01-18", "host_node": "MA"}
    response = _api(officer).post("/api/v1/events", body, JSON)
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["body", "host_node"]
    assert not Event.objects.exists()


def test_the_api_shares_and_an_h3_event_is_not_found_by_others(
    officer: User, supervisor: User, liaison: User, fr: Peer
) -> None:
    event = create_event(actor=officer, data=afcon())
    shared = _api(liaison).post(f"/api/v1/events/{event.uid}/shares", {"partner": "fr"}, JSON)
    assert shared.status_code == 201
    assert OutboxEnvelope.objects.get().envelope_id.hex == shared.json()["envelope"].replace(
        "-", ""
    )
    secret = create_event(actor=supervisor, data=afcon(name="Secret visit", handling_code="H3"))
    assert _api(officer).get(f"/api/v1/events/{secret.uid}").status_code == 404
    assert "Secret visit" not in _api(officer).get("/api/v1/events").content.decode()
    assert _api(supervisor).get(f"/api/v1/events/{secret.uid}").status_code == 200


def test_the_pages_list_show_create_and_share(
    liaison: User, login: Callable[[User], Client], fr: Peer
) -> None:
    client = login(liaison)
    form = {
        "name": "FIFA World Cup 2030",
        "starts_on": "2030-06-13",
        "ends_on": "2030-07-21",
        "host_node": "ma",
        "partner_nodes": "fr",
        "venues": "Casablanca\nRabat",
        "description": "",
        "handling_code": "H0",
    }
    response = client.post("/events/new/", form)
    event = Event.objects.get()
    assert response.status_code == 302 and event.venues == ["Casablanca", "Rabat"]
    assert "FIFA World Cup 2030" in client.get("/events/").content.decode()
    page = client.get(f"/events/{event.uid}/").content.decode()
    assert 'id="share-form"' in page
    client.post(f"/events/{event.uid}/share/", {"partner": "fr"})
    assert OutboxEnvelope.objects.filter(object_uid=str(event.uid)).exists()


def test_an_auditor_does_not_see_the_events_pages(
    make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    assert login(make_user("aud", "auditor")).get("/events/").status_code == 403

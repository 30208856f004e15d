"""Risk supporters and stadium bans: recorded, shared with the person they concern,
expired by the worker's job on both sides, and screened like alerts while in force."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.events.accreditation import map_columns, upload_list
from liaison.events.actions import EventData, create_event, share_event
from liaison.events.ban_sharing import BanBody, ban_object
from liaison.events.bans import (
    BanData,
    BanError,
    create_ban,
    expire_bans,
    share_ban,
    update_ban,
    withdraw_ban,
)
from liaison.events.demo_bans import seed_bans, share_bans
from liaison.events.models import Ban, BanStatus, Candidate, Event
from liaison.events.tables import Mapping
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.protocol import ProtocolError, Reason
from liaison.exchange.sharing import WithdrawBody, record_type
from liaison.policy import Action, decide
from liaison.registry.actions import NameData, PersonData, create_person
from liaison.registry.models import Person
from liaison.registry.sharing.share import share_person

pytestmark = pytest.mark.django_db
JSON = "application/json"
TODAY = timezone.localdate()
# The list page: session, user, desk badge and the scoped bans with their persons' names.
BAN_LIST_QUERIES = 13


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)


@pytest.fixture
def liaison(make_user: Callable[..., User]) -> User:
    return make_user("liaison", "liaison_officer")


@pytest.fixture
def supporter(officer: User) -> Person:
    """A person with no alert: on the watchlist only through a ban."""
    data = PersonData(
        category="convicted", names=[NameData("Karim Benali")], birth_dates=["1984-03-12"]
    )
    return create_person(actor=officer, data=data)


def stadium_ban(**extra: Any) -> BanData:
    values: dict[str, Any] = {
        "kind": "stadium_ban",
        "issuing_authority": "Tribunal de première instance de Casablanca",
        "valid_from": TODAY - timedelta(days=30),
        "valid_until": TODAY + timedelta(days=300),
        "grounds": "Pitch invasion and fireworks, 2025-04-12.",
        "competitions": "Botola Pro; Coupe d'Afrique des Nations",
    }
    return BanData(**(values | extra))


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _partner_body(person: Person, **extra: Any) -> BanBody:
    values: dict[str, Any] = {
        "uid": "0b4e1f3a-2222-4d7e-9c39-5b5f6f7b2c01",
        "owner": "fr",
        "version": 1,
        "handling_code": "H1",
        "person": str(person.uid),
        "person_owner": person.owner_node,
        "kind": "stadium_ban",
        "issuing_authority": "Préfecture de police",
        "valid_from": str(TODAY - timedelta(days=10)),
        "valid_until": str(TODAY + timedelta(days=100)),
        "grounds": "Violence at Parc des Princes.",
        "competitions": "Ligue 1",
        "events": [],
        "status": "active",
    }
    return BanBody.model_validate(values | extra)


# Recording


def test_an_officer_records_a_ban_linked_to_an_event_and_it_is_audited(
    officer: User, supporter: Person, event: Event
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban(events=[event.uid]))
    ban.refresh_from_db()
    assert (ban.owner_node, ban.status, ban.person_id) == ("ma", BanStatus.ACTIVE, supporter.pk)
    assert list(ban.events.all()) == [event]
    entry = AuditEntry.objects.get(object_type="ban", action="collect")
    assert entry.object_id == str(ban.uid) and entry.detail["person"] == str(supporter.uid)


def test_an_h3_event_on_a_ban_stays_hidden_and_survives_a_colleagues_edit(
    officer: User,
    supervisor: User,
    supporter: Person,
    event: Event,
    login: Callable[[User], Client],
) -> None:
    secret = create_event(
        actor=supervisor,
        data=EventData(
            name="Opération Sirocco",
            starts_on=TODAY,
            ends_on=TODAY,
            host_node="ma",
            handling_code="H3",
        ),
    )
    data = stadium_ban(events=[event.uid, secret.uid])
    ban = create_ban(actor=supervisor, person=supporter, data=data)
    page = login(officer).get(f"/events/bans/{ban.uid}/").content.decode()
    assert "Nations 2025" in page and "Sirocco" not in page and str(secret.uid) not in page
    answer = _api(officer).get(f"/api/v1/bans/{ban.uid}").json()
    assert answer["events"] == [str(event.uid)]
    # The colleague changes the grounds: the link they cannot see is not theirs to drop.
    update_ban(actor=officer, ban=ban, data=stadium_ban(events=[event.uid], grounds="Other."))
    assert set(Ban.objects.get(pk=ban.pk).events.all()) == {event, secret}


def test_a_ban_ending_before_it_starts_is_refused_and_nothing_is_written(
    officer: User, supporter: Person
) -> None:
    with pytest.raises(BanError, match="end before"):
        create_ban(
            actor=officer, person=supporter, data=stadium_ban(valid_until=TODAY - timedelta(60))
        )
    assert not Ban.objects.exists()


def test_an_analyst_may_not_record_a_ban_and_the_refusal_is_audited(
    analyst: User, supporter: Person
) -> None:
    with pytest.raises(PermissionDenied):
        create_ban(actor=analyst, person=supporter, data=stadium_ban())
    assert not Ban.objects.exists()
    assert AuditEntry.objects.filter(action="permission_denied", object_type="ban").exists()


def test_a_ban_on_an_h3_person_is_hidden_from_those_who_may_not_see_the_person(
    officer: User, supervisor: User
) -> None:
    data = PersonData(category="convicted", names=[NameData("Secret Person")], handling_code="H3")
    secret = create_person(actor=supervisor, data=data)
    with pytest.raises(PermissionDenied):
        create_ban(actor=officer, person=secret, data=stadium_ban())
    ban = create_ban(actor=supervisor, person=secret, data=stadium_ban())
    assert _api(officer).get(f"/api/v1/bans/{ban.uid}").status_code == 404
    assert _api(officer).get("/api/v1/bans").json() == []
    assert _api(supervisor).get(f"/api/v1/bans/{ban.uid}").status_code == 200


def test_a_ban_takes_its_persons_code_and_is_never_laxer(officer: User) -> None:
    data = PersonData(category="convicted", names=[NameData("Karim Benali")], handling_code="H1")
    person = create_person(actor=officer, data=data)
    assert create_ban(actor=officer, person=person, data=stadium_ban()).handling_code == "H1"
    with pytest.raises(BanError, match="less restricted"):
        create_ban(actor=officer, person=person, data=stadium_ban(handling_code="H0"))
    with pytest.raises(PermissionDenied):  # H3 is a supervisor's choice
        create_ban(actor=officer, person=person, data=stadium_ban(handling_code="H3"))
    assert Ban.objects.count() == 1


# Sharing


def test_sharing_a_ban_sends_its_person_first_when_the_partner_lacks_it(
    officer: User, liaison: User, supporter: Person, fr: Peer
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    result = share_ban(actor=liaison, ban=ban, partner="fr")
    types = list(OutboxEnvelope.objects.order_by("pk").values_list("message_type", flat=True))
    assert types == ["person.upsert", "ban.upsert"] and len(result.envelopes) == 2
    sent = OutboxEnvelope.objects.get(message_type="ban.upsert")
    assert sent.payload["object"]["person"] == str(supporter.uid)
    # Shared again: the partner holds the person now, only the ban goes.
    share_ban(actor=liaison, ban=ban, partner="fr")
    assert OutboxEnvelope.objects.filter(message_type="person.upsert").count() == 1
    assert Share.objects.filter(peer=fr, object_type="ban", object_uid=ban.uid).exists()


@pytest.mark.parametrize("role", ["officer", "analyst", "supervisor"])
def test_only_a_liaison_officer_shares_a_ban(
    officer: User, make_user: Callable[..., User], supporter: Person, fr: Peer, role: str
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    with pytest.raises(PermissionDenied):
        share_ban(actor=make_user(f"{role}-x", role), ban=ban, partner="fr")
    assert not OutboxEnvelope.objects.exists() and not Share.objects.exists()


def test_a_ban_on_a_partners_person_goes_only_to_that_partner(
    officer: User, liaison: User, fr: Peer
) -> None:
    person = Person.objects.create(owner_node="fr", received_at=timezone.now())
    ban = create_ban(actor=officer, person=person, data=stadium_ban())
    share_ban(actor=liaison, ban=ban, partner="fr")
    assert list(OutboxEnvelope.objects.values_list("message_type", flat=True)) == ["ban.upsert"]
    Peer.objects.create(node_id="es", url="http://127.0.0.1:9", fingerprint="1" * 64)
    with pytest.raises(BanError, match="received from another service"):
        share_ban(actor=liaison, ban=ban, partner="es")
    assert OutboxEnvelope.objects.count() == 1


def test_an_expired_ban_is_not_shared(
    officer: User, liaison: User, supporter: Person, fr: Peer
) -> None:
    past = stadium_ban(valid_from=TODAY - timedelta(400), valid_until=TODAY - timedelta(1))
    ban = create_ban(actor=officer, person=supporter, data=past)
    assert ban.status == BanStatus.EXPIRED
    with pytest.raises(BanError, match="active"):
        share_ban(actor=liaison, ban=ban, partner="fr")
    assert not OutboxEnvelope.objects.exists()


def test_a_partners_ban_is_kept_on_a_person_held_here(
    officer: User, liaison: User, fr: Peer
) -> None:
    person = Person.objects.create(owner_node="fr", received_at=timezone.now())
    applied = record_type("ban").apply("fr", _partner_body(person))
    copy = Ban.objects.get()
    assert applied.effect == "created"
    assert (copy.owner_node, copy.person_id, copy.status, copy.received_at is not None) == (
        "fr",
        person.pk,
        "active",
        True,
    )
    # On one of this node's own persons, once we share it with the partner: before, the
    # partner would put a person it was never sent on our watchlist.
    mine = create_person(
        actor=officer, data=PersonData(category="convicted", names=[NameData("A B")])
    )
    other = _partner_body(mine, uid="0b4e1f3a-3333-4d7e-9c39-5b5f6f7b2c01")
    with pytest.raises(ProtocolError) as refused:
        record_type("ban").apply("fr", other)
    assert refused.value.reason == Reason.UNKNOWN_REFERENCE
    assert Ban.objects.count() == 1
    share_person(actor=liaison, person=mine, partner="fr")
    assert record_type("ban").apply("fr", other).effect == "created"


def test_a_ban_on_a_person_not_held_here_is_refused_as_unknown_reference(db: None) -> None:
    stranger = Person(owner_node="fr")  # never saved: not here
    with pytest.raises(ProtocolError) as refused:
        record_type("ban").apply("fr", _partner_body(stranger))
    assert refused.value.reason == Reason.UNKNOWN_REFERENCE
    es_person = Person.objects.create(owner_node="es", received_at=timezone.now())
    # A person held here, but claimed as another owner's: not the one named.
    with pytest.raises(ProtocolError) as refused:
        record_type("ban").apply("fr", _partner_body(es_person, person_owner="fr"))
    assert refused.value.reason == Reason.UNKNOWN_REFERENCE
    # A third service's person we hold: not fr's to ban here.
    with pytest.raises(ProtocolError) as refused:
        record_type("ban").apply("fr", _partner_body(es_person))
    assert refused.value.reason == Reason.UNKNOWN_REFERENCE
    assert not Ban.objects.exists()


def test_a_partners_ban_links_only_events_the_partner_may_name(
    liaison: User, fr: Peer, event: Event
) -> None:
    person = Person.objects.create(owner_node="fr", received_at=timezone.now())
    theirs = Event.objects.create(
        owner_node="fr",
        received_at=timezone.now(),
        name="Ligue 1",
        host_node="fr",
        starts_on=TODAY,
        ends_on=TODAY,
    )
    named = [str(event.uid), str(theirs.uid)]
    record_type("ban").apply("fr", _partner_body(person, events=named))
    # Ours was never shared with fr: not linked (fr could not know it, nor name an H3 one).
    assert list(Ban.objects.get().events.all()) == [theirs]
    share_event(actor=liaison, event=event, partner="fr")
    record_type("ban").apply("fr", _partner_body(person, version=2, events=named))
    assert set(Ban.objects.get().events.all()) == {event, theirs}


def test_a_partner_cannot_send_a_ban_it_does_not_own(officer: User, supporter: Person) -> None:
    with pytest.raises(ProtocolError) as refused:
        record_type("ban").apply("es", _partner_body(supporter))
    assert refused.value.reason == Reason.NOT_OWNER
    mine = create_ban(actor=officer, person=supporter, data=stadium_ban())
    with pytest.raises(ProtocolError) as refused:
        record_type("ban").apply("fr", _partner_body(supporter, uid=str(mine.uid)))
    assert refused.value.reason == Reason.NOT_OWNER
    assert Ban.objects.get().issuing_authority.startswith("Tribunal")


def test_what_is_sent_is_what_the_partner_applies(
    officer: User, supporter: Person, event: Event
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban(events=[event.uid]))
    body = BanBody.model_validate(ban_object(ban))
    assert (body.person, body.person_owner, body.events) == (supporter.uid, "ma", [event.uid])
    assert body.status == "active" and body.competitions.startswith("Botola")


# Expiry (the test: a stadium ban shared and expired)


def test_a_stadium_ban_shared_and_expired_reaches_the_partner_expired(
    officer: User, liaison: User, supporter: Person, fr: Peer
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    share_ban(actor=liaison, ban=ban, partner="fr")
    assert expire_bans(today=TODAY) == []  # still in force
    later = ban.valid_until + timedelta(days=1)
    assert expire_bans(today=later) == [str(ban.uid)]
    ban.refresh_from_db()
    assert (ban.status, ban.version) == (BanStatus.EXPIRED, 2)
    sent = OutboxEnvelope.objects.filter(message_type="ban.upsert").order_by("pk")
    assert [(e.object_uid, e.object_version) for e in sent] == [
        (str(ban.uid), 1),
        (str(ban.uid), 2),
    ]
    assert sent.last().payload["object"]["status"] == "expired"  # type: ignore[union-attr]
    # What the partner receives: the same ban, expired, at version 2.
    body = BanBody.model_validate(ban_object(ban))
    assert (body.status, body.version) == ("expired", 2)
    entry = AuditEntry.objects.filter(object_type="ban", action="alter").last()
    assert entry is not None and entry.changes == {"status": ["active", "expired"]}
    assert entry.origin == "task"
    assert expire_bans(today=later) == []  # once


def test_a_partners_copy_expires_by_its_own_clock_and_then_takes_the_owners_word(
    db: None,
) -> None:
    person = Person.objects.create(owner_node="fr", received_at=timezone.now())
    body = _partner_body(person)
    record_type("ban").apply("fr", body)
    assert expire_bans(today=body.valid_until + timedelta(days=1)) == [str(body.uid)]
    copy = Ban.objects.get()
    assert (copy.status, copy.version) == (BanStatus.EXPIRED, 1)
    # The owner's expiry arrives later: applied (a newer version), same outcome.
    applied = record_type("ban").apply("fr", _partner_body(person, version=2, status="expired"))
    copy.refresh_from_db()
    assert (applied.effect, copy.status, copy.version) == ("updated", BanStatus.EXPIRED, 2)


def test_a_withdrawn_ban_is_deleted_at_the_partner(
    officer: User, liaison: User, supporter: Person, fr: Peer
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    share_ban(actor=liaison, ban=ban, partner="fr")
    with pytest.raises(BanError, match="why"):
        withdraw_ban(actor=officer, ban=ban, reason=" ")
    withdraw_ban(actor=officer, ban=ban, reason="Quashed on appeal.")
    ban.refresh_from_db()
    assert ban.status == BanStatus.WITHDRAWN
    assert OutboxEnvelope.objects.filter(message_type="ban.withdraw").count() == 1
    assert not Share.objects.filter(object_type="ban").exists()
    # At the partner: its copy goes.
    person = Person.objects.create(owner_node="fr", received_at=timezone.now())
    kind = record_type("ban")
    kind.apply("fr", _partner_body(person))
    assert kind.withdraw is not None
    gone = WithdrawBody(uid=_partner_body(person).uid, owner="fr", version=1, reason="withdrawn")
    assert kind.withdraw("fr", gone).effect == "deleted"
    assert not Ban.objects.filter(owner_node="fr").exists()


# Screening


HEADER = "Nom,Prénom,Date de naissance\n"
ROWS = "Lefebvre,Jean,1970-07-07\nBenali,Karim,1984-03-12\n"


def _screen(user: User, event: Event, capture: Any) -> list[Candidate]:
    lst = upload_list(
        actor=user,
        event=event,
        name="Stewards",
        purpose="Accreditation",
        file_name="stewards.csv",
        data=(HEADER + ROWS).encode(),
    )
    with capture(execute=True):
        map_columns(actor=user, lst=lst, mapping=Mapping(names=[1, 0], date_of_birth=2))
    return list(Candidate.objects.filter(list=lst).select_related("person"))


def test_screening_finds_a_person_with_a_ban_in_force_and_not_after_it_expired(
    officer: User,
    supporter: Person,
    event: Event,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert _screen(officer, event, django_capture_on_commit_callbacks) == []  # no ban yet
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    found = _screen(officer, event, django_capture_on_commit_callbacks)
    assert [c.person_id for c in found] == [supporter.pk]
    Ban.objects.filter(pk=ban.pk).update(valid_until=TODAY - timedelta(days=1))
    # Past its end: not screened, even before the job marks it expired...
    assert _screen(officer, event, django_capture_on_commit_callbacks) == []
    expire_bans()
    ban.refresh_from_db()
    assert ban.status == BanStatus.EXPIRED
    assert _screen(officer, event, django_capture_on_commit_callbacks) == []


def test_a_received_ban_is_screened_and_the_queue_says_which_ban(
    officer: User,
    event: Event,
    login: Callable[[User], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    data = PersonData(
        category="convicted", names=[NameData("Karim Benali")], birth_dates=["1984-03-12"]
    )
    person = create_person(actor=officer, data=data)
    Person.objects.filter(pk=person.pk).update(owner_node="fr", received_at=timezone.now())
    record_type("ban").apply("fr", _partner_body(Person.objects.get(pk=person.pk)))
    found = _screen(officer, event, django_capture_on_commit_callbacks)
    assert [c.person_id for c in found] == [person.pk]
    lst = found[0].list
    client = login(officer)
    html = client.get(f"/events/{event.uid}/lists/{lst.uid}/candidates/").content.decode()
    assert "candidate-ban" in html and "Préfecture de police" in html
    Ban.objects.update(status=BanStatus.WITHDRAWN)
    html = client.get(f"/events/{event.uid}/lists/{lst.uid}/candidates/").content.decode()
    assert "Préfecture de police" not in html


# Pages and API


def test_the_pages_record_show_share_and_withdraw_a_ban(
    officer: User, liaison: User, supporter: Person, login: Callable[[User], Client], fr: Peer
) -> None:
    client = login(officer)
    form = {
        "person": str(supporter.uid),
        "kind": "stadium_ban",
        "issuing_authority": "Tribunal de Rabat",
        "valid_from": str(TODAY),
        "valid_until": str(TODAY + timedelta(days=365)),
        "grounds": "Violence",
        "competitions": "Botola Pro",
        "handling_code": "H0",
    }
    assert client.get(f"/events/bans/new/?person={supporter.uid}").status_code == 200
    response = client.post("/events/bans/new/", form)
    ban = Ban.objects.get()
    assert response.status_code == 302 and ban.issuing_authority == "Tribunal de Rabat"
    assert "Tribunal de Rabat" in client.get("/events/bans/").content.decode()
    page = client.get(f"/events/bans/{ban.uid}/").content.decode()
    assert 'id="share-form"' not in page and 'id="withdraw-form"' in page
    assert AuditEntry.objects.filter(action="consult", object_id=str(ban.uid)).exists()
    sharer = login(liaison)
    assert 'id="share-form"' in sharer.get(f"/events/bans/{ban.uid}/").content.decode()
    sharer.post(f"/events/bans/{ban.uid}/share/", {"partner": "fr"})
    assert OutboxEnvelope.objects.filter(message_type="ban.upsert").count() == 1
    assert client.get(f"/events/bans/{ban.uid}/edit/").status_code == 200
    changed = {k: v for k, v in form.items() if k != "person"} | {"grounds": "Violence, 2026"}
    assert client.post(f"/events/bans/{ban.uid}/edit/", changed).status_code == 302
    ban.refresh_from_db()
    assert (ban.grounds, ban.version) == ("Violence, 2026", 2)
    client.post(f"/events/bans/{ban.uid}/withdraw/", {"reason": "Quashed"})
    ban.refresh_from_db()
    assert ban.status == BanStatus.WITHDRAWN


def test_a_person_the_user_cannot_see_is_not_banned_through_the_page(
    officer: User, supervisor: User, login: Callable[[User], Client]
) -> None:
    data = PersonData(category="convicted", names=[NameData("Secret Person")], handling_code="H3")
    secret = create_person(actor=supervisor, data=data)
    form = {
        "person": str(secret.uid),
        "kind": "risk_supporter",
        "issuing_authority": "DGSN",
        "valid_from": str(TODAY),
        "valid_until": str(TODAY + timedelta(days=90)),
        "grounds": "Leader of a violent group",
        "handling_code": "H0",
    }
    response = login(officer).post("/events/bans/new/", form)
    assert (
        response.status_code == 200
        and "No person with this identifier" in response.content.decode()
    )
    assert not Ban.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "auditor", "node_admin"])
def test_the_pages_refuse_those_who_may_not_change_a_ban(
    officer: User,
    supporter: Person,
    make_user: Callable[..., User],
    login: Callable[[User], Client],
    role: str,
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    client = login(make_user(f"{role}-x", role))
    seen = 200 if role == "analyst" else 404
    assert client.get(f"/events/bans/{ban.uid}/").status_code == seen
    assert client.get("/events/bans/new/").status_code == 403
    refused = client.post(f"/events/bans/{ban.uid}/withdraw/", {"reason": "x"})
    assert refused.status_code == (403 if role == "analyst" else 404)
    assert client.get(f"/events/bans/{ban.uid}/edit/").status_code == refused.status_code
    ban.refresh_from_db()
    assert (ban.status, ban.version) == (BanStatus.ACTIVE, 1)


def test_a_partners_ban_is_read_only_here(officer: User, login: Callable[[User], Client]) -> None:
    person = Person.objects.create(owner_node="fr", received_at=timezone.now())
    record_type("ban").apply("fr", _partner_body(person))
    ban = Ban.objects.get()
    client = login(officer)
    assert client.get(f"/events/bans/{ban.uid}/edit/").status_code == 403
    assert client.post(f"/events/bans/{ban.uid}/withdraw/", {"reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        withdraw_ban(actor=officer, ban=ban, reason="mine now")
    ban.refresh_from_db()
    assert (ban.status, ban.version) == (BanStatus.ACTIVE, 1)


@pytest.mark.parametrize(
    ("role", "listed", "created"),
    [
        ("officer", 200, 201),
        ("analyst", 200, 403),
        ("liaison_officer", 200, 201),
        ("auditor", 403, 403),
        ("node_admin", 403, 403),
    ],
)
def test_the_api_answers_each_role(
    supporter: Person, make_user: Callable[..., User], role: str, listed: int, created: int
) -> None:
    client = _api(make_user(f"{role}-x", role))
    body = {
        "person": str(supporter.uid),
        "kind": "stadium_ban",
        "issuing_authority": "Tribunal de Rabat",
        "valid_from": str(TODAY),
        "valid_until": str(TODAY + timedelta(days=30)),
        "grounds": "Violence",
    }
    assert client.get("/api/v1/bans").status_code == listed
    assert client.post("/api/v1/bans", body, JSON).status_code == created
    assert Ban.objects.count() == (1 if created == 201 else 0)


def test_the_api_shares_and_withdraws(
    officer: User, liaison: User, supporter: Person, fr: Peer
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    shared = _api(liaison).post(f"/api/v1/bans/{ban.uid}/shares", {"partner": "fr"}, JSON)
    assert shared.status_code == 201 and len(shared.json()["envelopes"]) == 2
    refused = _api(liaison).post(f"/api/v1/bans/{ban.uid}/withdrawal", {"reason": "x"}, JSON)
    assert refused.status_code == 200  # a liaison officer changes records too
    assert _api(officer).get(f"/api/v1/bans/{ban.uid}").json()["status"] == "withdrawn"
    unknown = _api(officer).post(f"/api/v1/bans/{ban.uid}/shares", {"partner": "fr"}, JSON)
    assert unknown.status_code == 403


# Demo


def test_the_demo_gives_fr_an_active_ban_shared_with_ma_and_an_expired_one(
    settings: Any, officer: User, make_user: Callable[..., User]
) -> None:
    settings.NODE_ID = "fr"
    assert officer.agency is not None
    officer.agency.node_id = "fr"
    officer.agency.save(update_fields=["node_id"])
    make_user("fr-liaison-officer", "liaison_officer")
    Peer.objects.create(node_id="ma", url="http://127.0.0.1:9", fingerprint="0" * 64)
    for name in ("Julien Marchand", "Kevin Roussel"):
        create_person(actor=officer, data=PersonData(category="convicted", names=[NameData(name)]))
    assert seed_bans(actor=officer, node_id="fr") == 2
    assert seed_bans(actor=officer, node_id="fr") == 0
    statuses = sorted(Ban.objects.values_list("status", flat=True))
    assert statuses == [BanStatus.ACTIVE, BanStatus.EXPIRED]
    assert share_bans("ma") == 1 and share_bans("ma") == 0
    sent = list(OutboxEnvelope.objects.order_by("pk").values_list("message_type", flat=True))
    assert sent[0] == "person.upsert" and sent[-1] == "ban.upsert"
    active = Ban.objects.get(status=BanStatus.ACTIVE)
    assert "Coupe d'Afrique des Nations 2025" in active.competitions


def test_the_command_expires_as_of_another_day(officer: User, supporter: Person) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    out = io.StringIO()
    call_command("expire-bans", stdout=out)
    assert out.getvalue().endswith("0 ban(s) expired.\n")
    later = ban.valid_until + timedelta(days=1)
    call_command("expire-bans", "--now", f"{later}T12:00:00+00:00", stdout=out)
    assert f"expired ban {ban.uid}" in out.getvalue()
    ban.refresh_from_db()
    assert ban.status == BanStatus.EXPIRED


def _person_page(client: Client, person: Person) -> str:
    session = client.session
    session["registry_purpose"] = {"purpose": "Accreditation check", "reference": ""}
    session.save()
    response = client.get(f"/registry/persons/{person.uid}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_person_page_shows_its_bans_and_links_to_record_one(
    officer: User,
    supporter: Person,
    login: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    page = _person_page(login(officer), supporter)
    assert 'id="person-bans"' in page and f"/events/bans/{ban.uid}/" in page
    assert f"/events/bans/new/?person={supporter.uid}" in page
    html = _person_page(login(make_user("an", "analyst")), supporter)
    assert f"/events/bans/{ban.uid}/" in html and "/events/bans/new/" not in html


def _ban_table() -> list[tuple[str, list[bool]]]:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    section = doc.split("## Risk supporters and stadium bans", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+) \| (yes|no) \| (yes|no) \| (yes|no) \|$", section, re.M)
    return [(role, [answer == "yes" for answer in answers]) for role, *answers in rows]


def test_the_docs_table_of_bans_is_what_the_policy_answers(
    officer: User, supporter: Person, make_user: Callable[..., User]
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    table = _ban_table()
    assert len(table) == 6
    for role, (see, change, share) in table:
        user = make_user(f"{role}-t", role)
        answers = [
            bool(decide(user, Action.VIEW, ban)),
            bool(decide(user, Action.CREATE)) and bool(decide(user, Action.CHANGE, ban)),
            bool(decide(user, Action.DISCLOSE, ban)),
        ]
        assert answers == [see, change, share], role


def test_the_list_page_reads_the_same_number_of_queries_for_one_ban_or_many(
    officer: User, supporter: Person, login: Callable[[User], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(officer)
    create_ban(actor=officer, person=supporter, data=stadium_ban())

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/events/bans/").status_code == 200
        return len(queries.captured_queries)

    few = page_queries()
    for n in range(3):
        data = PersonData(category="convicted", names=[NameData(f"Supporter {n}")])
        person = create_person(actor=officer, data=data)
        create_ban(actor=officer, person=person, data=stadium_ban(issuing_authority=f"T{n}"))
    assert page_queries() == few == BAN_LIST_QUERIES


def test_a_change_goes_to_the_partners_and_an_extended_ban_is_active_again(
    officer: User, liaison: User, supporter: Person, fr: Peer
) -> None:
    ban = create_ban(actor=officer, person=supporter, data=stadium_ban())
    share_ban(actor=liaison, ban=ban, partner="fr")
    assert update_ban(actor=officer, ban=ban, data=stadium_ban()).version == 1  # no change
    expire_bans(today=ban.valid_until + timedelta(days=1))
    longer = stadium_ban(valid_until=TODAY + timedelta(days=700))
    ban = update_ban(actor=officer, ban=ban, data=longer)
    ban.refresh_from_db()
    assert (ban.status, ban.version, ban.valid_until) == (
        BanStatus.ACTIVE,
        3,
        TODAY + timedelta(days=700),
    )
    versions = OutboxEnvelope.objects.filter(message_type="ban.upsert").order_by("pk")
    assert [e.object_version for e in versions] == [1, 2, 3]
    entry = AuditEntry.objects.filter(object_type="ban", action="alter").order_by("pk").last()
    assert entry is not None and set(entry.changes) == {"valid_until", "status"}
    withdraw_ban(actor=officer, ban=ban, reason="Quashed on appeal.")
    with pytest.raises(BanError, match="withdrawn"):
        update_ban(actor=officer, ban=ban, data=longer)

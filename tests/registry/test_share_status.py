"""Share status on the record pages: to which partner service, by whom, when, what arrived,
what was refused, what was withdrawn; partners named by their service; sharing again says
what it did; a fixed number of queries however many shares; details for those who share."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer, Share
from liaison.exchange.queries import ShareState, service_name, service_names, share_status
from liaison.registry.actions import (
    create_alert,
    create_warrant,
    set_warrant_status,
    update_person,
)
from liaison.registry.models import Person, PersonName
from liaison.registry.sharing.share import share_person
from tests.conftest import AUDIT_ENTRY_QUERIES
from tests.registry.conftest import arrest_alert, person_data, warrant_data

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose": "Checking the share", "reference": "CASE-12"}
FR_SERVICE = "Police nationale (test)"


@pytest.fixture
def lo(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency=FR_SERVICE
    )


def _web(login: Callable[[User], Client], user: User) -> Client:
    client = login(user)
    session = client.session
    session["registry_purpose"] = PURPOSE
    session.save()
    return client


def _purpose_for(client: Client, person: Person) -> None:
    """The purpose stated for this record (a purpose is asked per record opened)."""
    session = client.session
    session["registry_purpose"] = {**PURPOSE, "record": str(person.uid)}
    session.save()


def _page(client: Client, person: Person, *, state_purpose: bool = True) -> str:
    if state_purpose:
        _purpose_for(client, person)
    response = client.get(f"/registry/persons/{person.uid}/")
    assert response.status_code == 200
    return str(response.content.decode())


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"</?bdi[^>]*>", "", html)).split())


def _rows(page: str) -> list[dict[str, str]]:
    """The Sharing panel's rows: data attributes and the text of each."""
    rows = []
    for attributes, body in re.findall(r'<tr class="share-row" ([^>]*)>(.*?)</tr>', page, re.S):
        row = dict(re.findall(r'data-([a-z]+)="([^"]*)"', attributes))
        row["text"] = _text(body)
        rows.append(row)
    return rows


def _person(lo: User, name: str = "Karim Tazi") -> Person:
    from liaison.registry.actions import create_person

    return create_person(actor=lo, data=person_data(name))


def _deliver(**filters: Any) -> None:
    OutboxEnvelope.objects.filter(**filters).update(
        state=OutboxState.DELIVERED, delivered_at=timezone.now(), receipt_status="applied"
    )


def test_a_share_shows_the_service_who_when_and_queued_then_delivered(
    lo: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    person = _person(lo)
    client = _web(login, lo)
    assert 'id="share-none"' in _page(client, person)

    response = client.post(f"/registry/persons/{person.uid}/share/", {"partner": "fr"})
    assert response.status_code == 302
    page = _page(client, person)
    assert f"Shared with {FR_SERVICE}: version 1 is queued for delivery." in page
    [row] = _rows(page)
    assert (row["partner"], row["state"], row["uid"]) == ("fr", "queued", str(person.uid))
    assert FR_SERVICE in row["text"] and "by lo on" in row["text"]
    assert "Nothing delivered yet." in row["text"]
    # Who sent it is kept with the envelope, not only on the share.
    assert OutboxEnvelope.objects.get().sent_by == lo

    _deliver(object_uid=str(person.uid))
    [row] = _rows(_page(client, person))
    assert row["state"] == "delivered"
    assert "The partner holds the current version (1)." in row["text"]


def test_sharing_again_is_not_shown_as_a_first_share_and_says_what_it_sent(
    lo: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    person = _person(lo)
    client = _web(login, lo)
    client.post(f"/registry/persons/{person.uid}/share/", {"partner": "fr"})
    _deliver(object_uid=str(person.uid))
    page = _page(client, person)
    assert f"Already shared with {FR_SERVICE} on" in page  # in the share form
    assert "sharing again sends the current version" in page

    client.post(f"/registry/persons/{person.uid}/share/", {"partner": "fr"})
    page = _page(client, person)
    assert "and it holds version 1: nothing new; the same version was sent again." in page
    [row] = _rows(page)
    assert row["state"] == "queued" and "1 update sent since, 0 delivered." in row["text"]
    assert "The partner holds the current version (1)." in row["text"]

    _deliver(object_uid=str(person.uid))
    update_person(actor=lo, person=person, data=person_data("Karim Tazi", "كريم التازي"))
    person.refresh_from_db()
    [row] = _rows(_page(client, person))  # the update went by itself (push_update)
    assert row["state"] == "queued"
    assert "The partner holds version 1; the current version is 2." in row["text"]
    assert "2 updates sent since, 1 delivered." in row["text"]
    client.post(f"/registry/persons/{person.uid}/share/", {"partner": "fr"})
    assert "re-sent; it will get version 2 (it holds version 1)." in _page(client, person)
    assert OutboxEnvelope.objects.filter(message_type="person.upsert").count() == 4


def test_a_refusal_shows_the_reason_in_words_to_those_who_share_only(
    lo: User, fr: Peer, login: Callable[[User], Client], officer: User
) -> None:
    person = _person(lo)
    share_person(actor=lo, person=person, partner="fr")
    OutboxEnvelope.objects.update(
        state=OutboxState.REJECTED,
        delivered_at=timezone.now(),
        receipt_status="rejected",
        reason="unknown_reference",
        detail="no person 42 here",
    )
    words = "the partner does not hold the record this one belongs to"

    [row] = _rows(_page(_web(login, lo), person))
    assert row["state"] == "refused" and "refused by the partner" in row["text"]
    assert words in row["text"] and "no person 42 here" in row["text"]

    # An officer may see the person, so sees it was refused; not the partner's reasons.
    [row] = _rows(_page(_web(login, officer), person))
    assert row["state"] == "refused" and "refused by the partner" in row["text"]
    assert words not in row["text"] and "no person 42" not in row["text"]


def test_a_set_aside_envelope_says_so(lo: User, fr: Peer, login: Callable[[User], Client]) -> None:
    person = _person(lo)
    share_person(actor=lo, person=person, partner="fr")
    OutboxEnvelope.objects.update(state=OutboxState.SET_ASIDE, detail="HTTP 502")
    [row] = _rows(_page(_web(login, lo), person))
    assert row["state"] == "set_aside" and "an administrator must retry it" in row["text"]


def test_a_withdrawal_shows_when_and_the_partners_confirmation(
    lo: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    person = _person(lo)
    warrant = create_warrant(actor=lo, person=person, data=warrant_data())
    share_person(actor=lo, person=person, partner="fr")
    _deliver()
    set_warrant_status(actor=lo, warrant=warrant, status="withdrawn", reason="warrant annulled")
    client = _web(login, lo)

    rows = {r["uid"]: r for r in _rows(_page(client, person))}
    assert rows[str(person.uid)]["state"] == "delivered"
    withdrawn = rows[str(warrant.uid)]
    assert withdrawn["state"] == "withdrawn" and "Warrant MA-2026-0042" in withdrawn["text"]
    assert "the withdrawal is queued, not delivered yet" in withdrawn["text"]
    assert not Share.objects.filter(object_uid=warrant.uid).exists()

    _deliver(message_type="warrant.withdraw")
    withdrawn = {r["uid"]: r for r in _rows(_page(client, person))}[str(warrant.uid)]
    assert "the partner confirmed it deleted its copy on" in withdrawn["text"]


def test_share_status_starts_again_after_a_withdrawal_and_costs_two_queries(
    lo: User, fr: Peer, django_assert_num_queries: Callable[..., Any]
) -> None:
    person = _person(lo)
    warrant = create_warrant(actor=lo, person=person, data=warrant_data())
    share_person(actor=lo, person=person, partner="fr")
    set_warrant_status(actor=lo, warrant=warrant, status="withdrawn", reason="warrant annulled")
    other = create_warrant(actor=lo, person=person, data=warrant_data(reference="MA-2"))
    share_person(actor=lo, person=person, partner="fr")
    Peer.objects.create(node_id="de", url="http://127.0.0.1:9", fingerprint="1" * 64)
    share_person(actor=lo, person=person, partner="de")

    records = [("person", person.uid), ("warrant", warrant.uid), ("warrant", other.uid)]
    with django_assert_num_queries(2):
        statuses = share_status(records)
    seen = [(s.object_type, s.partner, s.state, len(s.sends)) for s in statuses]
    assert seen == [
        ("person", "de", ShareState.QUEUED, 1),  # "de" has no agency: its node id
        ("person", "fr", ShareState.QUEUED, 2),
        ("warrant", "fr", ShareState.WITHDRAWN, 1),
        ("warrant", "de", ShareState.QUEUED, 1),
        ("warrant", "fr", ShareState.QUEUED, 1),
    ]
    assert statuses[2].withdrawal is not None and statuses[2].shared_by == "lo"
    # A record withdrawn (made unshareable) and shared again: a new share, not the old one.
    again = _person(lo, "Shared Twice")
    share_person(actor=lo, person=again, partner="fr")
    update_person(actor=lo, person=again, data=person_data("Shared Twice", neutrality_flag=True))
    [status] = share_status([("person", again.uid)])
    assert status.state == ShareState.WITHDRAWN and len(status.sends) == 1
    # (A supervisor clears the flag, with a justification; the action has its own tests.)
    Person.objects.filter(pk=again.pk).update(neutrality_flag=False, version=3)
    share_person(actor=lo, person=again, partner="fr")
    [status] = share_status([("person", again.uid)])
    assert (status.state, status.withdrawal, [d.version for d in status.sends]) == (
        ShareState.QUEUED,
        None,
        [3],
    )
    # Another type's uid asked as a warrant is not mixed in; nothing asked, nothing read.
    assert share_status([("warrant", person.uid)]) == []
    with django_assert_num_queries(0):
        assert share_status([]) == []


def test_a_partners_copy_says_where_and_when_it_came_from(
    lo: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    person = Person.objects.create(
        owner_node="fr", version=3, category="wanted", received_at=timezone.now()
    )
    PersonName.objects.create(person=person, full_name="Jean Dupont", kind="primary")
    page = _page(_web(login, lo), person)
    received = re.search(r'<tr class="share-received"[^>]*>(.*?)</tr>', page, re.S)
    assert received is not None
    text = _text(received.group(1))
    assert f"received from {FR_SERVICE} on" in text and "version 3" in text
    assert f"owner {FR_SERVICE}" in page and f"from partner {FR_SERVICE}" in page
    assert ">fr<" not in page  # never the bare code
    assert 'id="share-form"' not in page  # a partner's record is not shared onward


def test_a_partner_without_a_known_service_name_is_shown_by_its_node_id(lo: User, db: None) -> None:
    Peer.objects.create(node_id="de", url="http://127.0.0.1:9", fingerprint="1" * 64)
    names = service_names()
    assert names["de"] == "de" and names["ma"] == "Test service"
    assert service_name("xx", names) == "xx"


def _shared_widely(lo: User, peers: int, changes: int) -> Person:
    person = _person(lo, f"Person {peers} {changes}")
    for i in range(2):
        warrant = create_warrant(
            actor=lo, person=person, data=warrant_data(reference=f"W-{peers}-{i}")
        )
        create_alert(actor=lo, person=person, data=arrest_alert(warrant))
    for node in [f"p{i}" for i in range(peers)]:
        peer, _ = Peer.objects.get_or_create(
            node_id=node, defaults={"url": "http://127.0.0.1:9", "fingerprint": "2" * 64}
        )
        share_person(actor=lo, person=person, partner=peer.node_id)
    for i in range(changes):
        update_person(
            actor=lo, person=person, data=person_data(f"Person {peers} {changes}", f"Alias {i}")
        )
    _deliver()
    return Person.objects.get(pk=person.pk)


def test_the_person_page_costs_the_same_queries_whatever_the_shares(
    lo: User,
    fr: Peer,
    login: Callable[[User], Client],
    django_assert_num_queries: Callable[..., Any],
) -> None:
    small = _shared_widely(lo, peers=1, changes=0)
    large = _shared_widely(lo, peers=4, changes=3)
    client = _web(login, lo)
    _page(client, small)  # the session and caches warmed
    counts = []
    for person in (small, large):
        _purpose_for(client, person)
        with CaptureQueriesContext(connection) as queries:
            page = _page(client, person, state_purpose=False)
        counts.append(len(queries))
        assert len(_rows(page)) == 5 * (1 if person is small else 4)
    assert counts[0] == counts[1]
    # The page's own reads plus the consultation's audit entry; the Sharing panel adds 3
    # (shares, envelopes, service names), whatever the number of rows; the bans panel 1.
    with django_assert_num_queries(24 + AUDIT_ENTRY_QUERIES):  # + the navbar's desk count
        _page(client, large, state_purpose=False)


def test_who_may_not_see_the_person_sees_no_share_status(
    lo: User, fr: Peer, login: Callable[[User], Client], supervisor: User, analyst: User
) -> None:
    from liaison.registry.actions import create_person

    hidden = create_person(actor=supervisor, data=person_data("Secret", handling_code="H3"))
    Share.objects.create(peer=fr, object_type="person", object_uid=hidden.uid, shared_by=lo)
    response = _web(login, lo).get(f"/registry/persons/{hidden.uid}/")
    assert response.status_code == 404 and FR_SERVICE not in response.content.decode()

    person = _person(lo)
    share_person(actor=lo, person=person, partner="fr")
    # An analyst may see the person: the share status too, without the form.
    page = _page(_web(login, analyst), person)
    assert [r["state"] for r in _rows(page)] == ["queued"] and 'id="share-form"' not in page


def test_sharing_with_an_unknown_partner_is_refused_and_changes_nothing(
    lo: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    person = _person(lo)
    client = _web(login, lo)
    client.post(f"/registry/persons/{person.uid}/share/", {"partner": "zz"})
    page = _page(client, person)
    assert "zz is not a partner node." in page and 'id="share-none"' in page
    assert not OutboxEnvelope.objects.exists() and not Share.objects.exists()


def test_the_api_reports_the_same_status_as_the_page(lo: User, fr: Peer) -> None:
    from liaison.accounts.tokens import create_api_token

    person = _person(lo)
    api = Client(headers={"Authorization": f"Bearer {create_api_token(user=lo, name='t')[1]}"})
    url = f"/api/v1/persons/{person.uid}/shares"
    first = api.post(url, {"partner": "fr"}, content_type="application/json").json()
    assert first["already_shared"] is False and "is queued for delivery" in first["message"]
    OutboxEnvelope.objects.update(
        state=OutboxState.REJECTED, receipt_status="rejected", reason="bad_schema"
    )
    again = api.post(url, {"partner": "fr"}, content_type="application/json").json()
    assert again["already_shared"] is True and "nothing was delivered yet" in again["message"]
    OutboxEnvelope.objects.filter(seq=2).delete()
    body = api.get(f"/api/v1/persons/{person.uid}/shares").json()
    [status] = body["status"]
    assert (status["partner"], status["service"], status["state"]) == ("fr", FR_SERVICE, "refused")
    assert status["shared_by"] == "lo" and status["latest"]["reason"] == "bad_schema"
    assert status["latest"]["refusal"] == "the partner found a field of the record invalid"
    assert status["delivered"] is None and status["sent"] == 1
    assert [s["partner"] for s in body["shares"]] == ["fr"]  # the older fields stay


def test_the_event_page_shows_its_share_status_and_sharing_again(
    lo: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    from datetime import date

    from liaison.events.actions import EventData, create_event

    event = create_event(
        actor=lo,
        data=EventData(
            name="AFCON 2025",
            starts_on=date(2025, 12, 21),
            ends_on=date(2026, 1, 18),
            host_node="ma",
            partner_nodes=["fr"],
        ),
    )
    client = login(lo)
    page = client.get(f"/events/{event.uid}/").content.decode()
    assert 'id="share-none"' in page and f"{FR_SERVICE}</dd>" in page  # partners by name
    client.post(f"/events/{event.uid}/share/", {"partner": "fr"})
    _deliver()
    client.post(f"/events/{event.uid}/share/", {"partner": "fr"})
    page = client.get(f"/events/{event.uid}/").content.decode()
    assert "nothing new; the same version was sent again" in page
    [row] = _rows(page)
    assert row["state"] == "queued" and "The partner holds the current version (1)." in row["text"]
    disclosed = AuditEntry.objects.filter(action="disclose", object_id=str(event.uid))
    assert disclosed.count() == 2


def test_peers_add_names_the_partners_service_when_its_key_is_pinned_offline(db: None) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command
    from joserfc.jwk import OKPKey

    from liaison.exchange import keys

    key = OKPKey.generate_key("Ed25519")
    x, print_ = keys.public_jwk(key)["x"], keys.fingerprint(key)
    add = ["peers", "add", "fr", "http://127.0.0.1:9", "--fingerprint", print_]
    call_command(
        *add, f"--public-key={x}", "--agency=Police nationale", "--country=fr", stdout=StringIO()
    )
    peer = Peer.objects.get(node_id="fr")
    assert (peer.agency, peer.country, peer.public_key) == ("Police nationale", "FR", x)
    # Added again (a new URL) without a name: the name stays.
    call_command(*add, f"--public-key={x}", stdout=StringIO())
    assert Peer.objects.get(node_id="fr").agency == "Police nationale"
    with pytest.raises(CommandError, match="ISO 3166"):
        call_command(*add, f"--public-key={x}", "--country=France", stdout=StringIO())
    assert Peer.objects.get(node_id="fr").country == "FR"


def test_the_panel_isolates_dates_and_versions_in_arabic(
    lo: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    person = _person(lo)
    share_person(actor=lo, person=person, partner="fr")
    _deliver()
    client = _web(login, lo)
    client.post("/i18n/setlang/", {"language": "ar"})
    page = _page(client, person)
    assert 'dir="rtl"' in page
    [row] = re.findall(r'<tr class="share-row".*?</tr>', page, re.S)
    # The sharer's name, the partner's node id, dates and versions each in their own <bdi>.
    assert "<bdi>lo</bdi>" in row and ">fr</bdi>" in row
    assert re.search(r"<bdi>\d{4}-\d\d-\d\d \d\d:\d\d</bdi>", row)
    assert "<bdi>1</bdi>" in row


def test_a_hit_on_a_partners_person_shows_it_went_back_to_the_owner(
    officer: User, fr: Peer, login: Callable[[User], Client]
) -> None:
    from liaison.registry.actions import HitData, record_hit

    person = Person.objects.create(
        owner_node="fr", version=1, category="wanted", received_at=timezone.now()
    )
    PersonName.objects.create(person=person, full_name="Jean Dupont", kind="primary")
    when = timezone.now()
    hit = record_hit(
        actor=officer,
        person=person,
        data=HitData("Jean Dupont", when, "Tanger Med", "border_check"),
    )
    rows = {r["uid"]: r for r in _rows(_page(_web(login, officer), person))}
    sent = rows[str(hit.uid)]
    assert (sent["partner"], sent["state"]) == ("fr", "queued")
    assert "Hit of" in sent["text"] and "Tanger Med" in sent["text"]
    assert "by officer on" in sent["text"] and FR_SERVICE in sent["text"]

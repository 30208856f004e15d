"""The API lists persons, tells to whom a person is shared and what was delivered, and
shows the outbox: scoped, audited, paged, refused to the roles that may not."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer
from liaison.registry.actions import create_person
from liaison.registry.models import Person, PersonName
from liaison.registry.sharing.share import share_person
from tests.conftest import AUDIT_ENTRY_QUERIES
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db

PURPOSE = "purpose=Checking+the+list&reference=T-1"


def _api(user: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {create_api_token(user=user, name='t')[1]}"})


@pytest.fixture
def lo(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def supervisor(make_user: Callable[..., User]) -> User:
    return make_user("sup", "supervisor")


@pytest.fixture
def peers(db: None) -> None:
    for node in ("fr", "de"):
        Peer.objects.create(node_id=node, url="http://127.0.0.1:9", fingerprint="0" * 64)


def _received(name: str, owner: str = "fr", code: str = "H0") -> Person:
    person = Person.objects.create(
        owner_node=owner, handling_code=code, category="wanted", received_at=timezone.now()
    )
    PersonName.objects.create(person=person, full_name=name, kind="primary")
    return person


def _uids(body: dict[str, Any]) -> list[str]:
    return [p["uid"] for p in body["persons"]]


# GET /api/v1/persons without search criteria: a list


def test_it_lists_the_persons_the_user_may_see_oldest_change_first_and_audits_the_page(
    lo: User, supervisor: User
) -> None:
    own = create_person(actor=lo, data=person_data("Karim Benali"))
    theirs = _received("Jean Dupont")
    create_person(actor=supervisor, data=person_data("Secret Person", handling_code="H3"))

    response = _api(lo).get(f"/api/v1/persons?{PURPOSE}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert _uids(body) == [str(own.uid), str(theirs.uid)]
    assert (body["count"], body["limit"], body["offset"], body["next_offset"]) == (2, 50, 0, None)
    assert body["persons"][0]["names"][0]["full_name"] == "Karim Benali"
    entry = AuditEntry.objects.filter(action="consult").latest("seq")
    assert (entry.object_type, entry.purpose, entry.purpose_reference) == (
        "person-search",
        "Checking the list",
        "T-1",
    )
    assert entry.detail["list"] is True
    assert entry.detail["results"] == [str(own.uid), str(theirs.uid)]


def test_it_filters_by_owner_received_code_and_change_time(lo: User, supervisor: User) -> None:
    own = create_person(actor=lo, data=person_data("Karim Benali", handling_code="H1"))
    fr_copy, de_copy = _received("Jean Dupont"), _received("Hans Muller", owner="de")
    Person.objects.filter(pk=fr_copy.pk).update(updated_at=timezone.now() - timedelta(days=3))
    api = _api(lo)

    def listed(query: str) -> list[str]:
        response = api.get(f"/api/v1/persons?{PURPOSE}&{query}")
        assert response.status_code == 200, response.content
        return _uids(response.json())

    assert listed("owner=de") == [str(de_copy.uid)]
    assert listed("owner=ma") == [str(own.uid)]
    assert listed("received=true") == [str(fr_copy.uid), str(de_copy.uid)]
    assert listed("received=false") == [str(own.uid)]
    assert listed("handling_code=H1") == [str(own.uid)]
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert listed(f"updated_since={since}") == [str(own.uid), str(de_copy.uid)]


def test_it_pages_with_limit_and_offset(lo: User) -> None:
    made = [_received(f"Person {i}") for i in range(5)]
    api = _api(lo)
    first = api.get(f"/api/v1/persons?{PURPOSE}&limit=2").json()
    last = api.get(f"/api/v1/persons?{PURPOSE}&limit=2&offset=4").json()
    assert _uids(first) == [str(p.uid) for p in made[:2]] and first["next_offset"] == 2
    assert _uids(last) == [str(made[4].uid)] and last["next_offset"] is None
    assert first["count"] == last["count"] == 5


def test_a_page_costs_the_same_queries_whatever_its_size(
    lo: User, django_assert_num_queries: Any
) -> None:
    api = _api(lo)
    api.get(f"/api/v1/persons?{PURPOSE}")  # the token's first use, once
    for size in (1, 20):
        Person.objects.all().delete()
        for i in range(size):
            _received(f"Person {i}")
        # token (2), agency, permissions (2), count, page, names, birth dates,
        # nationalities, audit entry
        with django_assert_num_queries(10 + AUDIT_ENTRY_QUERIES):
            assert api.get(f"/api/v1/persons?{PURPOSE}").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "purpose"),
        (f"{PURPOSE}&name=Karim&handling_code=H1", "handling_code list persons"),
        (f"{PURPOSE}&limit=0", "limit"),
        (f"{PURPOSE}&limit=201", "limit"),
        (f"{PURPOSE}&owner=Not+A+Node", "owner"),
        (f"{PURPOSE}&handling_code=H9", "handling_code"),
        (f"{PURPOSE}&updated_since=yesterday", "updated_since"),
    ],
)
def test_it_refuses_bad_list_queries_with_the_error_shape(
    lo: User, query: str, message: str
) -> None:
    response = _api(lo).get(f"/api/v1/persons?{query}")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"} and message in response.content.decode()
    assert not AuditEntry.objects.filter(action="consult").exists()


def test_a_search_still_searches(lo: User) -> None:
    person = create_person(actor=lo, data=person_data("Karim Benali"))
    response = _api(lo).get(f"/api/v1/persons?{PURPOSE}&name=Karim+Benali")
    assert response.status_code == 200
    assert response.json()["results"][0]["person"]["uid"] == str(person.uid)


# GET /api/v1/persons/{uid}/shares


def test_it_says_to_whom_a_person_is_shared_and_what_was_delivered(lo: User, peers: None) -> None:
    person = create_person(actor=lo, data=person_data("Karim Benali"))
    share_person(actor=lo, person=person, partner="fr")
    sent = OutboxEnvelope.objects.get()
    OutboxEnvelope.objects.filter(pk=sent.pk).update(
        state=OutboxState.DELIVERED, delivered_at=timezone.now(), receipt_status="applied"
    )
    share_person(actor=lo, person=person, partner="de")

    response = _api(lo).get(f"/api/v1/persons/{person.uid}/shares")

    assert response.status_code == 200, response.content
    body = response.json()
    held = [(s["partner"], s["object_type"], s["uid"], s["shared_by"]) for s in body["shares"]]
    assert held == [
        ("de", "person", str(person.uid), "lo"),
        ("fr", "person", str(person.uid), "lo"),
    ]
    states = [(e["partner"], e["type"], e["state"], e["receipt_status"]) for e in body["envelopes"]]
    assert states == [
        ("de", "person.upsert", "pending", ""),
        ("fr", "person.upsert", "delivered", "applied"),
    ]
    entry = AuditEntry.objects.filter(action="consult").latest("seq")
    assert (entry.object_id, entry.detail) == (str(person.uid), {"read": "shares"})


def test_share_state_of_a_person_the_user_may_not_see_is_not_found(
    lo: User, supervisor: User
) -> None:
    hidden = create_person(actor=supervisor, data=person_data("Secret", handling_code="H3"))
    assert _api(lo).get(f"/api/v1/persons/{hidden.uid}/shares").status_code == 404
    assert _api(lo).get(f"/api/v1/persons/{uuid.uuid4()}/shares").status_code == 404


# GET /api/v1/outbox


def test_the_outbox_is_paged_in_sending_order_and_filtered(lo: User, peers: None) -> None:
    persons = [create_person(actor=lo, data=person_data(f"Person {i}")) for i in range(3)]
    for person in persons:
        share_person(actor=lo, person=person, partner="fr")
    share_person(actor=lo, person=persons[0], partner="de")
    OutboxEnvelope.objects.filter(peer__node_id="fr", seq=1).update(state=OutboxState.REJECTED)
    api = _api(lo)

    page = api.get("/api/v1/outbox?partner=fr&limit=2").json()
    assert [(e["partner"], e["seq"]) for e in page["envelopes"]] == [("fr", 1), ("fr", 2)]
    assert (page["count"], page["next_offset"]) == (3, 2)
    rejected = api.get("/api/v1/outbox?state=rejected").json()
    assert [e["uid"] for e in rejected["envelopes"]] == [str(persons[0].uid)]
    everything = api.get("/api/v1/outbox").json()
    assert [e["partner"] for e in everything["envelopes"]] == ["de", "fr", "fr", "fr"]
    assert "payload" not in everything["envelopes"][0]
    assert api.get("/api/v1/outbox?state=lost").status_code == 400


# Each role: the same answers as docs/permissions.md (tests/test_permission_matrix.py reads
# the table); here the denials' shape and their audit entries.


@pytest.mark.parametrize("role", ["officer", "analyst", "supervisor", "auditor", "node_admin"])
def test_share_state_and_outbox_are_refused_to_every_role_but_liaison_officers(
    make_user: Callable[..., User], lo: User, role: str
) -> None:
    person = create_person(actor=lo, data=person_data("Karim Benali"))
    api = _api(make_user(f"{role}-1", role))
    for url in (f"/api/v1/persons/{person.uid}/shares", "/api/v1/outbox"):
        response = api.get(url)
        assert response.status_code == 403, (url, response.content)
        assert set(response.json()) == {"detail", "errors"}
    denied = AuditEntry.objects.filter(action="permission_denied")
    assert sorted(denied.values_list("object_type", flat=True)) == ["outbox", "person-shares"]


@pytest.mark.parametrize("role", ["auditor", "node_admin"])
def test_the_persons_list_is_refused_to_roles_without_records(
    make_user: Callable[..., User], role: str
) -> None:
    response = _api(make_user(f"{role}-1", role)).get(f"/api/v1/persons?{PURPOSE}")
    assert response.status_code == 403 and set(response.json()) == {"detail", "errors"}


def test_anonymous_clients_get_401_everywhere(lo: User) -> None:
    person = create_person(actor=lo, data=person_data("Karim Benali"))
    for url in (
        f"/api/v1/persons?{PURPOSE}",
        f"/api/v1/persons/{person.uid}/shares",
        "/api/v1/outbox",
    ):
        assert Client().get(url).status_code == 401

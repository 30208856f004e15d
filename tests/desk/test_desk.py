"""The desk: one per role, what arrived from partners, hits on our persons, reviews due,
delivery problems; read marks per user; access by the policy; a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.desk.models import DeskRead
from liaison.desk.queries import unread_counts
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer
from liaison.registry.models import Hit, Person, Warrant
from tests.desk.conftest import PARTNER_AGENCY, Send, hit_body, person_body

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def sections(page: str) -> set[str]:
    return set(re.findall(r'<section class="card mb-3" id="desk-([a-z]+)"', page))


def badge(page: str) -> int:
    found = re.search(r'id="desk-unread"><bdi>(\d+)</bdi>', page)
    return int(found.group(1)) if found else 0


def open_link(page: str, source: str) -> str:
    found = re.search(rf'href="(/desk/{source}/[0-9a-f-]+/)"', page)
    assert found, f"no {source} item to open"
    return found.group(1)


def test_a_partners_hit_on_our_person_reaches_the_officers_desk_with_service_place_and_time(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    page = login(users["officer"]).get("/").content.decode()
    hits = page.split('id="desk-hits"')[1].split("</section>")[0]
    assert "Hit recorded by a partner" in hits
    assert f"<bdi>{PARTNER_AGENCY}</bdi>" in hits
    assert "<bdi>Aéroport d&#x27;Orly, terminal 3</bdi>" in hits
    assert "<bdi>2026-11-29 14:30</bdi>" in hits
    assert "<bdi>Karim Cherkaoui</bdi>" in hits and "CHERKAOUI Karim" in hits
    assert badge(page) == 1


def test_opening_an_item_marks_it_read_for_that_user_only_and_goes_through_the_purpose_step(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    officer, analyst = login(users["officer"]), login(users["analyst"])
    page = officer.get("/").content.decode()
    assert badge(page) == 1 and badge(analyst.get("/").content.decode()) == 1

    response = officer.get(open_link(page, "hits"))
    assert response.status_code == 302
    assert response["Location"] == f"/registry/persons/{our_person.uid}/"
    # The record's own page asks the purpose before showing anything.
    assert "/registry/purpose/" in officer.get(response["Location"])["Location"]

    assert DeskRead.objects.filter(user=users["officer"], source="hits", version=1).count() == 1
    page = officer.get("/").content.decode()
    assert badge(page) == 0 and 'id="desk-unread"' not in page
    assert "desk-item-unread" not in page.split('id="desk-hits"')[1].split("</section>")[0]
    assert badge(analyst.get("/").content.decode()) == 1  # the analyst has not read it


def test_a_partners_update_makes_a_read_item_unread_again(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    body = hit_body(our_person)
    send("hit.notify", body)
    officer = login(users["officer"])
    officer.get(open_link(officer.get("/").content.decode(), "hits"))
    assert unread_counts(users["officer"])["hits"] == 0

    send("hit.notify", body | {"version": 2, "action_taken": "Held for questioning."})
    assert unread_counts(users["officer"])["hits"] == 1
    assert "Hit updated by the partner" in officer.get("/").content.decode()


def test_received_persons_and_withdrawals_are_on_the_desk(
    users: dict[str, User], send: Send, login: Login
) -> None:
    body = person_body("Jean Dupont")
    send("person.upsert", body)
    analyst = login(users["analyst"])
    page = analyst.get("/").content.decode()
    received = page.split('id="desk-received"')[1].split("</section>")[0]
    assert "New person shared by a partner" in received and "<bdi>Jean Dupont</bdi>" in received

    withdrawal = {"uid": body["uid"], "owner": "fr", "version": 1, "reason": "executed"}
    send("person.withdraw", withdrawal)
    assert not Person.objects.filter(uid=body["uid"]).exists()
    page = analyst.get("/").content.decode()
    received = page.split('id="desk-received"')[1].split("</section>")[0]
    assert "A partner withdrew a person it had shared" in received
    assert "Jean Dupont" not in received  # the copy is gone, and so is its name
    assert unread_counts(users["analyst"])["received"] == 1


def test_mark_all_read_reads_everything_for_that_user_only(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    send("person.upsert", person_body("Jean Dupont"))
    officer = login(users["officer"])
    assert sum(unread_counts(users["officer"]).values()) == 2

    response = officer.post("/desk/read/")
    assert response.status_code == 302
    assert sum(unread_counts(users["officer"]).values()) == 0
    assert DeskRead.objects.filter(user=users["officer"]).count() == 2
    assert sum(unread_counts(users["analyst"]).values()) == 2


def test_mark_all_read_of_one_section_leaves_the_others(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    send("person.upsert", person_body("Jean Dupont"))
    login(users["officer"]).post("/desk/read/", {"source": "hits"})
    counts = unread_counts(users["officer"])
    assert (counts["hits"], counts["received"]) == (0, 1)


def test_mark_all_read_refuses_get_a_missing_csrf_token_and_a_section_not_yours(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    officer = login(users["officer"])
    assert officer.get("/desk/read/").status_code == 405
    assert officer.post("/desk/read/", {"source": "delivery"}).status_code == 404
    assert officer.post("/desk/read/", {"source": "nonsense"}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = officer.cookies  # the same session, from a page without its token
    assert strict.post("/desk/read/").status_code == 403
    assert not DeskRead.objects.exists()
    assert unread_counts(users["officer"])["hits"] == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer", {"received", "hits", "events", "intel"}),
        ("analyst", {"received", "hits", "events", "intel"}),
        ("liaison_officer", {"received", "hits", "events", "intel", "cases"}),
        ("supervisor", {"received", "hits", "events", "intel", "reviews"}),
        ("auditor", set()),
        ("node_admin", {"delivery"}),
    ],
)
def test_each_role_sees_only_the_sections_it_can_act_on_or_read(
    users: dict[str, User], login: Login, role: str, expected: set[str]
) -> None:
    page = login(users[role]).get("/").content.decode()
    assert sections(page) == expected
    assert ('id="desk-empty"' in page) == (not expected)


def test_roles_without_records_see_no_hit_and_cannot_open_one(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    body = hit_body(our_person)
    send("hit.notify", body)
    for role in ("auditor", "node_admin"):
        client = login(users[role])
        page = client.get("/").content.decode()
        assert "Hit recorded" not in page and badge(page) == 0
        assert unread_counts(users[role]) == ({"delivery": 0} if role == "node_admin" else {})
        assert client.get(f"/desk/hits/{body['uid']}/").status_code == 404
    assert not DeskRead.objects.exists()


def test_a_hit_on_an_h3_person_shows_only_to_its_named_recipients(
    users: dict[str, User],
    our_person: Person,
    send: Send,
    login: Login,
    make_user: Callable[..., User],
) -> None:
    body = hit_body(our_person)
    send("hit.notify", body)
    named = make_user("named", "officer")
    Person.objects.filter(pk=our_person.pk).update(handling_code="H3")
    our_person.restricted_to.add(named)

    analyst = login(users["analyst"])
    page = analyst.get("/").content.decode()
    assert "Hit recorded" not in page and unread_counts(users["analyst"])["hits"] == 0
    assert analyst.get(f"/desk/hits/{body['uid']}/").status_code == 404
    assert unread_counts(named)["hits"] == 1
    assert "Hit recorded by a partner" in login(named).get("/").content.decode()


def test_reviews_due_show_to_supervisors_who_can_extend_them_not_to_officers(
    users: dict[str, User], our_person: Person, login: Login
) -> None:
    from liaison.registry.actions import create_warrant
    from tests.registry.conftest import warrant_data

    warrant = create_warrant(actor=users["officer"], person=our_person, data=warrant_data())
    soon = timezone.localdate() + timedelta(days=100)
    Warrant.objects.filter(pk=warrant.pk).update(review_date=soon)

    page = login(users["supervisor"]).get("/").content.decode()
    reviews = page.split('id="desk-reviews"')[1].split("</section>")[0]
    assert "Warrant due for review" in reviews and warrant.reference in reviews
    assert f"<bdi>{soon:%Y-%m-%d}</bdi>" in reviews
    assert 'href="/registry/reviews/"' in reviews
    assert unread_counts(users["supervisor"])["reviews"] == 1
    officer_page = login(users["officer"]).get("/").content.decode()
    assert "desk-reviews" not in officer_page and warrant.reference not in officer_page


def test_delivery_problems_show_to_node_administrators_only(
    users: dict[str, User], fr: tuple[Peer, object], login: Login
) -> None:
    import uuid

    peer = fr[0]
    OutboxEnvelope.objects.create(
        peer=peer,
        seq=1,
        envelope_id=uuid.uuid4(),
        message_type="person.upsert",
        handling="H0",
        payload={},
        state=OutboxState.SET_ASIDE,
        attempts=5,
        failures=5,
        detail="the partner answered 500",
    )
    Peer.objects.filter(pk=peer.pk).update(failures=3, last_error="connection refused")
    admin = login(users["node_admin"])
    page = admin.get("/").content.decode()
    delivery = page.split('id="desk-delivery"')[1].split("</section>")[0]
    assert "Envelope set aside after repeated failures" in delivery
    assert f"<bdi>{PARTNER_AGENCY}</bdi>" in delivery
    assert "cannot be reached (3 failed attempts): connection refused" in delivery
    assert badge(page) == 1
    assert admin.get(open_link(page, "delivery"))["Location"] == "/federation/peers/"
    assert unread_counts(users["node_admin"])["delivery"] == 0
    for role in ("officer", "analyst", "supervisor", "auditor"):
        other = login(users[role]).get("/").content.decode()
        assert "desk-delivery" not in other and "set aside" not in other


def test_an_unknown_section_or_item_is_a_404_and_marks_nothing(
    users: dict[str, User], our_person: Person, login: Login
) -> None:
    officer = login(users["officer"])
    assert officer.get(f"/desk/nonsense/{our_person.uid}/").status_code == 404
    assert officer.get(f"/desk/hits/{our_person.uid}/").status_code == 404  # a person, not a hit
    assert not DeskRead.objects.exists()


def test_the_desk_needs_a_signed_in_user(client: Client) -> None:
    assert "/accounts/login/" in client.get("/")["Location"]
    assert "/accounts/login/" in client.post("/desk/read/")["Location"]


# Query pins: the desk page and the navbar count cost the same whatever the data.


def _fill(send: Send, person: Person, n: int) -> None:
    for i in range(n):
        send("hit.notify", hit_body(person, place=f"Place {i}"))
        send("person.upsert", person_body(f"Jean Dupont {i}"))


# Session, user, device, agency, permissions (2), the counts of every section (1), one list
# per feed, the read marks of what is listed (1), the roles, the session's save (3); the
# same from 1 to 12 items per feed (the node administrator's and the auditor's desks are
# empty here, so without the read marks). The supervisor also has the feed of escalated
# requests for assistance; officers and supervisors the list of confirmations awaiting a
# second officer (events).
DESK_QUERIES = {"officer": 25, "supervisor": 28, "node_admin": 13, "auditor": 10}


@pytest.mark.parametrize("role", sorted(DESK_QUERIES))
def test_the_desk_page_costs_a_fixed_number_of_queries(
    users: dict[str, User],
    our_person: Person,
    send: Send,
    login: Login,
    role: str,
    django_assert_num_queries: Callable[..., object],
) -> None:
    client = login(users[role])
    if role in ("officer", "supervisor"):
        with django_assert_num_queries(DESK_QUERIES[role] - 1):  # type: ignore[operator]
            client.get("/")  # nothing listed: no read marks to ask for
    for n in (1, 12):
        _fill(send, our_person, n)
        with django_assert_num_queries(DESK_QUERIES[role]):  # type: ignore[operator]
            assert client.get("/").status_code == 200


def test_the_navbar_count_of_every_section_is_one_query(
    users: dict[str, User],
    our_person: Person,
    send: Send,
    django_assert_num_queries: Callable[..., object],
) -> None:
    _fill(send, our_person, 3)
    user = User.objects.select_related("agency").get(pk=users["supervisor"].pk)
    user.has_perm("accounts.view_records")  # the permission cache, which every page loads
    with django_assert_num_queries(1):  # type: ignore[operator]
        counts = unread_counts(user)
    assert (counts["hits"], counts["received"]) == (3, 3)
    assert Hit.objects.count() == 3


def test_an_event_a_partner_shares_reaches_the_desk_and_opens_its_page(
    users: dict[str, User], send: Send, login: Login
) -> None:
    import uuid

    uid = str(uuid.uuid4())
    event = {
        "uid": uid,
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "name": "Jeux méditerranéens 2026",
        "starts_on": "2026-12-10",
        "ends_on": "2026-12-20",
        "venues": ["Stade Vélodrome"],
        "host_node": "fr",
        "partner_nodes": ["ma"],
        "description": "",
    }
    send("event.upsert", event)
    officer = login(users["officer"])
    page = officer.get("/").content.decode()
    events = page.split('id="desk-events"')[1].split("</section>")[0]
    assert "New event shared by a partner" in events and "Jeux méditerranéens 2026" in events
    assert officer.get(open_link(page, "events"))["Location"] == f"/events/{uid}/"
    assert unread_counts(users["officer"])["events"] == 0
    assert unread_counts(users["analyst"])["events"] == 1


def test_a_ban_a_partner_shares_reaches_the_desk_and_so_does_its_withdrawal(
    users: dict[str, User], send: Send, login: Login
) -> None:
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    person = person_body("Karim Benali")
    send("person.upsert", person)
    uid, today = str(uuid.uuid4()), timezone.localdate()
    ban = {
        "uid": uid,
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "person": person["uid"],
        "person_owner": "fr",
        "kind": "stadium_ban",
        "issuing_authority": "Préfecture de police",
        "valid_from": str(today - timedelta(days=10)),
        "valid_until": str(today + timedelta(days=100)),
        "grounds": "Violence at Parc des Princes.",
        "competitions": "Ligue 1",
        "events": [],
        "status": "active",
    }
    send("ban.upsert", ban)
    officer = login(users["officer"])
    page = officer.get("/").content.decode()
    events = page.split('id="desk-events"')[1].split("</section>")[0]
    assert "New stadium ban shared by a partner" in events and "Karim Benali" in events
    assert officer.get(open_link(page, "events"))["Location"] == f"/events/bans/{uid}/"
    assert unread_counts(users["analyst"])["events"] == 1
    send("ban.upsert", ban | {"version": 2, "grounds": "Violence, twice."})
    assert unread_counts(users["officer"])["events"] == 1  # the update is unread again
    page = officer.get("/").content.decode()
    assert "Stadium ban updated by the partner" in page
    send("ban.withdraw", {"uid": uid, "owner": "fr", "version": 2, "reason": "annulled"})
    page = officer.get("/").content.decode()
    events = page.split('id="desk-events"')[1].split("</section>")[0]
    assert "A partner withdrew a ban it had shared" in events
    assert "stadium ban shared" not in events  # the copy is gone


def test_counts_stop_at_what_the_desk_shows_and_say_so(
    users: dict[str, User],
    our_person: Person,
    send: Send,
    login: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("liaison.desk.queries.UNREAD_SHOWN", 3)  # "99+" with 100
    officer = login(users["officer"])
    for _ in range(2):
        send("hit.notify", hit_body(our_person))
    page = officer.get("/").content.decode()
    assert "<bdi>2</bdi> unread" in page.split('id="desk-hits"')[1].split("</h2>")[0]
    for _ in range(2):
        send("hit.notify", hit_body(our_person))
    page = officer.get("/").content.decode()
    assert "<bdi>2+</bdi> unread" in page.split('id="desk-hits"')[1].split("</h2>")[0]
    assert 'id="desk-unread"><bdi>2+</bdi>' in page
    assert Hit.objects.count() == 4

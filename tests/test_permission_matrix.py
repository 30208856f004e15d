"""Every role x handling code x action, through the policy, the web pages and the API,
checked against the table in docs/permissions.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from liaison.accounts.models import Agency, User
from liaison.accounts.tokens import create_api_token
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.policy import Action, decide
from liaison.registry import actions
from liaison.registry.models import Alert, Hit, HitDecision, Person, Warrant
from tests.registry.conftest import person_data, warrant_data

DOC = Path(__file__).resolve().parents[1] / "docs" / "permissions.md"
ACTIONS = ["list", "view", "search", "create", "change", "delete", "disclose"]
NAME = "Abdelkader Ould Mokhtar"


def _matrix(actions: list[str]) -> list[tuple[str, str, str, bool]]:
    """The cells of the docs table headed `| role | code | <actions> |` (two tables may
    have as many columns: each is read from its own header down to its first blank line)."""
    header = f"| role | code | {' | '.join(actions)} |\n"
    table = DOC.read_text().split(header, 1)[1].split("\n\n", 1)[0]
    row = rf"^\| (\w+) \| (H\d) \|((?: (?:yes|no) \|){{{len(actions)}}})$"
    cells = []
    for role, code, answers in re.findall(row, table, re.M):
        for action, answer in zip(actions, answers.split("|")[:-1], strict=True):
            cells.append((role, code, action, answer.strip() == "yes"))
    return cells


MATRIX = _matrix(ACTIONS)


def test_the_matrix_covers_every_role_code_and_action() -> None:
    assert len(MATRIX) == 6 * 4 * 7


@pytest.fixture
def record(db: None, agency: Agency) -> dict[str, Any]:
    """A person and its warrant, created by a supervisor of this node, code set per test."""
    owner = User.objects.create(username="owner", agency=agency)
    owner.groups.set([Group.objects.get(name="supervisor")])

    def make(code: str) -> tuple[Person, Warrant]:
        person = actions.create_person(
            actor=owner, data=person_data(NAME, "عبد القادر ولد المختار", handling_code=code)
        )
        review = timezone.localdate() + timedelta(days=30)
        warrant = actions.create_warrant(
            actor=owner, person=person, data=warrant_data(handling_code=code, review_date=review)
        )
        return person, warrant

    return {"make": make}


def _user(role: str, agency: Agency) -> User:
    user = User.objects.create(username=f"{role}-user", agency=agency)
    user.groups.set([Group.objects.get(name=role)])
    return user


def _web(user: User) -> Client:
    """A session in the state a password and a TOTP code leave it (tested in accounts)."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session["registry_purpose"] = {"purpose": "Matrix check", "reference": ""}
    session.save()
    return client


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="matrix")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _person_form(code: str, name: str = NAME) -> dict[str, str]:
    return {
        "names-TOTAL_FORMS": "1",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "1",
        "names-MAX_NUM_FORMS": "20",
        "names-0-full_name": name,
        "names-0-kind": "primary",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "20",
        "category": "wanted",
        "sex": "M",
        "handling_code": code,
    }


def _person_json(code: str, name: str = NAME) -> dict[str, Any]:
    return {"category": "wanted", "names": [{"full_name": name}], "handling_code": code}


PURPOSE = "purpose=Matrix+check"


def _perform(channel: str, action: str, client: Client, person: Person, warrant: Warrant) -> bool:
    """Do `action` through `channel`; True if it took effect (or showed the record)."""
    uid, code = person.uid, person.handling_code
    before = Person.objects.count()
    if channel == "web":
        if action == "list":
            response = client.get("/registry/reviews/")
            return response.status_code == 200 and warrant.reference in response.content.decode()
        if action == "view":
            response = client.get(f"/registry/persons/{uid}/")
            return response.status_code == 200 and NAME in response.content.decode()
        if action == "search":
            response = client.get(f"/registry/?name=Abd+al-Qadir+wuld+Mukhtar&{PURPOSE}")
            return response.status_code == 200 and str(uid) in response.content.decode()
        if action == "create":
            response = client.post("/registry/persons/new/", _person_form(code, "Nour Haddad"))
            return Person.objects.count() == before + 1
        if action == "change":
            client.post(f"/registry/persons/{uid}/edit/", _person_form(code, NAME + " Jr"))
            return Person.objects.get(pk=person.pk).version == 2
        if action == "delete":
            client.post(f"/registry/persons/{uid}/erase/", {"reason": "matrix"})
            return not Person.objects.filter(pk=person.pk).exists()
    else:
        if action == "list":
            response = client.get("/api/v1/warrants")
            warrants = response.status_code == 200 and str(warrant.uid) in response.content.decode()
            response = client.get(f"/api/v1/persons?{PURPOSE}")  # the persons list
            persons = response.status_code == 200 and str(uid) in response.content.decode()
            assert warrants == persons, (warrants, persons)
            return warrants
        if action == "view":
            response = client.get(f"/api/v1/persons/{uid}?{PURPOSE}")
            return response.status_code == 200 and NAME in response.content.decode()
        if action == "search":
            response = client.get(f"/api/v1/persons?name=Abd+al-Qadir+wuld+Mukhtar&{PURPOSE}")
            return response.status_code == 200 and str(uid) in response.content.decode()
        if action == "create":
            body = _person_json(code, "Nour Haddad")
            response = client.post("/api/v1/persons", body, content_type="application/json")
            return response.status_code == 201 and Person.objects.count() == before + 1
        if action == "change":
            body = _person_json(code, NAME + " Jr")
            client.put(f"/api/v1/persons/{uid}", body, content_type="application/json")
            return Person.objects.get(pk=person.pk).version == 2
        if action == "delete":
            client.delete(f"/api/v1/persons/{uid}?reason=matrix")
            return not Person.objects.filter(pk=person.pk).exists()
    raise AssertionError(action)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "code", "action", "expected"), MATRIX)
def test_the_policy_answers_as_documented(
    record: dict[str, Any], agency: Agency, role: str, code: str, action: str, expected: bool
) -> None:
    person, _warrant = record["make"](code)
    user = _user(role, agency)
    if action == "create":
        decision = decide(user, Action.CREATE, handling_code=code)
    else:
        decision = decide(user, Action(action), person)
    assert decision.allowed is expected, decision.reason


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["web", "api"])
@pytest.mark.parametrize(
    ("role", "code", "action", "expected"), [m for m in MATRIX if m[2] != "disclose"]
)
def test_each_channel_enforces_the_matrix(
    record: dict[str, Any],
    agency: Agency,
    channel: str,
    role: str,
    code: str,
    action: str,
    expected: bool,
) -> None:
    person, warrant = record["make"](code)
    user = _user(role, agency)
    client = _web(user) if channel == "web" else _api(user)
    assert _perform(channel, action, client, person, warrant) is expected


# Records that belong to a person: the second table of docs/permissions.md

CHILD_ACTIONS = ["list", "status", "dispose", "outcome", "extend", "share", "partners"]


CHILD_MATRIX = _matrix(CHILD_ACTIONS)


def test_the_second_matrix_covers_every_role_code_and_action() -> None:
    assert len(CHILD_MATRIX) == 6 * 4 * len(CHILD_ACTIONS)


@dataclass
class Family:
    person: Person
    warrant: Warrant
    alert: Alert
    hit: Hit
    partner_hit: Hit  # recorded by fr on this node's person: it gets this node's decision


@pytest.fixture
def family(db: None, agency: Agency) -> Callable[[str], Family]:
    """A person with an H0 warrant, alert and hit, then raised to `code` by a supervisor:
    the children keep their own H0 and must follow the person."""
    owner = User.objects.create(username="owner", agency=agency)
    owner.groups.set([Group.objects.get(name="supervisor")])
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)

    def make(code: str) -> Family:
        data = person_data(NAME, "عبد القادر ولد المختار")
        person = actions.create_person(actor=owner, data=data)
        review = timezone.localdate() + timedelta(days=30)
        warrant = actions.create_warrant(
            actor=owner, person=person, data=warrant_data(review_date=review)
        )
        alert_data = actions.AlertData(
            alert_type="locate", action_on_hit="Inform the liaison desk.", review_date=review
        )
        alert = actions.create_alert(actor=owner, person=person, data=alert_data)
        hit_data = actions.HitData(
            encountered_name=NAME,
            encountered_on=timezone.now(),
            place="Tanger",
            context="border_check",
        )
        hit = actions.record_hit(actor=owner, person=person, data=hit_data)
        partner_hit = Hit.objects.create(
            person=person,
            owner_node="fr",
            received_at=timezone.now(),
            encountered_name=NAME,
            encountered_on=timezone.now(),
            place="Marseille",
            context="border_check",
            recorded_by_name="fr-officer",
        )
        actions.update_person(actor=owner, person=person, data=replace(data, handling_code=code))
        return Family(Person.objects.get(pk=person.pk), warrant, alert, hit, partner_hit)

    return make


def _do_child(channel: str, action: str, client: Client, family: Family) -> list[bool]:
    """Do `action` to each record of the family through `channel`; whether each took effect."""
    warrant, alert, hit = family.warrant, family.alert, family.hit
    later = (timezone.localdate() + timedelta(days=400)).isoformat()
    why = {"review_date": later, "justification": "Still wanted: the case is open in Rabat."}
    web = channel == "web"
    if action == "list":
        if web:
            page = client.get("/registry/reviews/").content.decode()
            return [warrant.reference in page, str(alert) in page]
        return [
            str(record.uid) in client.get(f"/api/v1/{kind}").content.decode()
            for kind, record in (("warrants", warrant), ("alerts", alert), ("hits", hit))
        ]
    if action == "status":
        for kind, record, status in (("warrant", warrant, "executed"), ("alert", alert, "located")):
            url = f"/registry/{kind}s/{record.uid}/status/" if web else None
            url = url or f"/api/v1/{kind}s/{record.uid}/status"
            body = {"status": status, "reason": "Arrested in Tanger on a partner's hit."}
            client.post(url, body, **({} if web else {"content_type": JSON}))
        return [
            Warrant.objects.get(pk=warrant.pk).status == "executed",
            Alert.objects.get(pk=alert.pk).status == "located",
        ]
    if action == "dispose":
        url = (
            f"/registry/hits/{hit.uid}/disposition/"
            if web
            else f"/api/v1/hits/{hit.uid}/disposition"
        )
        body = {
            "disposition": "confirmed",
            "action_taken": "Arrested at the border.",
            "reason": "Fingerprints match.",
        }
        client.post(url, body, **({} if web else {"content_type": JSON}))
        return [Hit.objects.get(pk=hit.pk).disposition == "confirmed"]
    if action == "outcome":
        return [_record_outcome(web, client, family)]
    if action == "extend":
        for kind, record in (("warrant", warrant), ("alert", alert)):
            url = f"/registry/{kind}s/{record.uid}/extend/" if web else None
            url = url or f"/api/v1/{kind}s/{record.uid}/review"
            client.post(url, why, **({} if web else {"content_type": JSON}))
        return [
            Warrant.objects.get(pk=warrant.pk).review_date.isoformat() == later,
            Alert.objects.get(pk=alert.pk).review_date.isoformat() == later,
        ]
    if action == "share":
        uid = family.person.uid
        if web:
            client.post(f"/registry/persons/{uid}/share/", {"partner": "fr"})
        else:
            client.post(f"/api/v1/persons/{uid}/shares", {"partner": "fr"}, content_type=JSON)
        sent = set(OutboxEnvelope.objects.values_list("object_uid", flat=True))
        return [str(warrant.uid) in sent, str(alert.uid) in sent]
    if action == "partners":
        return [client.get("/federation/peers/").status_code == 200]
    if action == "decide":
        uid = family.partner_hit.uid
        url = f"/registry/hits/{uid}/decision/" if web else f"/api/v1/hits/{uid}/decision"
        body = {"decision": "confirmed", "message": "It is him: arrest him, we ask extradition."}
        client.post(url, body, **({} if web else {"content_type": JSON}))
        return [HitDecision.objects.filter(hit=family.partner_hit).exists()]
    raise AssertionError(action)


def _record_outcome(web: bool, client: Client, family: Family) -> bool:
    """An arrest on the confirmed hit of this node; fr's hit on the same person is tried too
    and never takes it (only the hit's recorder records what became of the person)."""
    hits = Hit.objects.filter(pk__in=[family.hit.pk, family.partner_hit.pk])
    hits.update(disposition="confirmed")
    body = {"outcome": "arrested", "on": timezone.localdate().isoformat()}
    for hit in (family.partner_hit, family.hit):
        url = f"/registry/hits/{hit.uid}/outcome/" if web else f"/api/v1/hits/{hit.uid}/outcome"
        client.post(url, body, **({} if web else {"content_type": JSON}))
    assert Hit.objects.get(pk=family.partner_hit.pk).outcome == ""
    return Hit.objects.get(pk=family.hit.pk).outcome == "arrested"


JSON = "application/json"
CHILD_POLICY = {"list": Action.LIST, "status": Action.CHANGE, "dispose": Action.CHANGE}
CHILD_POLICY |= {"outcome": Action.CHANGE}
CHILD_POLICY |= {"extend": Action.EXTEND, "share": Action.DISCLOSE}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "code", "action", "expected"), [m for m in CHILD_MATRIX if m[2] in CHILD_POLICY]
)
def test_the_policy_answers_the_second_matrix(
    family: Callable[[str], Family],
    agency: Agency,
    role: str,
    code: str,
    action: str,
    expected: bool,
) -> None:
    records = family(code)
    user = _user(role, agency)
    children = {
        "dispose": [records.hit],
        "outcome": [records.hit],
        "extend": [records.warrant, records.alert],
    }
    for record in children.get(action, [records.warrant, records.alert, records.hit]):
        fresh = type(record).objects.get(pk=record.pk)  # parents as stored, not as cached
        decision = decide(user, CHILD_POLICY[action], fresh)
        assert decision.allowed is expected, (type(record).__name__, decision.reason)


# The partners page has no API counterpart.
CHILD_CELLS = [
    (channel, *cell)
    for channel in ("web", "api")
    for cell in CHILD_MATRIX
    if not (channel == "api" and cell[2] == "partners")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("channel", "role", "code", "action", "expected"), CHILD_CELLS)
def test_each_channel_enforces_the_second_matrix(
    family: Callable[[str], Family],
    agency: Agency,
    channel: str,
    role: str,
    code: str,
    action: str,
    expected: bool,
) -> None:
    records = family(code)
    user = _user(role, agency)
    client = _web(user) if channel == "web" else _api(user)
    assert set(_do_child(channel, action, client, records)) == {expected}


# Deciding on a partner's hit: the fourth table of docs/permissions.md

DECIDE_MATRIX = _matrix(["decide"])


def test_the_decide_table_covers_every_role_and_code() -> None:
    assert len(DECIDE_MATRIX) == 6 * 4


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "code", "action", "expected"), DECIDE_MATRIX)
def test_the_policy_answers_the_decide_table(
    family: Callable[[str], Family],
    agency: Agency,
    role: str,
    code: str,
    action: str,
    expected: bool,
) -> None:
    records = family(code)
    fresh = Hit.objects.get(pk=records.partner_hit.pk)
    decision = decide(_user(role, agency), Action.DECIDE, fresh)
    assert decision.allowed is expected, decision.reason


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["web", "api"])
@pytest.mark.parametrize(("role", "code", "action", "expected"), DECIDE_MATRIX)
def test_each_channel_enforces_the_decide_table(
    family: Callable[[str], Family],
    agency: Agency,
    channel: str,
    role: str,
    code: str,
    action: str,
    expected: bool,
) -> None:
    records = family(code)
    user = _user(role, agency)
    client = _web(user) if channel == "web" else _api(user)
    assert _do_child(channel, action, client, records) == [expected]
    if not expected:
        assert not OutboxEnvelope.objects.filter(message_type="hitdecision.upsert").exists()


# Reading the exchange through the API: the third table of docs/permissions.md

EXCHANGE_READS = ["persons list", "shares", "outbox"]


def _exchange_matrix() -> list[tuple[str, str, bool]]:
    header = f"| role | {' | '.join(EXCHANGE_READS)} |\n"
    table = DOC.read_text().split(header, 1)[1].split("\n\n", 1)[0]  # other tables: 3 columns too
    rows = re.findall(r"^\| (\w+) \|((?: (?:yes|no) \|){3})$", table, re.M)
    return [
        (role, read, answer.strip() == "yes")
        for role, answers in rows
        for read, answer in zip(EXCHANGE_READS, answers.split("|")[:-1], strict=True)
    ]


EXCHANGE_MATRIX = _exchange_matrix()


def test_the_exchange_table_covers_every_role_and_read() -> None:
    assert len(EXCHANGE_MATRIX) == 6 * len(EXCHANGE_READS)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "read", "expected"), EXCHANGE_MATRIX)
def test_the_api_enforces_the_exchange_table(
    record: dict[str, Any], agency: Agency, role: str, read: str, expected: bool
) -> None:
    person, _warrant = record["make"]("H0")
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    client = _api(_user(role, agency))
    url = {
        "persons list": f"/api/v1/persons?{PURPOSE}",
        "shares": f"/api/v1/persons/{person.uid}/shares",
        "outbox": "/api/v1/outbox",
    }[read]
    response = client.get(url)
    assert response.status_code == (200 if expected else 403), response.content
    if read == "persons list" and expected:
        assert str(person.uid) in response.content.decode()

"""Every role x handling code x action, through the policy, the web pages and the API,
checked against the table in docs/permissions.md."""

from __future__ import annotations

import re
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
from liaison.policy import Action, decide
from liaison.registry import actions
from liaison.registry.models import Person, Warrant
from tests.registry.conftest import person_data, warrant_data

DOC = Path(__file__).resolve().parents[1] / "docs" / "permissions.md"
ACTIONS = ["list", "view", "search", "create", "change", "delete", "disclose"]
NAME = "Abdelkader Ould Mokhtar"


def _matrix() -> list[tuple[str, str, str, bool]]:
    rows = re.findall(r"^\| (\w+) \| (H\d) \|((?: (?:yes|no) \|){7})$", DOC.read_text(), re.M)
    cells = []
    for role, code, answers in rows:
        for action, answer in zip(ACTIONS, answers.split("|")[:-1], strict=True):
            cells.append((role, code, action, answer.strip() == "yes"))
    return cells


MATRIX = _matrix()


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
            return response.status_code == 200 and str(warrant.uid) in response.content.decode()
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

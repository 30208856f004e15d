"""The test cast: named users of this node's agency and of a partner's, one per role."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from liaison.accounts.models import Agency, User
from liaison.registry.models import Person
from liaison.registry.sharing import records

PASSWORD = "correct horse battery staple"


# Statements of one audit entry inside a request: savepoint, lock the chain head, append and
# move the head (one statement on PostgreSQL, two on SQLite), release. For query pins.
AUDIT_ENTRY_QUERIES = 4 if connection.vendor == "postgresql" else 5


@pytest.fixture(autouse=True)
def _empty_cache() -> object:
    # The cache outlives a test's database (rolled back): counts or indicators kept for
    # user 1 in one test must not answer for another test's user 1.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> object:
    # A request in French or Arabic leaves that language active in the thread; tests that
    # call actions directly and read their messages would then depend on the order.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def agency(db: None) -> Agency:
    return Agency.objects.create(name="Sûreté nationale (test)", country="MA", node_id="ma")


@pytest.fixture
def partner_agency(db: None) -> Agency:
    return Agency.objects.create(name="Police nationale (test)", country="FR", node_id="fr")


@pytest.fixture
def make_user(agency: Agency) -> Callable[..., User]:
    def make(username: str, *roles: str, with_device: bool = True, **extra: object) -> User:
        extra.setdefault("agency", agency)
        user = User.objects.create_user(username=username, password=PASSWORD, **extra)
        user.groups.set(Group.objects.filter(name__in=roles))
        if with_device:
            TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        return user

    return make


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app holding this device's key shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def current_code(user: User) -> str:
    return code_for(TOTPDevice.objects.get(user=user, confirmed=True))


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A client signed in the real way: password, then the current TOTP code."""

    def sign_in(user: User) -> Client:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302, response.content[:500]
        response = client.post("/accounts/2fa/", {"token": current_code(user)})
        assert response.status_code == 302 and "/accounts/" not in response["Location"]
        return client

    return sign_in


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user("officer", "officer")


@pytest.fixture
def supervisor(make_user: Callable[..., User]) -> User:
    return make_user("supervisor", "supervisor")


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("analyst", "analyst")


def receive_partners_wanted_person() -> Person:
    """fr's wanted Jean Dupont (1980-01-02), received here through the real receiver (the
    caller pins its own `fr` peer)."""
    body = records.PersonBody(
        uid=uuid.uuid4(),
        owner="fr",
        version=1,
        handling_code="H0",
        category="wanted",
        sex="M",
        names=[records.NameBody(full_name="Jean Dupont", kind="primary")],
        birth_dates=["1980-01-02"],
        place_of_birth="",
        country_of_birth="",
        nationalities=["FR"],
        distinguishing_marks="",
        documents=[],
        external_ref="",
    )
    records.apply_person("fr", body)
    return Person.objects.get(uid=body.uid)

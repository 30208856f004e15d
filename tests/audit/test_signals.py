from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_sign_in_is_logged(officer: User, login: Callable[[User], Client]) -> None:
    login(officer)
    entry = AuditEntry.objects.get(action="login")
    assert (entry.actor_user_id, entry.actor_username) == (officer.pk, "officer")
    assert entry.actor_agency == officer.agency.name
    assert entry.origin == "127.0.0.1 /accounts/login/"


def test_a_failed_sign_in_is_logged_with_the_username_only(client: Client, officer: User) -> None:
    client.post("/accounts/login/", {"username": "officer", "password": "not the password"})
    entry = AuditEntry.objects.get()
    assert entry.action == "login_failed"
    assert entry.actor_user_id is None and entry.actor_username == ""
    assert entry.detail == {"username": "officer", "locked_out": False}
    assert "not the password" not in str(entry.__dict__)


def test_an_unknown_username_is_logged_too(client: Client, db: None) -> None:
    client.post("/accounts/login/", {"username": "ghost", "password": PASSWORD})
    assert AuditEntry.objects.get().detail["username"] == "ghost"


def test_lockout_attempts_are_logged_once_each(client: Client, officer: User) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        client.post("/accounts/login/", {"username": "officer", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert response.status_code == 429
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.action for e in entries] == ["login_failed"] * (limit + 1)
    assert entries[-1].detail["locked_out"] is True
    assert not AuditEntry.objects.filter(action="login").exists()

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _fail(client: Client, times: int) -> None:
    for _ in range(times):
        client.post("/accounts/login/", {"username": "officer", "password": "wrong password"})


def _sign_in(client: Client) -> int:
    return client.post(
        "/accounts/login/", {"username": "officer", "password": PASSWORD}
    ).status_code


def test_failures_below_the_limit_do_not_lock(client: Client, officer: User) -> None:
    _fail(client, settings.AXES_FAILURE_LIMIT - 1)
    assert _sign_in(client) == 302


def test_the_limit_locks_the_account_even_with_the_right_password(
    client: Client, officer: User
) -> None:
    _fail(client, settings.AXES_FAILURE_LIMIT)
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert response.status_code == 429
    assert "Account locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_from_another_address(client: Client, officer: User) -> None:
    _fail(client, settings.AXES_FAILURE_LIMIT)
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert _sign_in(other) == 429


def test_the_lock_lifts_after_the_cool_off_time(client: Client, officer: User) -> None:
    _fail(client, settings.AXES_FAILURE_LIMIT)
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert _sign_in(client) == 302


def test_an_administrator_can_lift_the_lock(client: Client, officer: User) -> None:
    _fail(client, settings.AXES_FAILURE_LIMIT)
    call_command("axes_reset_username", "officer")
    assert _sign_in(client) == 302

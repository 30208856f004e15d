from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from liaison import settings as node_settings
from liaison.accounts.models import User
from tests.conftest import PASSWORD, code_for, current_code

pytestmark = pytest.mark.django_db


def test_a_wrong_password_is_refused_with_a_clear_message(client: Client, officer: User) -> None:
    response = client.post("/accounts/login/", {"username": "officer", "password": "nope"})
    assert response.status_code == 200
    assert "Wrong username or password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_password_alone_leads_to_the_second_factor(client: Client, officer: User) -> None:
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")


def test_home_is_out_of_reach_until_the_code_is_given(client: Client, officer: User) -> None:
    client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"


def test_a_wrong_code_is_refused_and_the_session_stays_unverified(
    client: Client, officer: User
) -> None:
    client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    wrong = f"{(int(current_code(officer)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/", {"token": wrong})
    assert response.status_code == 200
    assert "wrong or has expired" in response.content.decode()
    assert client.get("/").status_code == 302
    from liaison.audit.models import AuditEntry

    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.actor_username == "officer" and failed.detail == {"second_factor": "verify"}


@pytest.mark.parametrize("token", ["", "12345", "abcdef", "1" * 12, "12 34 5x"])
def test_malformed_codes_get_a_form_error_not_a_crash(
    client: Client, officer: User, token: str
) -> None:
    client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    response = client.post("/accounts/2fa/", {"token": token})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_the_right_code_opens_the_home_page(login: Callable[[User], Client], officer: User) -> None:
    client = login(officer)
    response = client.get("/")
    assert response.status_code == 200
    assert "officer" in response.content.decode()


def test_a_user_without_authenticator_must_enrol_by_qr_code(
    client: Client, make_user: Callable[..., User]
) -> None:
    make_user("newcomer", "officer", with_device=False)
    client.post("/accounts/login/", {"username": "newcomer", "password": PASSWORD})
    response = client.get("/accounts/2fa/")
    assert response["Location"] == "/accounts/2fa/setup/"
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert 'src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user__username="newcomer", confirmed=False)
    assert client.get("/").status_code == 302

    response = client.post("/accounts/2fa/setup/", {"token": code_for(device)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/").status_code == 200


def test_a_wrong_enrolment_code_leaves_the_device_unconfirmed(
    client: Client, make_user: Callable[..., User]
) -> None:
    make_user("newcomer", "officer", with_device=False)
    client.post("/accounts/login/", {"username": "newcomer", "password": PASSWORD})
    client.get("/accounts/2fa/setup/")
    response = client.post("/accounts/2fa/setup/", {"token": "000000"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user__username="newcomer", confirmed=True).exists()


def test_the_password_alone_cannot_enrol_a_second_authenticator(
    client: Client, officer: User
) -> None:
    client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    response = client.get("/accounts/2fa/setup/")
    assert response["Location"] == "/accounts/2fa/"
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_next_is_followed_after_the_code_but_never_off_site(client: Client, officer: User) -> None:
    client.post("/accounts/login/?next=/healthz", {"username": "officer", "password": PASSWORD})
    response = client.post(
        "/accounts/2fa/?next=https://evil.example/", {"token": current_code(officer)}
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "x" * 5000, "password": "y"},
        {"username": "officer"},
        {"username": "\x00", "password": "\x00"},
    ],
)
def test_bad_login_input_gets_a_page_not_a_crash(client: Client, officer: User, data: dict) -> None:
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200  # the form again, with its errors
    form = response.context["form"]
    assert form.errors and 'name="password"' in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(DEMO_MODE=True)
def test_demo_accounts_skip_the_code_on_a_demo_node(
    client: Client, make_user: Callable[..., User]
) -> None:
    make_user("demo-officer", "officer", with_device=False, is_demo=True)
    client.post("/accounts/login/", {"username": "demo-officer", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 200
    assert 'id="demo-banner"' in response.content.decode()


def test_demo_accounts_cannot_skip_the_code_on_a_real_node(
    client: Client, make_user: Callable[..., User]
) -> None:
    make_user("demo-officer", "officer", with_device=False, is_demo=True)
    client.post("/accounts/login/", {"username": "demo-officer", "password": PASSWORD})
    assert client.get("/").status_code == 302


@override_settings(DEMO_MODE=True)
def test_ordinary_accounts_cannot_skip_the_code_even_on_a_demo_node(
    client: Client, officer: User
) -> None:
    client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert client.get("/").status_code == 302


def test_passwords_are_hashed_with_argon2(make_user: Callable[..., User], settings: Any) -> None:
    # The test settings hash with MD5 for speed; a node hashes with its own settings.
    settings.PASSWORD_HASHERS = node_settings.PASSWORD_HASHERS
    user = make_user("hashed")
    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("argon2$")
    assert check_password(PASSWORD, stored)
    assert not check_password("a wrong password", stored)


def test_signing_out_needs_a_post_and_ends_the_session(
    login: Callable[[User], Client], officer: User
) -> None:
    client = login(officer)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_an_idle_session_expires(login: Callable[[User], Client], officer: User) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = login(officer)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liaison.accounts.models import Agency, User
from liaison.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _create(monkeypatch: pytest.MonkeyPatch, *args: str, password: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    call_command("users", "create", *args, "--password-stdin")


def test_an_administrator_adds_an_agency_and_an_account_with_roles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    call_command("users", "add-agency", "Brigade de Tanger", "--country", "ma")
    _create(
        monkeypatch,
        "nadia",
        "--agency",
        "Brigade de Tanger",
        "--role",
        "officer",
        "--role",
        "liaison_officer",
        password="a long enough passphrase",
    )
    user = User.objects.get(username="nadia")
    assert user.agency == Agency.objects.get(country="MA")
    assert user.roles == ["liaison_officer", "officer"]
    assert user.check_password("a long enough passphrase")
    assert AuditEntry.objects.filter(action="admin", object_type="user").count() == 1


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--agency", "Nowhere", "--role", "officer"], "a long enough passphrase", "No agency"),
        (["--agency", "Brigade", "--role", "chief"], "a long enough passphrase", "roles"),
        (["--agency", "Brigade", "--role", "officer"], "short", "too short"),
    ],
)
def test_bad_account_requests_are_refused_and_create_nothing(
    monkeypatch: pytest.MonkeyPatch, args: list[str], password: str, message: str
) -> None:
    call_command("users", "add-agency", "Brigade", "--country", "MA")
    with pytest.raises(CommandError, match=message):
        _create(monkeypatch, "nadia", *args, password=password)
    assert not User.objects.filter(username="nadia").exists()


def test_a_bad_country_is_refused() -> None:
    with pytest.raises(CommandError, match="country"):
        call_command("users", "add-agency", "Brigade", "--country", "Morocco")
    assert not Agency.objects.exists()


def test_disabling_an_account_is_audited(officer: User) -> None:
    call_command("users", "disable", "officer")
    assert not User.objects.get(pk=officer.pk).is_active
    assert AuditEntry.objects.get(action="admin").detail == {"active": False, "username": "officer"}

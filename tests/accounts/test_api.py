from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client

from liaison.accounts.models import ApiToken, User
from liaison.accounts.tokens import create_api_token, revoke_api_token

pytestmark = pytest.mark.django_db


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_authenticates_its_user(officer: User) -> None:
    _row, raw = create_api_token(user=officer, name="script")
    response = Client().get("/api/v1/me", headers=_bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "officer"
    assert response.json()["roles"] == ["officer"]


@pytest.mark.parametrize(
    "header", ["", "Bearer ", "Bearer lsn_nope", "Basic b2ZmaWNlcg==", "Bearer " + "x" * 5000]
)
def test_missing_or_wrong_tokens_get_401(officer: User, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    assert Client().get("/api/v1/me", headers=headers).status_code == 401


def test_a_revoked_token_no_longer_works(officer: User) -> None:
    row, raw = create_api_token(user=officer, name="script")
    revoke_api_token(token=row)
    assert Client().get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_a_disabled_users_token_no_longer_works(officer: User) -> None:
    _row, raw = create_api_token(user=officer, name="script")
    User.objects.filter(pk=officer.pk).update(is_active=False)
    assert Client().get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_tokens_are_stored_hashed(officer: User) -> None:
    row, raw = create_api_token(user=officer, name="script")
    stored = ApiToken.objects.get(pk=row.pk)
    assert raw not in (stored.digest, stored.prefix)
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()  # not the code's own
    assert stored.prefix == raw[:10] and raw.startswith("lsn_")


# SHA-256 of "lsn_known-answer-token", computed once outside Liaison.
KNOWN_DIGEST = "7941b48fcf1c4d3e27a480d6fe68a9290ee521967301a11cef023f29fe9e0b9b"


def test_a_token_whose_known_digest_is_stored_authenticates(officer: User) -> None:
    """The lookup hashes the presented token the documented way (SHA-256 of its text)."""
    ApiToken.objects.create(user=officer, name="known", prefix="lsn_known-", digest=KNOWN_DIGEST)
    response = Client().get("/api/v1/me", headers=_bearer("lsn_known-answer-token"))
    assert response.status_code == 200 and response.json()["username"] == "officer"
    assert ApiToken.objects.get(digest=KNOWN_DIGEST).last_used_at is not None
    assert Client().get("/api/v1/me", headers=_bearer("lsn_known-answer-tokeN")).status_code == 401


def test_the_cli_prints_a_working_token(officer: User, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("tokens", "create", "officer", "--name", "ci")
    raw = capsys.readouterr().out.strip()
    assert Client().get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    assert ApiToken.objects.get(user=officer).name == "ci"


def test_the_cli_refuses_an_unknown_user(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No active user"):
        call_command("tokens", "create", "ghost")
    assert not ApiToken.objects.exists()


def test_a_session_without_second_factor_is_refused(client: Client, officer: User) -> None:
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert client.get("/api/v1/me").status_code == 401


def test_a_verified_session_is_accepted(login: Callable[[User], Client], officer: User) -> None:
    assert login(officer).get("/api/v1/me").status_code == 200


def test_the_openapi_document_needs_authentication(officer: User) -> None:
    assert Client().get("/api/v1/openapi.json").status_code == 401
    _row, raw = create_api_token(user=officer, name="script")
    response = Client().get("/api/v1/openapi.json", headers=_bearer(raw))
    assert response.status_code == 200
    assert "/api/v1/me" in response.json()["paths"]

"""API tokens: random, shown once, stored as a SHA-256 digest (they carry 256 bits of
entropy, so a fast hash is enough; a slow one would only slow every API call)."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from liaison.accounts.models import ApiToken, User

TOKEN_PREFIX = "lsn_"  # noqa: S105 - a marker, not a secret


def digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the raw token, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], digest=digest(raw)
    )
    return token, raw


def user_for_token(raw_token: str) -> User | None:
    """The active user owning this unrevoked, unexpired token, or None."""
    if not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(raw_token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_api_token(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])

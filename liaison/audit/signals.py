"""Sign-in events from django.contrib.auth (and django-axes, which goes through it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from liaison.audit.actions import log_event
from liaison.audit.choices import Action

if TYPE_CHECKING:
    from liaison.accounts.models import User


def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    # The password step; the second factor is checked afterwards by accounts.views.
    log_event(action=Action.LOGIN, request=request, actor=user, detail={"factor": "password"})


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """One entry per refused attempt, lockouts included: django-axes refuses a locked
    username by raising PermissionDenied in its backend, after which Django sends this
    signal once, like for a wrong password. Only the username is kept, never the password."""
    detail = {
        "username": str(credentials.get("username", ""))[:150],
        "locked_out": bool(getattr(request, "axes_locked_out", False)),
    }
    log_event(action=Action.LOGIN_FAILED, request=request, detail=detail)

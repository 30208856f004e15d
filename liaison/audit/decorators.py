from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from liaison.audit.actions import log_event
from liaison.audit.choices import Action

View = Callable[..., HttpResponseBase]


def capability_required(permission: str, *, object_type: str = "") -> Callable[[View], View]:
    """403 for signed-in users without `permission`, with a permission_denied audit entry.

    Put it under @login_required, so anonymous users are sent to sign in instead.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(permission):
                detail = {"permission": permission}
                log_event(
                    action=Action.PERMISSION_DENIED,
                    request=request,
                    object_type=object_type,
                    detail=detail,
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

"""The JSON API under /api/v1/: token (Bearer) or verified-session authentication.

Apps add their routers here; every operation is authenticated unless it says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.security import APIKeyCookie, HttpBearer

from liaison.accounts.middleware import two_factor_satisfied
from liaison.accounts.tokens import user_for_token
from liaison.registry.actions import RegistryError
from liaison.registry.api import router as registry_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class VerifiedSession(APIKeyCookie):
    """The browser's session, only once it has passed the second factor (CSRF checked)."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated and two_factor_satisfied(request):
            return request.user
        return None


def _require_auth(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document is for authenticated clients too: it maps the attack surface."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        for auth in (BearerToken(), VerifiedSession(csrf=False)):
            if auth(request) is not None:
                return view(request, *args, **kwargs)
        return JsonResponse({"detail": "Unauthorized"}, status=401)

    return wrapper


api = NinjaAPI(
    title="Liaison API",
    version="1",
    description="Liaison node API. Authenticate with `Authorization: Bearer <token>` "
    "(made by `liaison tokens create USERNAME`).",
    urls_namespace="api",
    auth=[BearerToken(), VerifiedSession()],
    docs_url=None,
    docs_decorator=_require_auth,
)


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc) or "You are not allowed to do this."}, status=403
    )


@api.exception_handler(RegistryError)
def _refused(request: HttpRequest, exc: RegistryError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)


api.add_router("/", registry_router)


class MeOut(Schema):
    username: str
    agency: str | None
    node: str
    roles: list[str]


@api.get("/me", response=MeOut, summary="Who the request is authenticated as")
def me(request: HttpRequest) -> dict[str, object]:
    # django-ninja sets request.auth (the user its authenticator returned); the stubs miss it.
    user = request.auth  # type: ignore[attr-defined]
    return {
        "username": user.username,
        "agency": user.agency.name if user.agency else None,
        "node": settings.NODE_ID,
        "roles": user.roles,
    }

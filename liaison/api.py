"""The JSON API under /api/v1/: token (Bearer) or verified-session authentication.

Apps add their routers here; every operation is authenticated unless it says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError, ValidationErrorContext
from ninja.security import APIKeyCookie, HttpBearer

from liaison.accounts.middleware import two_factor_satisfied
from liaison.accounts.tokens import user_for_token
from liaison.assistance.api import router as assistance_router
from liaison.cooperation.api import router as cooperation_router
from liaison.cooperation.case_api import router as cases_router
from liaison.core.api_errors import (
    error_body,
    error_responses,
    generic_detail,
    json_error,
    validation_detail,
)
from liaison.events.api import router as events_router
from liaison.events.ban_api import router as bans_router
from liaison.events.list_api import router as event_lists_router
from liaison.exchange.api import build_router as exchange_router
from liaison.intel.api import router as intel_router
from liaison.plan.api import router as plan_router
from liaison.refusals import Refused
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

    def _get_key(self, request: HttpRequest) -> str | None:
        # Only a client that sends a session has a CSRF token to check: one without (a
        # script whose token is wrong) is unauthenticated, 401, not a CSRF failure, 403.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

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
        return json_error(401, generic_detail(401))

    return wrapper


class LiaisonAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """Locate a body error by its field path (`body.names.0`), without the view's
        parameter name that ninja puts in between (`body.payload.names.0`)."""
        errors = []
        for context in error_contexts:
            wrapper = getattr(context.model, "__read_from_single_attr__", None)
            for error in super().validation_error_from_error_contexts([context]).errors:
                loc = tuple(error["loc"])
                if wrapper and loc[1:2] == (wrapper,):
                    loc = loc[:1] + loc[2:]
                errors.append({**error, "loc": loc})
        return ValidationError(errors)


api = LiaisonAPI(
    title="Liaison API",
    version="1",
    description="Liaison node API. Authenticate with `Authorization: Bearer <token>` "
    "(made by `liaison tokens create USERNAME`).\n\n"
    "Every answer is JSON. Every error has the `ErrorOut` shape: `detail` says what went "
    "wrong in one sentence, `errors` lists the invalid fields (`loc`, `msg`, `type`), empty "
    "when the refusal is not about one field. Bad input is 400, whether the schema or a rule "
    "refuses it; 401 without valid credentials; 403 when not allowed (and for a session "
    "client whose CSRF token is missing); 404 for an unknown record or route; 405 for a "
    "method a route does not take (with `Allow`); 413 for a body over the size limit. "
    "The POSTs that create records take an optional `Idempotency-Key` header: the same "
    "request sent again with the same key within 24 hours gets its first success back "
    "(`Idempotent-Replayed: true`) and records nothing; the key with another request is "
    "a 422.",
    urls_namespace="api",
    auth=[BearerToken(), VerifiedSession()],
    docs_url=None,
    docs_decorator=_require_auth,
)


def _error(request: HttpRequest, status: int, detail: str, errors: Any = ()) -> HttpResponse:
    return api.create_response(request, error_body(detail, errors), status=status)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 400, validation_detail(exc.errors), exc.errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = generic_detail(401) if exc.status_code == 401 else str(exc)
    return _error(request, exc.status_code, detail or generic_detail(exc.status_code))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, generic_detail(404))


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or generic_detail(403))


@api.exception_handler(Refused)
def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return _error(request, 400, str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error(request, 413, _("The request body is over %(limit)d bytes.") % {"limit": limit})


api.add_router("/", registry_router)
api.add_router("/", exchange_router(error_responses))
api.add_router("/", events_router)
api.add_router("/", event_lists_router)
api.add_router("/", bans_router)
api.add_router("/", assistance_router)
api.add_router("/", cooperation_router)
api.add_router("/", cases_router)
api.add_router("/", intel_router)
api.add_router("/", plan_router)


class MeOut(Schema):
    username: str
    agency: str | None
    node: str
    roles: list[str]


@api.get(
    "/me",
    response={200: MeOut, **error_responses(401)},
    summary="Who the request is authenticated as",
)
def me(request: HttpRequest) -> dict[str, object]:
    # django-ninja sets request.auth (the user its authenticator returned); the stubs miss it.
    user = request.auth  # type: ignore[attr-defined]
    return {
        "username": user.username,
        "agency": user.agency.name if user.agency else None,
        "node": settings.NODE_ID,
        "roles": user.roles,
    }

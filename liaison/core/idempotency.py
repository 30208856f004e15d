"""`Idempotency-Key` for the API's POSTs that create records (docs/interface.md).

A client that does not know whether its POST arrived (a timeout, a dropped connection)
sends it again with the same `Idempotency-Key` header. The first success is remembered
per user and key for `KEEP` (a day): the same request again gets that answer back
(`Idempotent-Replayed: true`) and records nothing; the key with another request (another
body or route) is refused, 422. Without the header nothing changes. Only successes are
remembered: a refused request recorded nothing, and may be corrected and sent again with
the same key.

    @router.post("/persons", response={201: PersonOut, **CREATE_ERRORS})
    @idempotent
    def create_person(request, payload): ...

Two layers, since the key belongs to the authenticated user and the answer is only known
once ninja has rendered it: the view's wrapper (after authentication) answers a repeat
before the view runs; the operation's wrapper (around ninja's whole run) stores the
rendered success in the same transaction as what the view recorded. When two requests
with one key race, the one that stores second is rolled back whole and answered as a
repeat of the first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_callback

from liaison.core.api_errors import json_error
from liaison.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
# What an idempotent operation may answer besides its own: a key reused for another
# request (422), a twin request with the key still running (409).
ERRORS = (409, 422)
_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as an HTTP token or a UUID

OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "Optional. A value unique to this request (a UUID): sent again with the same "
        "request within 24 hours, the first success is answered again "
        f"(with `{REPLAYED_HEADER}: true`) and nothing is recorded twice; sent with "
        "another request, 422. 1 to 255 visible ASCII characters."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]+$"},
}


def idempotent[F: Callable[..., Any]](view: F) -> F:
    """Make an API operation that creates records honour `Idempotency-Key` (put it under
    the router's decorator). The view itself is returned unchanged, for ninja to read its
    signature; the operation built from it is wrapped once built."""
    contribute_operation_callback(view, _wrap_operation)
    decorated: F = decorate_view(_stored)(view)
    return decorated


def _wrap_operation(operation: Any) -> None:
    operation.view_func = _checked(operation.view_func)
    extra = dict(operation.openapi_extra or {})  # the header, in the OpenAPI description
    extra["parameters"] = [*extra.get("parameters", []), OPENAPI_PARAMETER]
    operation.openapi_extra = extra


def _checked(view: Callable[..., Any]) -> Callable[..., Any]:
    """Around the view (after authentication): a repeat is answered before it runs."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(request, *args, **kwargs)
        if not _KEY.fullmatch(key):
            return json_error(
                400, _("The Idempotency-Key header must be 1 to 255 visible ASCII characters.")
            )
        fingerprint = _fingerprint(request)
        earlier = _remembered(request, key)
        if earlier is not None:
            return _repeat(earlier, fingerprint)
        request._idempotency = (key, fingerprint)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return checked


def _stored(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Around ninja's run of the operation: remember a success in the view's transaction."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if HEADER not in request.headers:
            return run(request, *args, **kwargs)
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            pending = getattr(request, "_idempotency", None)
            if pending is None or not 200 <= response.status_code < 300:
                return response
            key, fingerprint = pending
            try:
                with transaction.atomic():
                    _store(request, key, fingerprint, response)
                    return response
            except IntegrityError:  # a twin request with this key stored first
                transaction.set_rollback(True)
        earlier = _remembered(request, key)
        if earlier is None:
            return json_error(409, _("A request with this Idempotency-Key is in progress."))
        return _repeat(earlier, fingerprint)

    return wrapper


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _user(request: HttpRequest) -> Any:
    """The authenticated user (the API's authentication ran before any of this)."""
    return request.user


def _remembered(request: HttpRequest, key: str) -> IdempotencyKey | None:
    """The user's answer under this key, if younger than KEEP."""
    since = timezone.now() - KEEP
    return IdempotencyKey.objects.filter(
        user=_user(request), key=key, created_at__gte=since
    ).first()


def _repeat(earlier: IdempotencyKey, fingerprint: str) -> HttpResponse:
    if earlier.fingerprint != fingerprint:
        return json_error(
            422,
            _(
                "This Idempotency-Key was already used for another request (another body "
                "or address) within the last 24 hours; send a new key for a new request."
            ),
        )
    response = HttpResponse(
        bytes(earlier.body), status=earlier.status, content_type=earlier.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _store(request: HttpRequest, key: str, fingerprint: str, response: HttpResponse) -> None:
    # An expired answer under this key is forgotten now rather than at the next purge.
    IdempotencyKey.objects.filter(
        user=_user(request), key=key, created_at__lt=timezone.now() - KEEP
    ).delete()
    IdempotencyKey.objects.create(
        user=_user(request),
        key=key,
        fingerprint=fingerprint,
        status=response.status_code,
        content_type=str(response.get("Content-Type", "application/json")),
        body=response.content,
    )


def purge_expired() -> int:
    """Forget answers older than KEEP (the worker runs this hourly); how many."""
    deleted, _counts = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted

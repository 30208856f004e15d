"""The one error shape of the JSON API, documented on every operation and sent for every error.

Every error under /api/ is `{"detail": str, "errors": [FieldError, ...]}`: `detail` says
what went wrong in one sentence; `errors` lists each invalid field (empty when the refusal
is not about one field). Bad input is 400 whether the schema or a rule of the registry
refused it, so a rule moving from one to the other does not change what clients see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

JSON_CONTENT_TYPE = "application/json; charset=utf-8"  # what ninja's own responses say


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(
        description='Where: the request part ("body", "query", "path") then the field path.'
    )
    msg: str
    type: str = Field(description="A stable machine-readable code (pydantic's error type).")


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in one sentence.")
    errors: list[FieldErrorOut] = Field(description="One entry per invalid field; may be empty.")


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The `response=` entries documenting these error statuses with the error shape."""
    return dict.fromkeys(statuses, ErrorOut)


def error_body(detail: str, errors: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    fields = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    return {"detail": detail, "errors": fields}


def validation_detail(errors: Sequence[Mapping[str, Any]]) -> str:
    """The first error, readable alone: `body.names.0.full_name: String should ...`."""
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    more = len(errors) - 1
    if more:
        return _("%(where)s: %(msg)s (and %(more)d more)") % {
            "where": where,
            "msg": first["msg"],
            "more": more,
        }
    return f"{where}: {first['msg']}"


def generic_detail(status: int) -> str:
    details = {
        400: _("Bad request."),
        401: _("Authentication required: send Authorization: Bearer <token>."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request body is too large."),
        500: _("Server error. It has been logged."),
    }
    try:
        fallback = HTTPStatus(status).phrase
    except ValueError:
        fallback = str(status)
    return details.get(status, fallback)


def as_json_error(response: HttpResponse) -> HttpResponse:
    """Give an error response that is not JSON (Django's pages, ninja's 405) the error shape.

    Headers such as `Allow` are kept; only the body and its type change.
    """
    detail = generic_detail(response.status_code)
    if response.status_code == 405 and response.has_header("Allow"):
        detail = _("This method is not allowed here; use %(allowed)s.") % {
            "allowed": response["Allow"]
        }
    replacement = json_error(response.status_code, detail)
    response.content = replacement.content
    response["Content-Type"] = replacement["Content-Type"]
    if response.has_header("Content-Length"):  # set by CommonMiddleware for the old body
        response["Content-Length"] = str(len(response.content))
    return response


def json_error(status: int, detail: str) -> HttpResponse:
    """An error response built outside the API's handlers, typed as the API's own are."""
    return JsonResponse(error_body(detail), status=status, content_type=JSON_CONTENT_TYPE)


def is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from liaison.core.api_errors import as_json_error, is_json

API_PREFIX = "/api/"


class JsonErrorsUnderApi:
    """Every error under /api/ is JSON in the documented shape, whoever produced it.

    The API's own handlers answer JSON already; this catches the rest: Django's 404 for an
    unknown route, ninja's 405 for a wrong method, the 400/403/500 pages. It sits first in
    MIDDLEWARE so that it sees the responses of every other middleware too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and isinstance(response, HttpResponse)
            and not is_json(response)
        ):
            return as_json_error(response)
        return response

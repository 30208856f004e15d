"""The node's logs: human-readable by default, JSON lines with LIAISON_LOG_FORMAT=json.

One line per request (logger `liaison.request`): method, path, status and duration, with a
request id (the proxy's X-Request-ID when it is well formed, else a new one; sent back in
the response), which every other line logged during the request carries too.

What is never logged: query strings (they hold the names people search), request bodies,
headers (tokens, cookies). The JSON formatter writes a fixed set of fields, not whatever a
library attaches to its records (Django attaches the request, query string included).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest
from django.http.response import HttpResponseBase

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The request fields a line may carry, in the order they are written.
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms")

_request_id: ContextVar[str] = ContextVar("request_id", default="")

request_logger = logging.getLogger("liaison.request")


class JsonLines(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message, the
    request fields when there are, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value not in (None, ""):
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestContext(logging.Filter):
    """Gives each record the id of the request being served (if any)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = _request_id.get()
        return True


class RequestLog:
    """Middleware: a request id for each request, and one log line when it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # Django logs its 4xx/5xx warnings after the middleware has answered: the id is
        # forgotten when the response is done with, not when this returns.
        request_finished.connect(_forget_request, dispatch_uid="liaison.core.logs")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        _request_id.set(request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        duration = round((time.monotonic() - started) * 1000, 1)
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,  # never the query string
            response.status_code,
            duration,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration,
            },
        )
        return response


def _forget_request(**kwargs: Any) -> None:
    _request_id.set("")

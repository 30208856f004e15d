"""The web servers: gunicorn (several processes, the default) and waitress (one process),
both with a request body limit per path, enforced before reading, and the reverse proxy's
forwarding headers believed from its address alone.

Waitress reads a whole request body before the application sees it, up to one limit for
every path (1 GiB by default). Here the limit depends on the path, and waitress applies
it as soon as the request line and headers are parsed: a declared `Content-Length` over
the limit is answered 413 without reading the body; a chunked body is cut off (413) as
soon as it passes the limit.
"""

from __future__ import annotations

import copy
import io
import ipaddress
import logging
import os
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, create_server

from liaison.exchange.protocol import MAX_BATCH_BYTES, MAX_ENVELOPE_BYTES, MAX_QUERY_BYTES

# The federation endpoints take one signed envelope or query each (docs/federation.md).
FEDERATION_LIMITS = {
    "/federation/v1/envelopes": MAX_ENVELOPE_BYTES,
    "/federation/v1/queries": MAX_QUERY_BYTES,
    "/federation/v1/batches": MAX_BATCH_BYTES,
}


# An accreditation list (docs/events.md), by its page or the API, up to
# LIAISON_LIST_MAX_MB, plus room for the form's other fields and the multipart framing.
LIST_UPLOAD = re.compile(r"/events/[0-9a-f-]{36}/lists/new/?|/api/v1/events/[0-9a-f-]{36}/lists/?")
FORM_ROOM = 64 * 1024
# A file attached to a record: its page's form (/requests/<uid>/attachments/) and the API
# (/api/v1/requests/<uid>/attachments), up to LIAISON_ATTACHMENT_MAX_MB plus the form.
ATTACHMENT_UPLOAD = re.compile(r"(?:/[a-z0-9-]+)+/[0-9a-f-]{36}/attachments/?")


def body_limit(path: str) -> int:
    """The largest request body accepted on `path`, in bytes. Elsewhere: Django's own
    limit (DATA_UPLOAD_MAX_MEMORY_SIZE), as no other page or API operation takes files."""
    if LIST_UPLOAD.fullmatch(path):
        return int(settings.LIST_MAX_BYTES) + FORM_ROOM
    if ATTACHMENT_UPLOAD.fullmatch(path):
        return int(settings.ATTACHMENT_MAX_BYTES) + FORM_ROOM
    return FEDERATION_LIMITS.get(path.rstrip("/"), settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class PathLimitedParser(HTTPRequestParser):
    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        # Before the body: waitress checks Content-Length right after this returns, and
        # each chunk of a chunked body as it arrives. A copy: the server's own is shared.
        self.adj = copy.copy(self.adj)
        # Waitress refuses a body of `max_request_body_size` bytes or more: +1 accepts
        # exactly the limit.
        self.adj.max_request_body_size = body_limit(getattr(self, "path", "") or "") + 1


class PathLimitedChannel(HTTPChannel):
    parser_class = PathLimitedParser


def serve(application: Any, **options: Any) -> None:
    """waitress.serve, with the body limit of each path."""
    sockets: dict[int, Any] = {}
    server = create_server(application, map=sockets, **options)
    for dispatcher in sockets.values():
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = PathLimitedChannel
    server.print_listen("Serving on http://{}:{}")
    server.run()


# --- gunicorn: several web processes -------------------------------------------------------
# Gunicorn hands the application a request as soon as its head is parsed, the body unread:
# the limits and the proxy's headers are WSGI middleware here, the same rules as above.


def _too_large(start_response: Any) -> list[bytes]:
    body = b"Request body too large\n"
    start_response(
        "413 Content Too Large",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


class LimitBodies:
    """A body over its path's limit (`body_limit`) is answered 413 unread: at once when its
    declared Content-Length is over; a chunked one is read up to the limit and no further."""

    def __init__(self, application: Any) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        limit = body_limit(environ.get("PATH_INFO", "") or "")
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared:
            if int(declared) > limit:  # gunicorn has checked it is a number
                return _too_large(start_response)
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return _too_large(start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.application(environ, start_response)


# Forwarding headers that no one is trusted for: the proxy passes the public host in Host.
UNTRUSTED_PROXY_HEADERS = ("HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_FORWARDED")


class ProxyHeaders:
    """What waitress's `trusted_proxy` options do: from `proxy` alone (one hop), the scheme
    (X-Forwarded-Proto) and the client's address (the last X-Forwarded-For entry) are
    believed; anyone else's forwarding headers are dropped before Django sees them."""

    def __init__(self, application: Any, proxy: str | None) -> None:
        self.application = application
        self.proxy = proxy

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        for name in UNTRUSTED_PROXY_HEADERS:
            environ.pop(name, None)
        if self.proxy is not None and environ.get("REMOTE_ADDR") == self.proxy:
            self._believe(environ)
        else:
            environ.pop("HTTP_X_FORWARDED_PROTO", None)
            environ.pop("HTTP_X_FORWARDED_FOR", None)
        return self.application(environ, start_response)

    @staticmethod
    def _believe(environ: dict[str, Any]) -> None:
        scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
        if scheme in ("http", "https"):
            environ["wsgi.url_scheme"] = scheme
        else:
            environ.pop("HTTP_X_FORWARDED_PROTO", None)
        client = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            environ["REMOTE_ADDR"] = str(ipaddress.ip_address(client))
        except ValueError:
            environ.pop("HTTP_X_FORWARDED_FOR", None)


class _Logs(glogging.Logger):  # type: ignore[misc]
    """Gunicorn's own messages through the node's logging (text or JSON lines), not its
    handlers; no access log (liaison.request writes one line per request)."""

    def setup(self, cfg: Any) -> None:
        self.cfg = cfg
        self.error_log.propagate = True
        self.error_log.setLevel(self.LOG_LEVELS.get(cfg.loglevel.lower(), logging.INFO))
        self.access_log.disabled = True


class _Arbiter(Arbiter):  # type: ignore[misc]
    """The master; `on_stop` runs as it starts to stop, beside its web processes' own end."""

    on_stop: Callable[[], None] = staticmethod(lambda: None)

    def stop(self, graceful: bool = True) -> None:
        self.on_stop()
        super().stop(graceful)

    def halt(self, reason: str | None = None, exit_status: int = 0) -> None:
        """As gunicorn's, then the process ends at once (see `_exit_now`), its status kept."""
        try:
            super().halt(reason, exit_status)
        except SystemExit as done:
            logging.shutdown()
            os._exit(done.code if isinstance(done.code, int) else 1)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(
        self, application: Any, options: dict[str, Any], on_stop: Callable[[], None]
    ) -> None:
        self.application = application
        self.options = options
        self.on_stop = on_stop
        super().__init__()

    def run(self) -> None:
        arbiter = _Arbiter(self)
        arbiter.on_stop = self.on_stop
        arbiter.run()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        return self.application


def _exit_now(_arbiter: Any, _worker: Any) -> None:
    """A web process that has finished its requests ends at once: the interpreter's own
    teardown (a large heap, imported libraries) takes seconds on a busy machine, during
    which the master, and whoever stops it, waits."""
    from django.db import connections

    connections.close_all()
    logging.shutdown()  # flushes the handlers
    os._exit(0)


def serve_gunicorn(
    application: Any,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    proxy: str | None,
    on_ready: Callable[[], None],
    on_stop: Callable[[], None],
) -> None:
    """Gunicorn's threaded workers (`gthread`): `workers` processes of `threads` threads,
    the application imported once before they fork. `on_ready` runs in the master once
    the port is bound, `on_stop` when it starts to stop."""
    from django.db import connections

    connections.close_all()  # no connection of the master's may be shared by the workers
    options = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": True,
        "timeout": 60,
        "graceful_timeout": 8,
        # Longer than a proxy keeps an idle connection to the node (nginx: 60 s), so that
        # the node never closes one the proxy is sending a request on (a 502, or a reset).
        # An idle kept-alive connection holds no thread in gthread.
        "keepalive": 75,
        # A request line up to gunicorn's largest, as nginx's 8k header buffers pass (its
        # default, 4094, answered 414 to a long query string the API documents as 400).
        "limit_request_line": 8190,
        # Forwarding headers are ProxyHeaders' job: gunicorn believes none itself.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "logger_class": _Logs,
        "loglevel": "info",
        "proc_name": "liaison",
        "control_socket_disable": True,
        "when_ready": lambda _arbiter: on_ready(),
        "worker_exit": _exit_now,
    }
    _Gunicorn(ProxyHeaders(LimitBodies(application), proxy), options, on_stop).run()

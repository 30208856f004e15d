"""The web server (waitress), with a request body limit per path, enforced before reading.

Waitress reads a whole request body before the application sees it, up to one limit for
every path (1 GiB by default). Here the limit depends on the path, and waitress applies
it as soon as the request line and headers are parsed: a declared `Content-Length` over
the limit is answered 413 without reading the body; a chunked body is cut off (413) as
soon as it passes the limit.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.conf import settings
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


# The one page that takes a file: an accreditation list (docs/events.md), up to
# LIAISON_LIST_MAX_MB, plus room for the form's other fields and the multipart framing.
LIST_UPLOAD = re.compile(r"/events/[0-9a-f-]{36}/lists/new/?")
FORM_ROOM = 64 * 1024


def body_limit(path: str) -> int:
    """The largest request body accepted on `path`, in bytes. Elsewhere: Django's own
    limit (DATA_UPLOAD_MAX_MEMORY_SIZE), as no other page or API operation takes files."""
    if LIST_UPLOAD.fullmatch(path):
        return int(settings.LIST_MAX_BYTES) + FORM_ROOM
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

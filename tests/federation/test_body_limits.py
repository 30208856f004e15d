"""A real `liaison serve` refuses a body over its path's limit before reading it."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from liaison.exchange.protocol import MAX_ENVELOPE_BYTES
from tests.federation.conftest import Node

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-body-limits")]

GIB = 1024**3


@pytest.fixture(scope="module", params=["gunicorn", "waitress"])
def node(make_nodes: Callable[..., list[Node]], request: pytest.FixtureRequest) -> Node:
    """A node on each of `liaison serve`'s web servers."""
    (ma,) = make_nodes("ma")
    ma.start(worker=False, server=request.param)
    return ma


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _ask(node: Node, head: bytes, body_chunks: list[bytes], *, timeout: float = 10) -> bytes:
    """Send the head, then the body chunks while the server still listens; its answer."""
    with socket.create_connection(("127.0.0.1", node.port), timeout=timeout) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            try:
                sock.sendall(chunk)
            except OSError:  # the server answered and closed: it read no further
                break
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer


def _head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_body_declared_just_under_a_gibibyte_is_refused_before_it_is_read(node: Node) -> None:
    head = _head("/federation/v1/envelopes", {"Content-Length": str(GIB - 1)})
    started = time.monotonic()
    answer = _ask(node, head, [], timeout=5)  # the body is never sent
    assert _status(answer) == 413, answer[:200]
    assert time.monotonic() - started < 5


def test_an_envelope_one_byte_over_the_limit_is_refused_by_the_server(node: Node) -> None:
    head = _head("/federation/v1/envelopes", {"Content-Length": str(MAX_ENVELOPE_BYTES + 1)})
    assert _status(_ask(node, head, [])) == 413
    # At the limit, the body reaches the endpoint, which refuses junk with a signed receipt.
    head = _head(
        "/federation/v1/envelopes",
        {"Content-Length": str(MAX_ENVELOPE_BYTES), "Content-Type": "application/jose"},
    )
    answer = _ask(node, head, [b"x" * MAX_ENVELOPE_BYTES])
    assert _status(answer) == 401 and b"application/jose" in answer


def test_a_chunked_body_is_cut_off_at_the_limit(node: Node) -> None:
    head = _head("/federation/v1/envelopes", {"Transfer-Encoding": "chunked"})
    chunk = b"x" * 65536
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    # 64 MiB offered; the server answers once it has passed 256 KiB.
    answer = _ask(node, head, [framed] * 1024)
    assert _status(answer) == 413, answer[:200]


def test_the_api_takes_no_body_over_djangos_limit(node: Node) -> None:
    head = _head("/api/v1/persons", {"Content-Length": str(3 * 1024 * 1024)})
    assert _status(_ask(node, head, [], timeout=5)) == 413
    small = _head("/api/v1/persons", {"Content-Length": "2", "Content-Type": "application/json"})
    assert _status(_ask(node, small, [b"{}"])) == 401  # read, then refused: no token


def test_an_attachment_over_its_limit_is_refused_before_it_is_read(node: Node) -> None:
    path = "/api/v1/requests/6f1c8a52-1111-4d7e-9c39-5b5f6f7b2c01/attachments"
    over = 10 * 1024 * 1024 + 64 * 1024 + 1  # LIAISON_ATTACHMENT_MAX_MB (10) and the form
    head = _head(path, {"Content-Length": str(over)})
    assert _status(_ask(node, head, [], timeout=5)) == 413
    # Within it, the body is read (more than Django's 2 MiB elsewhere), then refused.
    within = 3 * 1024 * 1024
    head = _head(path, {"Content-Length": str(within), "Content-Type": "multipart/form-data"})
    assert _status(_ask(node, head, [b"x" * within])) == 401  # no token

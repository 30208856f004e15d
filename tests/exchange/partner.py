"""A scripted partner for the worker's tests: a real HTTP server on loopback that signs real
receipts with its own key, and answers as each test tells it to (the worker is under test,
not the receiver: the receiver has its own tests)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc.jwk import OKPKey

from liaison.exchange.protocol import (
    RECEIPT_TYP,
    ReceiptData,
    Status,
    open_batch,
    receipt_claims,
    receipts_body,
    sign,
    unverified_claims,
)

# What the partner does with one envelope's claims: a receipt (None: stop the batch there).
Script = Callable[[dict[str, Any]], ReceiptData | None]


def applied(claims: dict[str, Any]) -> ReceiptData | None:
    return ReceiptData(Status.APPLIED, detail="created")


@dataclass
class Partner:
    """Node `fr` on loopback. `requests` lists each request's path and envelope seqs."""

    key: OKPKey
    script: Script = applied
    batches: bool = True
    status_when_stopped: int = 503
    requests: list[tuple[str, list[int]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        partner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # kept alive, as a real node

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer, kind = partner.answer(self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(self, path: str, body: bytes) -> tuple[int, bytes, str]:
        if path.endswith("/batches"):
            if not self.batches:
                return 404, b"<h1>Not Found</h1>", "text/html"
            tokens = open_batch(body)
            receipts = self._receipts(path, [unverified_claims(t) for t in tokens])
            if not receipts and tokens:
                return self.status_when_stopped, b'{"detail": "no"}', "application/json"
            return 200, receipts_body(receipts), "application/liaison-batch+json"
        receipts = self._receipts(path, [unverified_claims(body)])
        if not receipts:
            return self.status_when_stopped, b'{"detail": "no"}', "application/json"
        return 200, receipts[0].encode(), "application/jose"

    def _receipts(self, path: str, envelopes: list[dict[str, Any]]) -> list[str]:
        self.requests.append((path, [claims["seq"] for claims in envelopes]))
        receipts = []
        for claims in envelopes:
            outcome = self.script(claims)
            if outcome is None:
                break
            receipts.append(self.receipt(claims, outcome))
        return receipts

    def receipt(self, claims: dict[str, Any], outcome: ReceiptData) -> str:
        values = receipt_claims(
            outcome, envelope_id=uuid.UUID(claims["id"]), me="fr", sender=claims["from"]
        )
        return sign(values, self.key, typ=RECEIPT_TYP)

    def seqs(self) -> list[int]:
        return [seq for _, seqs in self.requests for seq in seqs]


def closed_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

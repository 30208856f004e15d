"""deploy/nginx/liaison.conf in front of a real node: Debian's nginx, a self-signed
certificate, `liaison serve` behind it. Only ports, paths and the upstream change from the
shipped file; every directive is the one operators install."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from liaison.core.server import FORM_ROOM
from liaison.exchange.protocol import MAX_BATCH_BYTES, MAX_ENVELOPE_BYTES, MAX_QUERY_BYTES
from liaison.settings import ATTACHMENT_MAX_BYTES, DATA_UPLOAD_MAX_MEMORY_SIZE, LIST_MAX_BYTES
from tests.core.test_serve_behind_proxy import _env, _free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "liaison.conf"
HOST = "liaison.example"
# Installed by `make test` (Debian's nginx package), as Chromium is.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass(frozen=True)
class Proxy:
    https: int
    http: int
    context: ssl.SSLContext


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def _site(node_port: int, https: int, http: int, cert: Path, key: Path) -> str:
    text = SITE.read_text(encoding="utf-8")
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{node_port};",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "/etc/ssl/liaison/fullchain.pem": str(cert),
        "/etc/ssl/liaison/privkey.pem": str(key),
    }
    for old, new in replacements.items():
        assert old in text, f"{SITE} no longer has {old!r}: update this test"
        text = text.replace(old, new)
    # IPv6 listeners: loopback-only test, no IPv6 needed.
    return "\n".join(line for line in text.splitlines() if "[::]" not in line)


def _wait(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{what} did not listen within 60 s")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    base = tmp_path_factory.mktemp("nginx")
    node_port, https, http = _free_port(), _free_port(), _free_port()
    env = _env(
        base / "node",
        LIAISON_BEHIND_PROXY="1",
        LIAISON_TRUSTED_PROXY="127.0.0.1",
        LIAISON_ALLOWED_HOSTS=HOST,
        LIAISON_CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
    )
    cert, key = _certificate(base)
    (base / "site.conf").write_text(_site(node_port, https, http, cert, key))
    user = "user root;\n" if os.geteuid() == 0 else ""  # the workers read the temp files
    (base / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {base}/nginx.pid;\nerror_log {base}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log {base}/access.log; include {base}/site.conf; }}\n"
    )
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False  # reached as 127.0.0.1; the chain is still verified
    started: list[subprocess.Popen[bytes]] = []  # whatever fails, nothing outlives the test
    try:
        node = subprocess.Popen(
            [sys.executable, "-m", "liaison.cli", "serve", "--no-worker", "--port", f"{node_port}"],
            cwd=ROOT,
            env=env,
        )
        started.append(node)
        server = subprocess.Popen(
            [NGINX, "-p", str(base), "-c", str(base / "nginx.conf"), "-g", "daemon off;"]
        )
        started.append(server)
        _wait(node_port, node, "liaison serve")
        _wait(https, server, "nginx")
        yield Proxy(https, http, context)
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=10)


def _request(
    proxy: Proxy, method: str, path: str, body: bytes = b"", *, tls: bool = True,
    headers: dict[str, str] | None = None,
) -> http.client.HTTPResponse:  # fmt: skip
    connection: http.client.HTTPConnection
    if tls:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", proxy.https, context=proxy.context, timeout=30
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", proxy.http, timeout=30)
    sent = {"Host": HOST, **(headers or {})}
    connection.request(method, path, body=body or None, headers=sent)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_https_reaches_the_node_which_sees_https(proxy: Proxy) -> None:
    response = _request(proxy, "GET", "/healthz")
    assert response.status == 200  # not 301: the node believed the proxy's scheme
    assert response.getheader("Strict-Transport-Security", "").startswith("max-age=")
    assert response.getheader("Server") == "nginx"  # no version (server_tokens off)


def test_plain_http_is_sent_to_https(proxy: Proxy) -> None:
    response = _request(proxy, "GET", "/accounts/login/?next=/", tls=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/?next=/"


def test_cookies_are_secure_over_the_proxy(proxy: Proxy) -> None:
    response = _request(proxy, "GET", "/accounts/login/")
    assert response.status == 200
    cookies = response.headers.get_all("Set-Cookie") or []
    assert cookies, "the login page sets its CSRF cookie"
    assert all("Secure" in cookie for cookie in cookies), cookies


def test_a_forged_scheme_header_from_the_client_is_overwritten(proxy: Proxy) -> None:
    # Over plain HTTP, claiming HTTPS: nginx answers with its redirect, the node never
    # sees the claim.
    response = _request(proxy, "GET", "/healthz", tls=False, headers={"X-Forwarded-Proto": "https"})
    assert response.status == 301
    # Over HTTPS, claiming HTTP: nginx sets the real scheme, the node does not redirect.
    response = _request(proxy, "GET", "/healthz", headers={"X-Forwarded-Proto": "http"})
    assert response.status == 200


UID = "0f3b4c1e-9a7d-4e2b-8c6f-1d2e3f4a5b6c"


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/federation/v1/envelopes", MAX_ENVELOPE_BYTES),
        ("/federation/v1/queries", MAX_QUERY_BYTES),
        ("/federation/v1/batches", MAX_BATCH_BYTES),
        ("/api/v1/persons", DATA_UPLOAD_MAX_MEMORY_SIZE),
        (f"/requests/{UID}/attachments/", ATTACHMENT_MAX_BYTES + FORM_ROOM),
        (f"/api/v1/requests/{UID}/attachments", ATTACHMENT_MAX_BYTES + FORM_ROOM),
        (f"/events/{UID}/lists/new/", LIST_MAX_BYTES + FORM_ROOM),
        (f"/api/v1/events/{UID}/lists", LIST_MAX_BYTES + FORM_ROOM),
    ],
)
def test_body_limits_hold_through_the_proxy(proxy: Proxy, path: str, limit: int) -> None:
    # One byte over: a clean 413 (from nginx, whose limits are the node's; a body the node
    # refused while nginx was still sending it would come back as 502).
    assert _request(proxy, "POST", path, b"x" * (limit + 1)).status == 413
    # At the limit: it reaches the node, which refuses the junk for what it is. The
    # federation reads the whole body first (to check its signature); a page or the API
    # refuses an unsigned post (CSRF 403, no token 401) before reading it, and nginx, still
    # sending, may then answer 502: there, what counts is that nginx let it through.
    at_limit = _request(proxy, "POST", path, b"x" * limit).status
    federation = path.startswith("/federation/")
    assert at_limit not in ((413, 502) if federation else (413,)), at_limit

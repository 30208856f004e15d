"""`liaison serve` behind a TLS-terminating proxy: a real server process on a loopback port.

The proxy is played by a client on 127.0.0.1 (the trusted address); 127.0.0.2, also this
host on Linux loopback, plays anyone else who can reach the node directly.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRUSTED = "127.0.0.1"
UNTRUSTED = "127.0.0.2"


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    hsts: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LIAISON_", "DJANGO_", "DATABASE_URL"))
    }
    return {
        **clean,
        "LIAISON_DATA_DIR": str(data_dir),
        "LIAISON_HTTPS": "1",
        "LIAISON_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LIAISON_LOG_LEVEL": "WARNING",
        **extra,
    }


def _get(port: int, *, source: str, headers: dict[str, str]) -> Answer:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("GET", "/healthz", headers=headers)
        response = connection.getresponse()
        response.read()
        return Answer(
            response.status,
            response.getheader("Location", ""),
            response.getheader("Strict-Transport-Security", ""),
        )
    finally:
        connection.close()


def _wait_until_serving(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"liaison serve exited with {process.returncode}")
        try:
            _get(port, source=TRUSTED, headers={})
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("liaison serve did not answer within 60 s")


@pytest.fixture(scope="module", params=["gunicorn", "waitress"])
def node_port(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[int]:
    """A node behind the proxy, on each of `liaison serve`'s web servers."""
    data_dir = tmp_path_factory.mktemp("proxied-node")
    port = _free_port()
    env = _env(data_dir, LIAISON_BEHIND_PROXY="1", LIAISON_TRUSTED_PROXY=TRUSTED)
    command = [sys.executable, "-m", "liaison.cli", "serve", "--no-worker", "--port", str(port)]
    command += ["--server", request.param, "--no-task-worker"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        _wait_until_serving(process, port)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_serves_an_https_request_forwarded_by_the_trusted_proxy(node_port: int) -> None:
    answer = _get(node_port, source=TRUSTED, headers={"X-Forwarded-Proto": "https"})
    assert answer.status == 200, answer
    assert answer.location == ""
    assert answer.hsts.startswith("max-age="), "Django did not see the request as HTTPS"


def test_it_redirects_a_plain_request_from_the_trusted_proxy_to_https(node_port: int) -> None:
    answer = _get(node_port, source=TRUSTED, headers={"X-Forwarded-Proto": "http"})
    assert answer.status == 301
    assert answer.location == f"https://127.0.0.1:{node_port}/healthz"


def test_it_ignores_the_forwarded_scheme_from_any_other_address(node_port: int) -> None:
    answer = _get(node_port, source=UNTRUSTED, headers={"X-Forwarded-Proto": "https"})
    assert answer.status == 301
    assert answer.location.startswith("https://")


def test_it_refuses_to_start_behind_a_proxy_without_knowing_its_address(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "liaison.cli", "serve", "--no-worker"]
    command += ["--port", str(_free_port())]
    env = _env(tmp_path, LIAISON_BEHIND_PROXY="1")
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode != 0
    assert "LIAISON_BEHIND_PROXY=1 needs LIAISON_TRUSTED_PROXY" in result.stderr

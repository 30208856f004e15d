"""LIAISON_LOG_FORMAT=json: the logs of real `liaison serve` and `liaison exchange-worker`
processes are JSON lines, one per record, with the request's fields, and never what was
searched nor a token. Without it, the lines stay human-readable."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEARCHED = "Zarqawi Secretname"
TOKEN = "lsn_NotARealTokenButLooksLikeOne_0123456789abcdef"

pytestmark = [pytest.mark.xdist_group("json-logs"), pytest.mark.timeout(300)]


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
        "LIAISON_NODE_ID": "ma",
        "LIAISON_HTTPS": "0",
        "LIAISON_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LIAISON_LOG_LEVEL": "INFO",
        **extra,
    }


def _liaison(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liaison.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@dataclass
class Served:
    """What a `liaison serve` process wrote, and the answers it gave."""

    lines: list[str]
    answers: dict[str, tuple[int, str]]  # name -> (status, X-Request-ID)


def _get(url: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers.get("X-Request-ID", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Request-ID", "")


def _serve(data_dir: Path, **extra: str) -> Served:
    """Run a node, make a few requests (a search with a name and a token among them),
    stop it; everything it logged."""
    env = _env(data_dir, **extra)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(process.stderr, lines), daemon=True)
    reader.start()
    try:
        _wait(base)
        query = urllib.parse.urlencode({"name": SEARCHED, "purpose": "investigation"})
        answers = {
            "health": _get(f"{base}/healthz", {"X-Request-ID": "proxy-given-id-42"}),
            "search": _get(f"{base}/api/v1/persons?{query}", {"Authorization": f"Bearer {TOKEN}"}),
            "missing": _get(f"{base}/no-such-page?{query}", {"Cookie": f"sessionid={TOKEN}"}),
        }
        # A request's line, and Django's warning for a 4xx, are written as it ends, after
        # its answer: wait for each (in either format, the message holds these words).
        for text in (
            "GET /healthz 200",
            "GET /api/v1/persons 401",
            "Unauthorized: /api/v1/persons",
            "GET /no-such-page 404",
            "Not Found: /no-such-page",
        ):
            _wait_for_line(lines, text)
        # The exchange worker is a process of its own (gunicorn): let it start and log.
        _wait_for_line(lines, "exchange worker")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=10)
    return Served([line for line in lines if line.strip()], answers)


def _read_lines(stream: Any, lines: list[str]) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))


def _wait_for_line(lines: list[str], text: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(text in line for line in lines):
        time.sleep(0.2)


def _wait(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("liaison serve did not answer within 60 s")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("logging-node")
    env = _env(path)
    for args in (("migrate", "--noinput", "-v", "0"), ("keys", "init")):
        result = _liaison(env, *args)
        assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def served_json(data_dir: Path) -> Served:
    return _serve(data_dir, LIAISON_LOG_FORMAT="json")


def _parsed(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]  # each one a JSON object, or it fails here


def _request_lines(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in records if r["logger"] == "liaison.request"}


def test_every_line_of_the_web_process_is_a_json_object(served_json: Served) -> None:
    records = _parsed(served_json.lines)
    assert records
    for record in records:
        assert {"timestamp", "level", "logger", "message"} <= record.keys(), record
        assert record["timestamp"].endswith("+00:00")
    loggers = {r["logger"] for r in records}
    assert {"liaison.serve", "liaison.exchange.worker", "liaison.request"} <= loggers


def test_a_request_line_has_its_id_method_path_status_and_duration(served_json: Served) -> None:
    lines = _request_lines(_parsed(served_json.lines))
    health = lines["/healthz"]
    assert (health["method"], health["status"], health["level"]) == ("GET", 200, "INFO")
    assert isinstance(health["duration_ms"], float)
    assert health["request_id"] == "proxy-given-id-42" == served_json.answers["health"][1]
    search = lines["/api/v1/persons"]
    assert search["status"] == served_json.answers["search"][0] == 401
    assert (
        len(search["request_id"]) == 32 and search["request_id"] == served_json.answers["search"][1]
    )


def test_lines_logged_during_a_request_carry_its_id(served_json: Served) -> None:
    records = _parsed(served_json.lines)
    # Django's own warnings for the 401 and the 404, written as each request ends.
    warnings = {r["request_id"]: r for r in records if r["logger"] == "django.request"}
    missing = warnings[served_json.answers["missing"][1]]
    assert (missing["level"], missing["message"]) == ("WARNING", "Not Found: /no-such-page")
    assert served_json.answers["search"][1] in warnings
    # Lines outside any request carry none.
    assert all("request_id" not in r for r in records if r["logger"] == "liaison.serve")


def test_no_line_holds_what_was_searched_nor_a_token(served_json: Served) -> None:
    output = "\n".join(served_json.lines)
    for secret in (SEARCHED, "Zarqawi", "Secretname", TOKEN, "name=", "Bearer"):
        assert secret not in output
    # Django attaches the request (query string included) to its records: not written.
    assert all("request" not in record for record in _parsed(served_json.lines))


def test_the_exchange_worker_process_logs_json_lines_too(data_dir: Path) -> None:
    env = _env(data_dir, LIAISON_LOG_FORMAT="json")
    process = subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", "exchange-worker"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(process.stderr, lines), daemon=True)
    reader.start()
    try:
        _wait_for_line(lines, "started")  # its first line, once it runs (not forever)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=10)
    assert lines, "the exchange worker wrote nothing within 60 s"
    record = json.loads(lines[0])
    assert (record["logger"], record["level"]) == ("liaison.exchange.worker", "INFO")
    assert "started" in record["message"]


def test_without_the_setting_the_lines_stay_human_readable(data_dir: Path) -> None:
    served = _serve(data_dir)
    request_lines = [line for line in served.lines if " liaison.request " in line]
    assert any(" INFO liaison.request GET /healthz 200 " in line for line in request_lines)
    for line in served.lines:
        assert not line.startswith("{")
    assert SEARCHED not in "\n".join(served.lines)


def test_an_unknown_format_is_refused_clearly(data_dir: Path) -> None:
    result = _liaison(_env(data_dir, LIAISON_LOG_FORMAT="xml"), "check")
    assert result.returncode != 0
    assert "LIAISON_LOG_FORMAT='xml': use text or json." in result.stderr

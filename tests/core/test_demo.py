"""`liaison demo` really starts two node processes, serves them, and stops them cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    """The environment of a shell that never set up Liaison: the demo is SQLite only, even
    when the suite itself runs on PostgreSQL."""
    names = ("LIAISON_", "DJANGO_", "DATABASE_URL")
    return {k: v for k, v in os.environ.items() if not k.startswith(names)}


def _demo(tmp_path: Path, ports: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "liaison.cli",
            "demo",
            "--dir",
            str(tmp_path / "demo"),
            "--ports",
            ports,
            *extra,
        ],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _user_count(data_dir: Path) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "liaison.cli",
            "shell",
            "--no-imports",
            "-c",
            "from liaison.accounts.models import User; from liaison.registry.models import "
            "Person; print(User.objects.count(), Person.objects.count())",
        ],
        env={**_env(), "LIAISON_DATA_DIR": str(data_dir), "LIAISON_HTTPS": "0"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.timeout(1200)  # two node setups, twice, on a loaded machine
def test_the_demo_serves_both_nodes_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    ports = (_free_port(), _free_port())
    demo = _demo(tmp_path, f"{ports[0]},{ports[1]}")
    try:
        _check_running_demo(demo, ports, tmp_path / "demo")
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=180)  # against a hang; CI may be loaded
    finally:
        _stop(demo)  # a failed check must not leave two nodes running
    assert demo.returncode == 0, rest
    assert "Both nodes stopped" in rest
    for port in ports:  # nothing is left listening
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0

    users = _user_count(tmp_path / "demo" / "ma")
    again = _demo(tmp_path, f"{ports[0]},{ports[1]}", "--exit-when-ready")
    try:
        out, _ = again.communicate(timeout=420)  # migrate, seed, keys, serve: 8 processes
    finally:
        _stop(again)  # a restart that timed out must not leave two nodes running
    assert again.returncode == 0, out
    assert _user_count(tmp_path / "demo" / "ma") == users
    user_count, person_count = map(int, users.split())
    assert user_count == 6 and person_count > 0


def _read_until(demo: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """The demo's output up to the line holding `marker`; fail after `timeout` seconds (a
    stuck demo must not hang the suite). The rest stays in the pipe for communicate()."""
    assert demo.stdout is not None
    stdout, lines = demo.stdout, []

    def read() -> None:
        for line in stdout:
            lines.append(line)
            if marker in line:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    output = "".join(lines)
    if reader.is_alive():  # the caller's finally stops the demo
        pytest.fail(f"no {marker!r} from the demo after {timeout}s:\n{output}")
    assert marker in output, f"the demo stopped before {marker!r}:\n{output}"
    return output


def _check_running_demo(demo: subprocess.Popen[str], ports: tuple[int, int], base: Path) -> None:
    output = _read_until(demo, "Press Ctrl-C", timeout=420)  # two nodes set up from scratch
    assert "ma-officer" in output and "fr-auditor" in output, output
    for node, port in zip(("ma", "fr"), ports, strict=True):
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/accounts/login/", timeout=10
        ) as response:
            page = response.read().decode()
        assert response.status == 200 and f">{node}</span>" in page and 'id="demo-banner"' in page
    _a_share_on_ma_reaches_fr(base)


def _stop(demo: subprocess.Popen[str]) -> None:
    if demo.poll() is None:
        demo.send_signal(signal.SIGINT)  # the launcher stops its two nodes on Ctrl-C
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()


SHARE = """
from liaison.accounts.models import User
from liaison.registry.sharing.share import share_person
from liaison.registry.actions import NameData, PersonData, create_person
lo = User.objects.get(username="ma-liaison-officer")
data = PersonData(category="wanted", names=[NameData("Demo Shared")])
person = create_person(actor=lo, data=data)
share_person(actor=lo, person=person, partner="fr")
"""
COUNT = """
from liaison.registry.models import Person
print(Person.objects.filter(names__full_name="Demo Shared", owner_node="ma").count())
"""


def _shell(data_dir: Path, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "liaison.cli", "shell", "--no-imports", "-c", code],
        env={
            **_env(),
            "LIAISON_DATA_DIR": str(data_dir),
            "LIAISON_HTTPS": "0",
            "LIAISON_DEMO": "1",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def _a_share_on_ma_reaches_fr(base: Path) -> None:
    """The demo's nodes are peered, workers included: a shared record crosses in seconds."""
    _shell(base / "ma", SHARE)
    deadline = time.monotonic() + 30
    while _shell(base / "fr", COUNT) != "1":
        assert time.monotonic() < deadline, "the shared person never reached fr"
        time.sleep(0.5)


def test_bad_ports_are_refused_clearly(tmp_path: Path) -> None:
    demo = _demo(tmp_path, "80x1,2")
    out, _ = demo.communicate(timeout=60)
    assert demo.returncode != 0
    assert "give two port numbers" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("steps", "error"),
    [
        ("[[", "steps: not JSON"),
        ('["keys", "show"]', "give a list of commands"),
        ("[[]]", "give a list of commands"),
        ('[["keys", 1]]', "give a list of commands"),
    ],
)
def test_demo_steps_refuses_what_is_not_a_list_of_commands(steps: str, error: str) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.test import override_settings

    with override_settings(DEMO_MODE=True), pytest.raises(CommandError, match=error):
        call_command("demo-steps", steps)


@pytest.mark.django_db
def test_demo_steps_runs_nothing_outside_demo_mode() -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from liaison.exchange.models import Peer

    with pytest.raises(CommandError, match="only with LIAISON_DEMO=1"):
        call_command("demo-steps", '[["peers", "add", "xx", "http://127.0.0.1:9"]]')
    assert not Peer.objects.exists()


@pytest.mark.django_db
def test_demo_steps_runs_each_command_in_order_and_returns_each_output() -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    out = StringIO()
    with override_settings(DEMO_MODE=True):
        call_command(
            "demo-steps",
            '[["keys", "init"], ["keys", "show"], ["peers", "list", "--json"]]',
            stdout=out,
        )
    _made, shown, peers = json.loads(out.getvalue())
    assert shown.startswith("node ") and "fingerprint " in shown
    assert json.loads(peers) == []

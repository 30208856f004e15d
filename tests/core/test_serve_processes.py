"""`liaison serve` with several web processes (gunicorn): real processes on a loopback port.

The master forks the web processes and starts the exchange worker and the task worker as
children of its own; killed (even with kill -9, as in a power cut) it takes them all with
it, so that a restarted node never runs beside an orphaned worker.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.xdist_group("serve-processes"), pytest.mark.timeout(300)]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    return env | {
        "LIAISON_DATA_DIR": str(data_dir),
        "LIAISON_HTTPS": "0",
        "LIAISON_ALLOWED_HOSTS": "127.0.0.1",
        "LIAISON_LOG_LEVEL": "WARNING",
    }


def _migrated(data_dir: Path) -> Path:
    """A node whose workers run as on a real node (tables there)."""
    command = [sys.executable, "-m", "liaison.cli", "migrate", "-v", "0"]
    subprocess.run(command, cwd=ROOT, env=_env(data_dir), check=True, timeout=180)
    return data_dir


def _beats(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "liaison.sqlite3", timeout=20) as db:
        return int(db.execute("SELECT count(*) FROM core_workerbeat").fetchone()[0])


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> dict[int, str]:
    """The live processes whose parent is `pid`: their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry.name)] = cmdline
    return found


def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def test_serve_runs_its_web_processes_and_workers_and_takes_them_down_when_killed(
    tmp_path: Path,
) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "liaison.cli", "serve", "--port", str(port)]
    command += ["--workers", "3", "--threads", "2"]
    serve = subprocess.Popen(command, cwd=ROOT, env=_env(_migrated(tmp_path)))
    try:
        assert _until(lambda: _answers(port), 60), "liaison serve did not answer"
        wanted = ("exchange-worker --parent", "task-worker --parent")
        assert _until(
            lambda: all(any(w in c for c in _children(serve.pid).values()) for w in wanted), 30
        )
        # Killed once the exchange worker runs (its heartbeat), not while it starts.
        assert _until(lambda: _beats(tmp_path) > 0, 60), "the exchange worker never beat"
        children = _children(serve.pid)
        web = [pid for pid, c in children.items() if "--parent" not in c]
        assert len(web) == 3, children
        for name in wanted:
            (line,) = [c for c in children.values() if name in c]
            assert line.rstrip().endswith(f"--parent {serve.pid}")
        serve.send_signal(signal.SIGKILL)
        serve.wait(timeout=10)
        assert _until(lambda: not any(_alive(pid) for pid in children), 30), [
            children[pid] for pid in children if _alive(pid)
        ]
        assert not _answers(port)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def test_serve_stops_its_workers_when_stopped(tmp_path: Path) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "liaison.cli", "serve", "--port", str(port), "--workers", "2"]
    serve = subprocess.Popen(command, cwd=ROOT, env=_env(tmp_path))
    try:
        assert _until(lambda: _answers(port), 60), "liaison serve did not answer"
        assert _until(lambda: len(_children(serve.pid)) == 4, 30), _children(serve.pid)
        children = _children(serve.pid)
        serve.terminate()
        assert serve.wait(timeout=30) == 0
        assert not any(_alive(pid) for pid in children)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def test_an_exchange_worker_whose_parent_died_while_it_started_exits_at_once(
    tmp_path: Path,
) -> None:
    """As the task worker (tests/events/test_worker.py): one that finds another parent
    does not deliver for a node that is gone. No database here: a worker that went on
    would fail or run forever, not exit 0."""
    not_our_parent = str(os.getpid())  # the worker's parent is the runner below
    command = [sys.executable, "-m", "liaison.cli", "exchange-worker", "--parent", not_our_parent]
    runner = [
        sys.executable,
        "-c",
        "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))",
    ]
    done = subprocess.run(
        [*runner, *command], env=_env(tmp_path), cwd=tmp_path, timeout=60, check=False
    )
    assert done.returncode == 0

"""Live nodes for the federation tests: real `liaison` processes on loopback ports.

Each node has its own data directory and its own database (a fresh PostgreSQL database
per node when DATABASE_URL names PostgreSQL, else SQLite in the data directory).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SQLITE_FILE = "liaison.sqlite3"  # in the data directory (liaison/settings.py)
AGENCIES = {
    "ma": ("Sûreté nationale (test)", "MA"),
    "fr": ("Police nationale (test)", "FR"),
    "es": (
        "Policía Nacional (test)",
        "ES",
    ),  # the third party (tests/federation/test_three_nodes.py)
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], *, timeout: float = 60, every: float = 0.3) -> Any:
    """Poll `check` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {check}")
        time.sleep(every)


@dataclass
class Node:
    node_id: str
    data_dir: Path
    database_url: str
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DJANGO_"))}
        env.pop("DATABASE_URL", None)
        name, country = AGENCIES[self.node_id]
        env.update(
            LIAISON_DATA_DIR=str(self.data_dir),
            LIAISON_NODE_ID=self.node_id,
            LIAISON_AGENCY=name,
            LIAISON_COUNTRY=country,
            LIAISON_HTTPS="0",
            LIAISON_LANGUAGE="en",
            LIAISON_ALLOWED_HOSTS="127.0.0.1,localhost",
            LIAISON_EXCHANGE_RETRY_CAP="1",
            LIAISON_LOG_LEVEL="WARNING",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env | self.extra_env

    def _popen(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.data_dir / f"{args[0]}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "liaison.cli", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own: kill() takes it whole
        )

    def cli(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "liaison.cli", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"{self.node_id} liaison {args}:\n{result.stderr}"
        return result.stdout

    def call(self, function: str, *args: Any, timeout: float = 180) -> Any:
        """Run tests.federation.helpers.FUNCTION(*args) in this node; its JSON output."""
        code = f"from tests.federation.helpers import {function}; {function}(*{args!r})"
        out = self.cli("shell", "--no-imports", "-c", code, timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def fingerprint(self) -> tuple[str, str]:
        lines = dict(line.split(" ", 1) for line in self.cli("keys", "show").splitlines())
        return lines["fingerprint"], lines["public-key"]

    def start(self, *, worker: bool = True, server: str = "gunicorn") -> None:
        # No task worker: these tests screen nothing (tests/events/test_worker.py runs one).
        args = ["serve", "--port", str(self.port), "--no-task-worker", "--server", server]
        args += [] if worker else ["--no-worker"]
        self.server = self._popen(*args)
        wait_for(self._healthy, timeout=60, every=0.2)

    def start_worker(self) -> subprocess.Popen[bytes]:
        process = self._popen("exchange-worker")
        self.workers.append(process)
        return process

    def _healthy(self) -> bool:
        if self.server is not None and self.server.poll() is not None:
            pytest.fail(f"{self.node_id} exited with {self.server.returncode}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except OSError:
            return False

    def kill(self, process: subprocess.Popen[bytes] | None = None) -> None:
        """SIGKILL: no cleanup, as in a power cut: the process and every process it started
        (`liaison serve`'s web processes and workers), at once."""
        process = process or self.server
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in [self.server, *self.workers]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [self.server, *self.workers]:
            if process is not None:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def api(self, method: str, path: str, body: Any = None, *, user: str = "lo") -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/api/v1{path}", data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self.tokens[user]}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def peers(self) -> list[dict[str, Any]]:
        return json.loads(self.cli("peers", "list", "--json"))


class Databases:
    """Fresh PostgreSQL databases on the DATABASE_URL server, dropped afterwards."""

    def __init__(self) -> None:
        self.base = os.environ.get("DATABASE_URL", "")
        self.names: list[str] = []

    @property
    def postgres(self) -> bool:
        return self.base.startswith(("postgres://", "postgresql://"))

    def create(self, node_id: str, *, template: str = "") -> str:
        """A new database's URL ("" on SQLite), empty or a copy of database `template`."""
        if not self.postgres:
            return ""
        # Named after DATABASE_URL's database, so that runs side by side keep to their own.
        prefix = urllib.parse.urlsplit(self.base).path.strip("/")[:24] or "liaison"
        name = f"{prefix}_fed_{node_id}_{secrets.token_hex(4)}"
        if template:
            self._copy(name, template)
        else:
            self._admin(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return self.url(name)

    def _copy(self, name: str, template: str) -> None:
        import psycopg

        for attempt in range(50):
            try:
                self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return
            except psycopg.errors.ObjectInUse:  # a session on the template is closing
                if attempt == 49:
                    raise
                time.sleep(0.1)

    def url(self, name: str) -> str:
        return urllib.parse.urlunsplit(urllib.parse.urlsplit(self.base)._replace(path=f"/{name}"))

    def drop_all(self) -> None:
        for name in self.names:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        admin = urllib.parse.urlsplit(self.base)._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.encode())  # type: ignore[call-overload]


def migrate(nodes: list[Node]) -> None:
    """`liaison migrate` in each node, in parallel."""
    running = [
        (
            node,
            subprocess.Popen(
                [sys.executable, "-m", "liaison.cli", "migrate", "--noinput", "-v", "0"],
                cwd=ROOT,
                env=node.env(),
                stderr=subprocess.PIPE,
            ),
        )
        for node in nodes
    ]
    for node, process in running:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, f"{node.node_id} migrate: {err.decode()}"


def prepare(nodes: list[Node]) -> None:
    """Make keys and seed users (the database is already migrated)."""
    for node in nodes:
        node.cli("keys", "init")
        node.tokens = node.call("seed")


class Migrated:
    """A migrated database per node id, made once per test process and copied for each node
    made after it: migrating costs about 9 s of CPU per node, copying a database
    milliseconds. What a node makes for itself (its key, secret key, users, tokens) is made
    after the copy, so no two nodes share it."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.databases = Databases()
        self.made: dict[str, Node] = {}

    def template(self, node_id: str) -> Node:
        if node_id not in self.made:
            node = Node(node_id, self.base / node_id, self.databases.create(f"tpl_{node_id}"))
            node.data_dir.mkdir(mode=0o700)
            migrate([node])
            self.made[node_id] = node
        return self.made[node_id]

    def copy(self, node_id: str, data_dir: Path, databases: Databases) -> Node:
        template = self.template(node_id)
        data_dir.mkdir(mode=0o700)
        if databases.postgres:
            name = urllib.parse.urlsplit(template.database_url).path.strip("/")
            return Node(node_id, data_dir, databases.create(node_id, template=name))
        with (
            closing(sqlite3.connect(template.data_dir / SQLITE_FILE)) as source,
            closing(sqlite3.connect(data_dir / SQLITE_FILE)) as target,
        ):
            source.backup(target)
        return Node(node_id, data_dir, "")


def peer(a: Node, b: Node) -> None:
    """Each pins the other's key by fingerprint, as operators would after a phone call."""
    for one, other in ((a, b), (b, a)):
        fingerprint, key = other.fingerprint()
        one.cli(
            "peers",
            "add",
            other.node_id,
            other.url,
            "--fingerprint",
            fingerprint,
            f"--public-key={key}",  # a base64url key may start with "-"
            f"--agency={AGENCIES[other.node_id][0]}",
            f"--country={AGENCIES[other.node_id][1]}",
        )


@pytest.fixture(scope="module")
def databases() -> Iterator[Databases]:
    dbs = Databases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migrated]:
    templates = Migrated(tmp_path_factory.mktemp("migrated"))
    yield templates
    templates.databases.drop_all()


@pytest.fixture(scope="module")
def make_nodes(
    tmp_path_factory: pytest.TempPathFactory, databases: Databases, migrated: Migrated
) -> Iterator[Callable[..., list[Node]]]:
    made: list[Node] = []

    def make(*node_ids: str) -> list[Node]:
        base = tmp_path_factory.mktemp("nodes")
        nodes = [migrated.copy(n, base / n, databases) for n in node_ids]
        prepare(nodes)
        made.extend(nodes)
        return nodes

    yield make
    for node in made:
        node.stop()

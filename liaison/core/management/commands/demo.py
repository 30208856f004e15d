from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.accounts.roles import ROLE_CAPABILITIES
from liaison.config import NodeIdentity, load_node_identity, write_node_identity
from liaison.core.demo import DEMO_NODES, DEMO_PASSWORD, DemoNode

STARTUP_TIMEOUT_SECONDS = 60


class Command(BaseCommand):
    help = (
        "Start two linked demo nodes on loopback (ma on :8001, fr on :8002) with synthetic "
        "data, on SQLite in .demo/<node>; runs until Ctrl-C. A second run reuses the data."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default=".demo", help="Where the nodes' data directories go.")
        parser.add_argument(
            "--ports",
            default=",".join(str(node.port) for node in DEMO_NODES),
            help="Ports of the ma and fr nodes, comma-separated.",
        )
        parser.add_argument(
            "--exit-when-ready",
            action="store_true",
            help="Stop both nodes once they answer (for checks and scripts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(options["dir"]).resolve()
        nodes = _nodes_on_ports(options["ports"])
        for node in nodes:
            self._prepare(node, base / node.node_id)
        _peer_all(nodes, base)
        _demo_requests(nodes, base, "send")
        _demo_plan(nodes, base, ["share"])
        _demo_hits(nodes, base, ["share"])
        _demo_bans(nodes, base)
        servers = [self._start(node, base / node.node_id) for node in nodes]
        try:
            self._wait_until_ready(servers)
            _demo_requests(nodes, base, "answer")
            _demo_plan(nodes, base, ["join", "decide"])
            _demo_hits(nodes, base, ["record", "confirm", "follow"])
            self._print_welcome(base, nodes)
            if not options["exit_when_ready"]:
                self._wait_for_exit(servers)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping both nodes…")
        finally:
            _stop(servers)
        self.stdout.write("Both nodes stopped. Data kept in " + str(base))

    def _prepare(self, node: DemoNode, data_dir: Path) -> None:
        if not (data_dir / "node.toml").exists():
            write_node_identity(data_dir, NodeIdentity(node.node_id, node.agency, node.country))
        elif load_node_identity(data_dir).node_id != node.node_id:
            raise CommandError(f"{data_dir} belongs to another node; move it away first.")
        for command in (["migrate", "--noinput", "-v", "0"], ["demo_seed"], ["keys", "init"]):
            _run(node, data_dir, command)

    def _start(self, node: DemoNode, data_dir: Path) -> tuple[DemoNode, subprocess.Popen[bytes]]:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "liaison.cli", "serve", "--port", str(node.port)],
            env=_node_env(data_dir),
        )
        return node, process

    def _wait_until_ready(self, servers: list[tuple[DemoNode, subprocess.Popen[bytes]]]) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        for node, process in servers:
            while not _healthy(node):
                if process.poll() is not None:
                    raise CommandError(
                        f"Node {node.node_id} exited with {process.returncode}; "
                        f"is port {node.port} already in use?"
                    )
                if time.monotonic() > deadline:
                    raise CommandError(f"Node {node.node_id} did not answer on :{node.port}.")
                time.sleep(0.2)

    def _print_welcome(self, base: Path, nodes: list[DemoNode]) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS("\nLiaison demo is running (synthetic data only).\n"))
        for node in nodes:
            write(f"  {node.node_id}  {node.agency}: http://127.0.0.1:{node.port}/")
        write(f"\nLogins (password for all: {DEMO_PASSWORD}; demo accounts skip 2FA):")
        for role in ROLE_CAPABILITIES:
            names = "   ".join(f"{n.node_id}-{role.replace('_', '-')}" for n in DEMO_NODES)
            write(f"  {role:<16} {names}")
        write(f"\nCommands on a node: LIAISON_DATA_DIR={base}/fr liaison …")
        write("Press Ctrl-C to stop both nodes.")

    def _wait_for_exit(self, servers: list[tuple[DemoNode, subprocess.Popen[bytes]]]) -> None:
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        # Started in the background by a script, a process inherits SIGINT ignored (and
        # Python then never raises KeyboardInterrupt): Ctrl-C or `kill -INT` must still stop.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        while True:
            for node, process in servers:
                if process.poll() is not None:
                    raise CommandError(f"Node {node.node_id} stopped ({process.returncode}).")
            time.sleep(0.5)


def _run(node: DemoNode, data_dir: Path, command: list[str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "liaison.cli", *command],
        env=_node_env(data_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(
            f"{node.node_id}: `liaison {' '.join(command)}` failed:\n{result.stderr}"
        )
    return result.stdout


def _peer_all(nodes: list[DemoNode], base: Path) -> None:
    """Each node pins the others' keys (fingerprint and key read from their data
    directories, as an operator would read them out on the phone); the URL follows --ports."""
    identities = {}
    for node in nodes:
        shown = _run(node, base / node.node_id, ["keys", "show"]).splitlines()
        identities[node.node_id] = dict(line.split(" ", 1) for line in shown)
    for node in nodes:
        for other in nodes:
            if other is not node:
                key = identities[other.node_id]
                command = ["peers", "add", other.node_id, f"http://127.0.0.1:{other.port}"]
                command += [
                    "--fingerprint",
                    key["fingerprint"],
                    f"--public-key={key['public-key']}",
                    f"--agency={other.agency}",
                    f"--country={other.country}",
                ]
                _run(node, base / node.node_id, command)


def _demo_requests(nodes: list[DemoNode], base: Path, phase: str) -> None:
    """Requests for assistance need both nodes: sent once partnered, answered once both run
    (liaison/assistance/demo_data.py)."""
    if len(nodes) != 2:
        return
    first, second = nodes
    for node, other in ((first, second), (second, first)):
        _run(node, base / node.node_id, ["demo-requests", phase, other.node_id])
        # Working groups the same way (liaison/cooperation/demo_data.py).
        _run(node, base / node.node_id, ["demo-groups", phase, other.node_id])


def _demo_plan(nodes: list[DemoNode], base: Path, phases: list[str]) -> None:
    """The action plan needs both nodes: shared once partnered, joined by the partner and
    its proposals decided once both run (liaison/plan/demo_data.py)."""
    if len(nodes) != 2:
        return
    first, second = nodes
    for phase in phases:
        for node, other in ((first, second), (second, first)):
            _run(node, base / node.node_id, ["demo-plan", phase, other.node_id])


def _demo_hits(nodes: list[DemoNode], base: Path, phases: list[str]) -> None:
    """Hits need both nodes: ma's persons shared once partnered; met by fr, confirmed by ma
    and followed to their outcomes by fr once both run (liaison/registry/demo_hits.py)."""
    if len(nodes) != 2:
        return
    owner, recorder = nodes
    for phase in phases:
        node, other = (owner, recorder) if phase in ("share", "confirm") else (recorder, owner)
        _run(node, base / node.node_id, ["demo-hits", phase, other.node_id])


def _demo_bans(nodes: list[DemoNode], base: Path) -> None:
    """fr's active stadium ban goes to ma once partnered (liaison/events/demo_bans.py)."""
    if len(nodes) != 2:
        return
    for node, other in ((nodes[0], nodes[1]), (nodes[1], nodes[0])):
        _run(node, base / node.node_id, ["demo-bans", "share", other.node_id])


def _nodes_on_ports(ports: str) -> list[DemoNode]:
    try:
        numbers = [int(port) for port in ports.split(",")]
    except ValueError:
        raise CommandError(f"--ports {ports!r}: give two port numbers, e.g. 8001,8002.") from None
    if len(numbers) != len(DEMO_NODES) or not all(0 < port < 65536 for port in numbers):
        raise CommandError(f"--ports {ports!r}: give two port numbers, e.g. 8001,8002.")
    return [replace(node, port=port) for node, port in zip(DEMO_NODES, numbers, strict=True)]


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _node_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env.pop("DATABASE_URL", None)  # the demo is SQLite only, whatever the shell says
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        LIAISON_DATA_DIR=str(data_dir),
        LIAISON_DEMO="1",
        LIAISON_HTTPS="0",
        LIAISON_ALLOWED_HOSTS="127.0.0.1,localhost",
        LIAISON_LOG_REQUESTS="0",  # the demo's terminal shows what matters, not every request
    )
    return env


def _healthy(node: DemoNode) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{node.port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _stop(servers: list[tuple[DemoNode, subprocess.Popen[bytes]]]) -> None:
    for _node, process in servers:
        if process.poll() is None:
            process.terminate()
    for _node, process in servers:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

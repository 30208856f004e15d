from __future__ import annotations

import json
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
        owner, partner = nodes = _nodes_on_ports(options["ports"])
        for node in nodes:
            _check_identity(node, base / node.node_id)
        # Each node's set-up in one process (Django's start is most of a command's time),
        # both nodes at once: before they serve, neither reads the other.
        shown = _in_parallel(base, {node: _PREPARE for node in nodes})
        keys = {node.node_id: _key(outputs[-1]) for node, outputs in shown.items()}
        _in_parallel(
            base,
            {
                node: [_peer_command(other, keys[other.node_id]), *_before_serving(node, other)]
                for node, other in ((owner, partner), (partner, owner))
            },
        )
        servers = [self._start(node, base / node.node_id) for node in nodes]
        try:
            self._wait_until_ready(servers)
            # In turn: each step waits for what the partner's step before it sent.
            for node, steps in _once_serving(owner, partner):
                _steps(node, base, steps)
            self._print_welcome(base, nodes)
            if not options["exit_when_ready"]:
                self._wait_for_exit(servers)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping both nodes…")
        finally:
            _stop(servers)
        self.stdout.write("Both nodes stopped. Data kept in " + str(base))

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


# Migrated, seeded (again on a second run: the seed changes nothing it already made), keyed.
_PREPARE = [["migrate", "--noinput", "-v", "0"], ["demo_seed"], ["keys", "init"], ["keys", "show"]]


def _check_identity(node: DemoNode, data_dir: Path) -> None:
    if not (data_dir / "node.toml").exists():
        write_node_identity(data_dir, NodeIdentity(node.node_id, node.agency, node.country))
    elif load_node_identity(data_dir).node_id != node.node_id:
        raise CommandError(f"{data_dir} belongs to another node; move it away first.")


def _key(shown: str) -> dict[str, str]:
    """`liaison keys show`'s fingerprint and public key, as an operator reads them out."""
    return dict(line.split(" ", 1) for line in shown.splitlines())


def _peer_command(other: DemoNode, key: dict[str, str]) -> list[str]:
    """Pin the other node's key; its URL follows --ports."""
    return [
        "peers",
        "add",
        other.node_id,
        f"http://127.0.0.1:{other.port}",
        "--fingerprint",
        key["fingerprint"],
        f"--public-key={key['public-key']}",  # a base64url key may start with "-"
        f"--agency={other.agency}",
        f"--country={other.country}",
    ]


def _before_serving(node: DemoNode, other: DemoNode) -> list[list[str]]:
    """What a node queues for its partner once partnered: requests for assistance and working
    groups (liaison/assistance, liaison/cooperation demo_data.py), its part of the action
    plan (liaison/plan/demo_data.py), the persons the partner will meet (the owner only,
    liaison/registry/demo_hits.py) and its stadium bans (liaison/events/demo_bans.py)."""
    steps = [
        ["demo-requests", "send", other.node_id],
        ["demo-groups", "send", other.node_id],
        ["demo-plan", "share", other.node_id],
    ]
    if node.node_id == DEMO_NODES[0].node_id:
        steps.append(["demo-hits", "share", other.node_id])
    return [*steps, ["demo-bans", "share", other.node_id]]


def _once_serving(owner: DemoNode, partner: DemoNode) -> list[tuple[DemoNode, list[list[str]]]]:
    """Both running: each node answers the requests and groups it received and joins the
    partner's plan; proposals are decided; the partner meets the owner's persons, the owner
    confirms the hits, the partner follows them to their outcomes."""

    def receive(other: DemoNode) -> list[list[str]]:
        return [
            ["demo-requests", "answer", other.node_id],
            ["demo-groups", "answer", other.node_id],
            ["demo-plan", "join", other.node_id],
        ]

    return [
        (owner, receive(partner)),
        (partner, receive(owner)),
        (owner, [["demo-plan", "decide", partner.node_id]]),
        (
            partner,
            [["demo-plan", "decide", owner.node_id], ["demo-hits", "record", owner.node_id]],
        ),
        (owner, [["demo-hits", "confirm", partner.node_id]]),
        (partner, [["demo-hits", "follow", owner.node_id]]),
    ]


def _steps_process(data_dir: Path, steps: list[list[str]]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "liaison.cli", "demo-steps", json.dumps(steps)],
        env=_node_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _outputs(node: DemoNode, process: subprocess.Popen[str], steps: list[list[str]]) -> list[str]:
    out, err = process.communicate()
    if process.returncode != 0:
        done = " then ".join(f"`liaison {' '.join(step)}`" for step in steps)
        raise CommandError(f"{node.node_id}: {done} failed:\n{err}")
    outputs: list[str] = json.loads(out)
    return outputs


def _steps(node: DemoNode, base: Path, steps: list[list[str]]) -> list[str]:
    return _outputs(node, _steps_process(base / node.node_id, steps), steps)


def _in_parallel(base: Path, steps: dict[DemoNode, list[list[str]]]) -> dict[DemoNode, list[str]]:
    running = {node: _steps_process(base / node.node_id, todo) for node, todo in steps.items()}
    try:
        return {node: _outputs(node, process, steps[node]) for node, process in running.items()}
    finally:
        for process in running.values():  # the other node's, when one failed
            if process.poll() is None:
                process.kill()
                process.wait()


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

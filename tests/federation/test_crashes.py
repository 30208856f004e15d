"""Crashes mid-burst (SIGKILL): nothing lost, nothing applied twice, versions in order."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.federation.conftest import Node, peer, wait_for

# Each test sends thousands of envelopes through real processes: more than the default.
pytestmark = [
    pytest.mark.federation,
    pytest.mark.xdist_group("federation-crashes"),
    pytest.mark.timeout(900),
]

PERSONS, ROUNDS = 100, 10  # 1,000 person.upsert envelopes per burst


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    """ma serves without an in-process worker: its workers are separate processes here."""
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start(worker=False)
    fr.start()
    return ma, fr


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test(nodes: tuple[Node, Node]) -> Iterator[None]:
    # The nodes are the module's and the tests run in any order: a worker left running
    # would deliver during the next test's "no worker left" step.
    yield
    ma, fr = nodes
    for worker in ma.workers:
        if worker.poll() is None:
            ma.kill(worker)
    # Nor a receiver left down by a test that failed while it was killed.
    if fr.server is None or fr.server.poll() is not None:
        fr.start()


HOLD_AT = 200  # the burst waits there for the test's go: what follows comes after its kill


def _burst(ma: Node, prefix: str) -> tuple[subprocess.Popen[bytes], Path]:
    """The burst, held at HOLD_AT envelopes until the returned file is touched."""
    go = ma.data_dir / f"go-{prefix}"
    go.unlink(missing_ok=True)
    args = (PERSONS, ROUNDS, "fr", prefix, 10, HOLD_AT, str(go))
    code = f"from tests.federation.helpers import burst; burst(*{args!r})"
    return ma._popen("shell", "--no-imports", "-c", code), go


def _delivered(ma: Node) -> int:
    return int(ma.call("wait_delivered", 0, False, 0)["delivered"])


def _wait(ma: Node, at_least: int, *, drained: bool) -> dict[str, Any]:
    # The process outlives its own deadline, so a slow delivery reports its counts.
    outbox = ma.call("wait_delivered", at_least, drained, 240, timeout=300)
    assert not outbox["timed_out"], outbox
    return dict(outbox)


def _pending(ma: Node) -> int:
    return int(ma.call("peer_state", "fr")["pending"])


def _check_exactly_once_in_order(fr: Node, prefix: str) -> None:
    state = fr.call("state", prefix)
    assert len(state["persons"]) == PERSONS
    assert set(state["persons"].values()) == {ROUNDS}  # every copy at its last version
    inbox = state["inbox"]
    assert inbox["applied_for_prefix"] == PERSONS * ROUNDS  # each envelope applied once
    assert inbox["in_version_order"]
    assert inbox["rows"] == inbox["distinct_ids"]
    assert inbox["statuses"].get("rejected", 0) == 0


def test_killing_the_receiver_mid_burst_loses_nothing_and_applies_nothing_twice(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    before = _delivered(ma)  # the nodes are the module's: another test may have sent first
    worker = ma.start_worker()
    burst, go = _burst(ma, "Receiver")
    _wait(ma, before + 150, drained=False)
    fr.kill()
    go.touch()  # the rest of the burst is queued while fr is down
    # The sender keeps queueing and retrying meanwhile: it sees the partner gone, again.
    seen = ma.call("wait_failures", "fr", 2, 120, timeout=180)
    assert not seen["timed_out"], (seen, _log_tails(ma))
    assert "connection" in seen["last_error"].lower(), seen  # refused or reset, nothing else
    fr.start()
    assert burst.wait(timeout=300) == 0
    outbox = _wait(ma, before + PERSONS * ROUNDS, drained=True)
    assert outbox["rejected"] == 0 and worker.poll() is None
    _check_exactly_once_in_order(fr, "Receiver")
    after = ma.call("peer_state", "fr")  # delivery again reset the count
    assert (after["failures"], after["last_error"], after["pending"]) == (0, "", 0)
    ma.kill(worker)


def test_killing_a_sending_worker_mid_burst_loses_nothing_and_sends_nothing_twice(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    before = _delivered(ma)
    first, second = ma.start_worker(), ma.start_worker()  # two at once: never both send
    burst, go = _burst(ma, "Sender")
    _wait(ma, before + 150, drained=False)
    ma.kill(first)
    ma.kill(second)
    stopped, pending = _delivered(ma), _pending(ma)
    go.touch()
    # With no worker left nothing is sent, while the burst keeps queueing.
    wait_for(lambda: burst.poll() is not None or _pending(ma) >= pending + 50, timeout=120)
    assert _delivered(ma) == stopped
    ma.start_worker()
    assert burst.wait(timeout=300) == 0
    outbox = _wait(ma, before + PERSONS * ROUNDS, drained=True)
    assert outbox["rejected"] == 0
    _check_exactly_once_in_order(fr, "Sender")


def _kill_while_it_holds_the_lease(ma: Node, worker: subprocess.Popen[bytes]) -> float:
    """SIGKILL the worker at a moment it holds fr's lease; the seconds the lease had left."""
    for _ in range(30):
        worker.send_signal(signal.SIGSTOP)  # frozen while we look at its lease
        held = ma.call("lease", "fr")
        if held["owner"].split(":")[1:2] == [str(worker.pid)]:  # host:pid:…
            ma.kill(worker)
            return float(held["left"])
        worker.send_signal(signal.SIGCONT)
        time.sleep(0.1)
    pytest.fail("the worker never held the lease")


def test_a_restarted_worker_resumes_delivery_at_once_not_when_the_dead_workers_lease_expires(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    for running in ma.workers:
        if running.poll() is None:
            ma.kill(running)
    before = _delivered(ma)
    backlog = "make_persons(100); enqueue_versions(4000, 'fr')"  # long enough to kill mid-way
    ma.cli(
        "shell", "--no-imports", "-c", f"from tests.federation.bench_helpers import *; {backlog}"
    )
    worker = ma.start_worker()
    _wait(ma, before + 200, drained=False)
    left = _kill_while_it_holds_the_lease(ma, worker)
    killed = time.monotonic()
    delivered = _delivered(ma)
    ma.start_worker()  # a node restarted after a kill -9: same host, new process
    outbox = ma.call("wait_delivered", delivered + 1, False, 60)
    resumed = time.monotonic() - killed
    assert not outbox["timed_out"] and resumed < left, (resumed, left)
    outbox = _wait(ma, before + 4000, drained=True)
    assert outbox["rejected"] == 0
    inbox = fr.call("state")["inbox"]
    assert inbox["rows"] == inbox["distinct_ids"]


def _log_tails(node: Node, lines: int = 40) -> dict[str, list[str]]:
    """The last lines of each log of a node's processes (serve, exchange-worker)."""
    return {
        log.name: log.read_text(errors="replace").splitlines()[-lines:]
        for log in sorted(node.data_dir.glob("*.log"))
    }

"""Witnessed audit heads between two live nodes: heads signed and sent by the worker and on
demand; a rewritten tail that plain `audit verify` cannot see, and `--witnessed` names."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.federation.conftest import ROOT, Node, peer

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-witness")]


def call(node: Node, function: str, *args: Any) -> Any:
    code = f"from tests.federation.witness_helpers import {function}; {function}(*{args!r})"
    return json.loads(node.cli("shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def liaison(node: Node, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liaison.cli", *args],
        cwd=ROOT,
        env=node.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def witness(node: Node) -> int:
    out = node.cli("audit", "witness")
    match = re.match(r"signed head seq (\d+) hash [0-9a-f]{64}; queued for (\S+)", out)
    assert match, out
    return int(match[1])


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    for node in (ma, fr):
        node.extra_env["LIAISON_WITNESS_INTERVAL"] = "1"
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


def test_the_worker_sends_a_signed_head_when_the_head_moved_and_only_then(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    # The nodes are the module's: a test before this one may have left a head to sign or
    # on its way to fr, which would arrive during the quiet intervals below.
    quiet = call(ma, "settled", "fr", 60)
    assert not quiet["timed_out"], quiet
    first = call(fr, "wait_heads", "ma", 0, quiet["seq"], 60)["heads"]
    assert first >= 1
    time.sleep(4)  # four intervals, in which only witnessing wrote to either chain
    assert call(fr, "heads", "ma") == first
    seq = call(ma, "touch")
    after = call(fr, "wait_heads", "ma", first, seq, 60)
    assert after["heads"] == first + 1 and after["max_seq"] == seq


def test_a_rewritten_tail_passes_plain_verify_and_fails_witnessed_verify_naming_the_entry(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    call(ma, "touch")
    earlier = call(fr, "heads", "ma")
    witnessed = witness(ma)
    altered = witness(ma)
    call(fr, "wait_heads", "ma", earlier + 1, altered, 60)
    ok = liaison(ma, "audit", "verify", "--witnessed")
    assert ok.returncode == 0, ok.stderr
    assert "WITNESSED:" in ok.stdout and "are all in the chain" in ok.stdout

    call(ma, "rewrite_from", altered)
    call(ma, "touch")  # the node goes on
    witness(ma)  # and whoever holds the key may sign the rewritten chain: it does not help
    plain = liaison(ma, "audit", "verify")
    assert plain.returncode == 0 and plain.stdout.startswith("OK:"), plain.stderr

    checked = liaison(ma, "audit", "verify", "--witnessed")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert (
        f"DIVERGED at entry seq {altered}: the chain no longer contains the head" in checked.stderr
    )
    assert f"Entries up to seq {witnessed} still match the head that fr witnessed" in checked.stderr
    where = (
        f"seq {altered}"
        if altered == witnessed + 1
        else f"between seq {witnessed + 1} and seq {altered}"
    )
    assert f"The first altered entry is {where}." in checked.stderr


def test_witnessed_verify_says_so_when_a_partner_cannot_be_asked(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    fr.stop()
    try:
        checked = liaison(ma, "audit", "verify", "--witnessed")
    finally:
        fr.start()  # the nodes are the module's: the tests after this one (any order) ask fr
    assert checked.returncode == 2, checked.stderr
    assert "fr: could not be asked" in checked.stderr

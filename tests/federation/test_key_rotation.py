"""Rotating a node key between two live nodes: during a burst of shares both ways, and
while the partner is offline. Nothing lost, nothing applied twice, both audit chains
verify, and the old key is refused once its grace period is over."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import OKPKey

from liaison.exchange import keys
from liaison.exchange.protocol import envelope_claims, sign, unverified_claims, uuid7
from tests.exchange.test_hostile import person
from tests.federation.conftest import Node, peer

pytestmark = [
    pytest.mark.federation,
    pytest.mark.xdist_group("federation-keys"),
    pytest.mark.timeout(900),
]

PERSONS, ROUNDS = 40, 5  # 200 person.upsert envelopes each way


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


@pytest.fixture(autouse=True)
def _both_serving_after_each_test(nodes: tuple[Node, Node]) -> Iterator[None]:
    # The nodes are the module's and the tests run in any order: a test that failed while
    # fr was down must not leave it down for the next one.
    yield
    for node in nodes:
        if node.server is None or node.server.poll() is not None:
            node.start()


def burst(
    sender: Node, partner: str, prefix: str, persons: int = PERSONS
) -> subprocess.Popen[bytes]:
    code = (
        "from tests.federation.helpers import burst; "
        f"burst({persons}, {ROUNDS}, {partner!r}, {prefix!r})"
    )
    return sender._popen("shell", "--no-imports", "-c", code)


def drained(node: Node, at_least: int) -> None:
    outbox = node.call("wait_delivered", at_least, True, 240, timeout=300)
    assert not outbox["timed_out"] and outbox["rejected"] == 0, (outbox, node.cli("peers", "list"))


def received_once_in_order(node: Node, prefix: str, persons: int = PERSONS) -> None:
    state = node.call("state", prefix)
    assert len(state["persons"]) == persons
    assert set(state["persons"].values()) == {ROUNDS}
    inbox = state["inbox"]
    assert inbox["applied_for_prefix"] == persons * ROUNDS  # each envelope applied once
    assert inbox["in_version_order"]
    assert inbox["rows"] == inbox["distinct_ids"]
    assert inbox["statuses"].get("rejected", 0) == 0, inbox["rejections"]


def delivered(node: Node) -> int:
    return int(node.call("wait_delivered", 0, False, 0)["delivered"])


def own_key(node: Node) -> OKPKey:
    return OKPKey.import_key(keys.key_path(node.data_dir).read_bytes())


def post_as(sender: Node, receiver: Node, key: OKPKey) -> tuple[int, dict[str, Any]]:
    """A share from `sender` to `receiver`, signed with `key` (as an envelope in flight)."""
    claims = envelope_claims(
        envelope_id=uuid7(),
        sender=sender.node_id,
        recipient=receiver.node_id,
        seq=10**9,
        message_type="person.upsert",
        handling="H0",
        obj=person(
            sender.node_id,
            names=[
                {"full_name": "Grace Test", "kind": "primary", "given_names": "", "family_name": ""}
            ],
        ),
    )
    request = urllib.request.Request(  # noqa: S310
        f"{receiver.url}/federation/v1/envelopes",
        data=sign(claims, key).encode(),
        headers={"Content-Type": "application/jose"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, unverified_claims(response.read())
    except urllib.error.HTTPError as error:
        return error.code, unverified_claims(error.read())


def test_rotating_during_a_burst_both_ways_loses_nothing_and_retires_the_old_key(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    old = own_key(ma)
    # The nodes are the module's: the other test may have rotated and sent first. Count from
    # here.
    sent_ma, sent_fr = delivered(ma), delivered(fr)
    fr_before, ma_before = fr.call("key_state", "ma"), ma.call("key_state", "fr")
    to_fr, to_ma = burst(ma, "fr", "Outward"), burst(fr, "ma", "Inward")
    wait = ma.call("wait_delivered", sent_ma + PERSONS, False, 240, timeout=300)  # mid-burst
    assert not wait["timed_out"], wait

    rotated = ma.cli("keys", "rotate")

    new = keys.fingerprint(own_key(ma))
    assert f"fingerprint {new}" in rotated
    assert to_fr.wait(timeout=600) == 0 and to_ma.wait(timeout=600) == 0
    drained(ma, sent_ma + PERSONS * ROUNDS + 1)  # the shares and the announcement
    drained(fr, sent_fr + PERSONS * ROUNDS)
    received_once_in_order(fr, "Outward")
    received_once_in_order(ma, "Inward")

    at_fr, at_ma = fr.call("key_state", "ma"), ma.call("key_state", "fr")
    assert at_fr["pinned"] == new
    assert at_fr["retired"] == [*fr_before["retired"], keys.fingerprint(old)]
    # Audited on the partner's side…
    assert at_fr["rotations"] == [*fr_before["rotations"], ["peer", new]]
    # …and here.
    assert at_ma["rotations"] == [*ma_before["rotations"], ["node_key", new]]
    assert at_ma["our_key"] == ""
    assert not keys.retired_fingerprints(ma.data_dir)  # fr acknowledged: old key deleted
    for node in (ma, fr):
        node.cli("audit", "verify")

    # An envelope signed with the old key (in flight when ma rotated) is still taken…
    status, receipt = post_as(ma, fr, old)
    assert (status, receipt["status"]) == (200, "applied"), receipt
    # …until the grace period is over.
    assert fr.call("age_retired_keys", "ma")["aged"] == len(at_fr["retired"])
    status, receipt = post_as(ma, fr, old)
    assert (status, receipt["reason"]) == (401, "bad_signature")
    status, receipt = post_as(ma, fr, own_key(ma))
    assert (status, receipt["status"]) == (200, "applied")
    fr.cli("audit", "verify")


def test_a_partner_offline_during_two_rotations_learns_both_when_back(
    nodes: tuple[Node, Node], tmp_path: Path
) -> None:
    ma, fr = nodes
    fr.kill()
    ma.cli("keys", "rotate")
    middle = keys.fingerprint(own_key(ma))
    ma.cli("keys", "rotate")  # twice, quickly: fr knows neither yet
    latest = keys.fingerprint(own_key(ma))
    assert burst(ma, "fr", "Offline", persons=10).wait(timeout=300) == 0
    waiting = ma.call("key_state", "fr")["our_key"]
    assert waiting not in ("", middle, latest)
    # A backup now keeps the keys fr still needs (the one it knows, the one it will learn).
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple\n")
    passphrase.chmod(0o600)
    ma.cli("backup", str(tmp_path / "ma.age"), "--passphrase-file", str(passphrase))
    manifest = ma.cli(
        "restore", str(tmp_path / "ma.age"), "--passphrase-file", str(passphrase), "--check"
    )
    for fp in (waiting, middle):
        assert keys.retired_path(ma.data_dir, fp).name in manifest

    fr.start()

    drained(ma, 0)
    received_once_in_order(fr, "Offline", persons=10)
    at_fr = fr.call("key_state", "ma")
    assert at_fr["pinned"] == latest
    assert at_fr["retired"][-1] == middle
    assert ma.call("key_state", "fr")["our_key"] == ""
    for node in (ma, fr):
        node.cli("audit", "verify")

"""Three live nodes: ma shares with two partners, fr and es, who are also partners of each
other. Shares, changes and withdrawals reach both; a hit goes back to the owner only; a
resync restores one partner and leaves the other alone; crashes (SIGKILL) of a receiver and
of the sending workers during a 1,000-envelope burst lose nothing and apply nothing twice.

One trio for the module. Each test records its own persons and asserts on them (or on
deltas), and starts with every node serving and ma's worker running: any order works.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.federation.conftest import ROOT, Node, wait_for

# Bursts to two partners with crashes: more than the default time limit.
pytestmark = [
    pytest.mark.federation,
    pytest.mark.xdist_group("federation-three"),
    pytest.mark.timeout(900),
]

Trio = tuple[Node, Node, Node]
PARTNERS = ("fr", "es")
PERSONS, ROUNDS = 100, 5  # x 2 partners: 1,000 person.upsert envelopes per burst
PURPOSE = "purpose=federation+test+check"
WARRANT = {
    "issuing_country": "MA",
    "issuing_authority": "Procureur du Roi, Tanger",
    "reference": "MA-2026-0311",
    "issued_on": "2026-02-10",
    "offences": ["drugs"],
    "max_penalty_months": 96,
    "extradition_sought": True,
}
ALERT = {
    "alert_type": "arrest",
    "action_on_hit": "Arrest and inform the liaison officer.",
    "not_political_declared": True,
}


def _person(name: str, place_of_birth: str = "Tanger") -> dict[str, Any]:
    return {
        "category": "wanted",
        "names": [{"full_name": name, "kind": "primary"}],
        "sex": "M",
        "birth_dates": ["1986-07-21"],
        "nationalities": ["MA"],
        "place_of_birth": place_of_birth,
        "handling_code": "H1",
    }


def call(node: Node, function: str, *args: Any) -> Any:
    """Run tests.federation.trio_helpers.FUNCTION(*args) in the node; its JSON output."""
    code = f"from tests.federation.trio_helpers import {function}; {function}(*{args!r})"
    return json.loads(node.cli("shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def _mesh(nodes: list[Node]) -> None:
    """Every node pins every other's key by fingerprint (as operators would by phone); the
    six `peers add` run at once, as they would on three hosts."""
    keys = {node.node_id: node.fingerprint() for node in nodes}
    adding = [
        (one, _peers_add(one, other, *keys[other.node_id]))
        for one in nodes
        for other in nodes
        if other is not one
    ]
    for one, process in adding:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, f"{one.node_id} peers add: {err.decode()}"


def _peers_add(one: Node, other: Node, fingerprint: str, key: str) -> subprocess.Popen[bytes]:
    args = ["peers", "add", other.node_id, other.url, "--fingerprint", fingerprint]
    args.append(f"--public-key={key}")  # a base64url key may start with "-"
    return subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", *args],
        cwd=ROOT,
        env=one.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def trio(make_nodes: Callable[..., list[Node]]) -> Trio:
    """ma serves without an in-process worker: its workers are processes the tests kill."""
    ma, fr, es = make_nodes("ma", "fr", "es")
    _mesh([ma, fr, es])
    ma.start(worker=False)
    fr.start()
    es.start()
    return ma, fr, es


@pytest.fixture
def nodes(trio: Trio) -> Trio:
    """The trio, each node serving and ma with a live sending worker (a test before may
    have killed one)."""
    ma = trio[0]
    for node in trio:
        if node.server is None or node.server.poll() is not None:
            node.start(worker=node is not ma)
    if not _live_workers(ma):
        ma.start_worker()
    return trio


def _live_workers(node: Node) -> list[subprocess.Popen[bytes]]:
    return [w for w in node.workers if w.poll() is None]


def _record(ma: Node, name: str) -> tuple[str, str, str]:
    status, created = ma.api("POST", "/persons", _person(name))
    assert status == 201, created
    uid = created["uid"]
    status, warrant = ma.api("POST", f"/persons/{uid}/warrants", WARRANT)
    assert status == 201, warrant
    status, alert = ma.api("POST", f"/persons/{uid}/alerts", {**ALERT, "warrant": warrant["uid"]})
    assert status == 201, alert
    return uid, warrant["uid"], alert["uid"]


def _share_with_both(ma: Node, uid: str) -> None:
    for partner in PARTNERS:
        status, shared = ma.api("POST", f"/persons/{uid}/shares", {"partner": partner})
        assert status == 201 and len(shared["envelopes"]) == 3 and shared["skipped"] == [], shared


def _on(node: Node, path: str) -> Any:
    status, body = node.api("GET", path)
    return body if status == 200 else None


def _find(node: Node, collection: str, uid: str) -> Any:
    return next((r for r in _on(node, f"/{collection}") or [] if r["uid"] == uid), None)


def _arrives(node: Node, collection: str, uid: str) -> Any:
    return wait_for(functools.partial(_find, node, collection, uid), timeout=60)


def _gone(node: Node, collection: str, uid: str) -> bool:
    return _find(node, collection, uid) is None


def _person_on(node: Node, uid: str) -> Any:
    return _on(node, f"/persons/{uid}?{PURPOSE}")


def _drained(node: Node) -> dict[str, Any]:
    outbox = node.call("wait_delivered", 0, True, 120)
    assert not outbox["timed_out"] and outbox["rejected"] == 0, outbox
    return dict(outbox)


def test_a_person_with_a_warrant_and_an_alert_shared_with_two_partners_reaches_both(
    nodes: Trio,
) -> None:
    ma, fr, es = nodes
    uid, warrant_uid, alert_uid = _record(ma, "Hamza Berrada")
    _share_with_both(ma, uid)

    original = _person_on(ma, uid)
    same = ["uid", "version", "handling_code", "category", "sex", "names", "birth_dates"]
    for partner in (fr, es):
        alert = _arrives(partner, "alerts", alert_uid)
        assert alert == _find(ma, "alerts", alert_uid) and alert["warrant"] == warrant_uid
        assert _find(partner, "warrants", warrant_uid) == _find(ma, "warrants", warrant_uid)
        copy = _person_on(partner, uid)
        assert {k: copy[k] for k in same} == {k: original[k] for k in same}
        assert copy["owner_node"] == "ma" and copy["received_at"]
    sent = call(ma, "sent_about", [uid, warrant_uid, alert_uid])
    per_partner = [["person.upsert", 1], ["warrant.upsert", 1], ["alert.upsert", 1]]
    for partner in PARTNERS:
        assert [r[1:3] for r in sent if r[0] == partner] == per_partner


def test_a_change_and_a_withdrawal_reach_both_partners(nodes: Trio) -> None:
    ma, fr, es = nodes
    uid, warrant_uid, alert_uid = _record(ma, "Omar Chraibi")
    _share_with_both(ma, uid)
    for partner in (fr, es):
        _arrives(partner, "alerts", alert_uid)

    status, changed = ma.api("PUT", f"/persons/{uid}", _person("Omar Chraibi", "Tétouan"))
    assert status == 200 and changed["version"] == 2, changed
    assert ma.api("POST", f"/alerts/{alert_uid}/status", {"status": "located"})[0] == 200
    for partner in (fr, es):
        copy = wait_for(lambda p=partner: _version_on(p, uid, 2))
        assert copy["place_of_birth"] == "Tétouan"
        wait_for(lambda p=partner: (_find(p, "alerts", alert_uid) or {}).get("status") == "located")

    why = {"reason": "arrested in Tétouan"}
    assert ma.api("POST", f"/alerts/{alert_uid}/status", {"status": "closed", **why})[0] == 200
    assert (
        ma.api("POST", f"/warrants/{warrant_uid}/status", {"status": "executed", **why})[0] == 200
    )
    status, _ = ma.api("DELETE", f"/persons/{uid}?reason=arrested+and+extradited", user="sup")
    assert status == 204
    for partner in (fr, es):
        wait_for(lambda p=partner: p.api("GET", f"/persons/{uid}?{PURPOSE}")[0] == 404)
        assert _gone(partner, "alerts", alert_uid) and _gone(partner, "warrants", warrant_uid)

    # Each partner confirmed each deletion with a signed receipt, held by the owner.
    _drained(ma)
    sent = call(ma, "sent_about", [uid, warrant_uid, alert_uid])
    for partner in PARTNERS:
        withdrawals = [
            [r[1], *r[3:]] for r in sent if r[0] == partner and r[1].endswith(".withdraw")
        ]
        # The executed warrant was updated at the partners, not withdrawn; erasing the person
        # withdrew it, and the partner's copy of its warrant with it.
        assert sorted(withdrawals) == [
            ["alert.withdraw", "delivered", "applied"],
            ["person.withdraw", "delivered", "applied"],
        ]


def _version_on(node: Node, uid: str, version: int) -> Any:
    copy = _person_on(node, uid)
    return copy if copy and copy["version"] == version else None


def test_a_hit_recorded_by_one_partner_goes_back_to_the_owner_only(nodes: Trio) -> None:
    ma, fr, es = nodes
    uid, _warrant, alert_uid = _record(ma, "Youssef Amrani")
    _share_with_both(ma, uid)
    for partner in (fr, es):
        _arrives(partner, "alerts", alert_uid)
    hit = {
        "encountered_name": "Youssef Amrani",
        "encountered_on": "2026-06-01T10:00:00Z",
        "place": "Port of Marseille",
        "context": "border_check",
        "alert": alert_uid,
    }
    status, recorded = fr.api("POST", f"/persons/{uid}/hits", hit)
    assert status == 201, recorded
    hit_uid = recorded["uid"]

    on_ma = _arrives(ma, "hits", hit_uid)
    assert on_ma["owner_node"] == "fr" and on_ma["person"] == uid and on_ma["alert"] == alert_uid
    _drained(fr)  # all fr will ever send about it is sent
    assert call(fr, "sent_about", [hit_uid]) == [["ma", "hit.notify", 1, "delivered", "applied"]]
    assert call(ma, "sent_about", [hit_uid]) == []  # the owner does not pass it on
    assert call(es, "received_about", [hit_uid]) == []
    assert _gone(es, "hits", hit_uid)


def test_resync_restores_a_partner_that_lost_its_data_and_leaves_the_other_alone(
    nodes: Trio,
) -> None:
    ma, fr, es = nodes
    uid, warrant_uid, alert_uid = _record(ma, "Nadia Alaoui")
    _share_with_both(ma, uid)
    for partner in (fr, es):
        _arrives(partner, "alerts", alert_uid)
    _drained(ma)
    queued_before, es_before = call(ma, "queued"), _registry_and_inbox(es)

    assert fr.call("wipe_registry") == {"persons": 0}
    assert _person_on(fr, uid) is None
    out = ma.cli("peers", "resync", "fr")
    assert "envelopes queued for fr" in out

    _arrives(fr, "alerts", alert_uid)
    assert _find(fr, "warrants", warrant_uid)
    assert _person_on(fr, uid)["names"][0]["full_name"] == "Nadia Alaoui"
    _drained(ma)
    queued_after = call(ma, "queued")
    assert queued_after["es"] == queued_before["es"]  # nothing queued for es
    assert queued_after["fr"] > queued_before["fr"]
    assert _registry_and_inbox(es) == es_before
    assert _person_on(es, uid)["version"] == 1


def _registry_and_inbox(node: Node) -> dict[str, Any]:
    state = node.call("state")
    registry = {part: state[part] for part in ("persons", "warrants", "alerts", "hits")}
    return registry | {"received": call(node, "received")}


# Crashes mid-burst: 100 persons shared with both partners, then changed four times.


HOLD_AT = PERSONS * len(PARTNERS)  # the burst waits there for the test's go


def _burst(ma: Node, prefix: str) -> tuple[subprocess.Popen[bytes], Path]:
    """The burst, held once every person is shared, until the returned file is touched:
    what follows is queued after the test's kill, however fast the first part went."""
    go = ma.data_dir / f"go-{prefix}"
    go.unlink(missing_ok=True)
    args = (PERSONS, ROUNDS, list(PARTNERS), prefix, HOLD_AT, str(go))
    code = f"from tests.federation.trio_helpers import burst_shared; burst_shared(*{args!r})"
    return ma._popen("shell", "--no-imports", "-c", code), go


def _delivered(ma: Node) -> int:
    return int(ma.call("wait_delivered", 0, False, 0)["delivered"])


def _pending(ma: Node) -> int:
    return int(ma.call("wait_delivered", 0, False, 0)["pending"])


def _wait(ma: Node, at_least: int, *, drained: bool) -> dict[str, Any]:
    outbox = ma.call("wait_delivered", at_least, drained, 300)
    assert not outbox["timed_out"], outbox
    return dict(outbox)


def _each_partner_has_every_version_once(nodes: Trio, prefix: str) -> None:
    for partner in nodes[1:]:
        state = partner.call("state", prefix)
        assert len(state["persons"]) == PERSONS, partner.node_id
        assert set(state["persons"].values()) == {ROUNDS}  # every copy at its last version
        inbox = state["inbox"]
        assert inbox["applied_for_prefix"] == PERSONS * ROUNDS  # each envelope applied once
        assert inbox["in_version_order"]
        assert inbox["rows"] == inbox["distinct_ids"]
        assert inbox["statuses"].get("rejected", 0) == 0
    for node in nodes:
        out = node.cli("audit", "verify")
        assert out.startswith("OK:"), f"{node.node_id}: {out}"


def test_killing_a_receiver_mid_burst_loses_nothing_and_applies_nothing_twice(
    nodes: Trio,
) -> None:
    ma, fr, _es = nodes
    before = _delivered(ma)
    burst, go = _burst(ma, "Receiver")
    _wait(ma, before + 150, drained=False)
    fr.kill()
    go.touch()
    # The sender keeps queueing, retrying fr and delivering to es meanwhile.
    seen = ma.call("wait_failures", "fr", 1, 120, timeout=180)
    assert not seen["timed_out"], seen
    fr.start()
    assert burst.wait(timeout=300) == 0
    outbox = _wait(ma, before + PERSONS * ROUNDS * len(PARTNERS), drained=True)
    assert outbox["rejected"] == 0 and _live_workers(ma)
    _each_partner_has_every_version_once(nodes, "Receiver")


def test_killing_the_sending_workers_mid_burst_loses_nothing_and_sends_nothing_twice(
    nodes: Trio,
) -> None:
    ma, _fr, _es = nodes
    before = _delivered(ma)
    ma.start_worker()  # two at once, one partner each or taking turns: never both on one
    burst, go = _burst(ma, "Sender")
    _wait(ma, before + 150, drained=False)
    for worker in _live_workers(ma):
        ma.kill(worker)
    stopped, pending = _delivered(ma), _pending(ma)
    go.touch()
    # With no worker left nothing is sent, while the burst keeps queueing.
    wait_for(lambda: burst.poll() is not None or _pending(ma) >= pending + 50, timeout=120)
    assert _delivered(ma) == stopped
    ma.start_worker()
    assert burst.wait(timeout=300) == 0
    outbox = _wait(ma, before + PERSONS * ROUNDS * len(PARTNERS), drained=True)
    assert outbox["rejected"] == 0
    _each_partner_has_every_version_once(nodes, "Sender")

"""Two live nodes: sharing ma → fr, hits back to ma, withdrawals, resync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.federation.conftest import Node, peer, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-sharing")]

PERSON = {
    "category": "wanted",
    "names": [
        {"full_name": "محمد بن عبد الله الإدريسي", "kind": "primary"},
        {"full_name": "Mohamed Ben Abdallah El Idrissi", "kind": "transliteration"},
    ],
    "sex": "M",
    "birth_dates": ["1984-03-12"],
    "nationalities": ["MA"],
    "place_of_birth": "Fès",
    "country_of_birth": "MA",
    "documents": [{"document_type": "passport", "number": "MA1234567", "issuing_country": "MA"}],
    "handling_code": "H1",
}
WARRANT = {
    "issuing_country": "MA",
    "issuing_authority": "Procureur du Roi, Casablanca",
    "reference": "MA-2026-0042",
    "issued_on": "2026-03-01",
    "offences": ["drugs"],
    "max_penalty_months": 120,
    "extradition_sought": True,
}
ALERT = {
    "alert_type": "arrest",
    "action_on_hit": "Arrest and inform the liaison officer.",
    "not_political_declared": True,
}
PURPOSE = "purpose=federation+test+check"


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


def _record(ma: Node, person: dict[str, Any]) -> tuple[str, str, str]:
    status, created = ma.api("POST", "/persons", person)
    assert status == 201, created
    uid = created["uid"]
    status, warrant = ma.api("POST", f"/persons/{uid}/warrants", WARRANT)
    assert status == 201, warrant
    status, alert = ma.api("POST", f"/persons/{uid}/alerts", {**ALERT, "warrant": warrant["uid"]})
    assert status == 201, alert
    return uid, warrant["uid"], alert["uid"]


def _on(node: Node, path: str) -> Any:
    status, body = node.api("GET", path)
    return body if status == 200 else None


def _find(node: Node, collection: str, uid: str) -> Any:
    return next((r for r in _on(node, f"/{collection}") or [] if r["uid"] == uid), None)


def test_a_shared_person_with_warrant_and_alert_appears_on_the_partner(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    uid, warrant_uid, alert_uid = _record(ma, PERSON)
    status, shared = ma.api("POST", f"/persons/{uid}/shares", {"partner": "fr"})
    assert status == 201 and len(shared["envelopes"]) == 3 and shared["skipped"] == []

    copy = wait_for(lambda: _on(fr, f"/persons/{uid}?{PURPOSE}"), timeout=30)
    original = _on(ma, f"/persons/{uid}?{PURPOSE}")
    same = ["uid", "version", "handling_code", "category", "sex", "names", "birth_dates"]
    same += ["nationalities", "place_of_birth", "country_of_birth"]
    assert {k: copy[k] for k in same} == {k: original[k] for k in same}
    assert copy["owner_node"] == "ma" and copy["received_at"] and not original["received_at"]

    warrant = wait_for(lambda: _find(fr, "warrants", warrant_uid))
    assert warrant == _find(ma, "warrants", warrant_uid)
    alert = wait_for(lambda: _find(fr, "alerts", alert_uid))
    assert alert == _find(ma, "alerts", alert_uid) and alert["warrant"] == warrant_uid

    # fr's officers find the received person by search, in the other script.
    status, found = fr.api("GET", f"/persons?name=Mohammed+Ben+Abdallah&{PURPOSE}")
    assert status == 200 and uid in [r["person"]["uid"] for r in found["results"]]
    # A received record is read-only on the partner.
    status, _ = fr.api("PUT", f"/persons/{uid}", PERSON)
    assert status == 403


def test_a_hit_recorded_on_the_partner_appears_on_the_owner(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    uid, _warrant, alert_uid = _record(ma, {**PERSON, "names": [{"full_name": "Youssef Amrani"}]})
    assert ma.api("POST", f"/persons/{uid}/shares", {"partner": "fr"})[0] == 201
    wait_for(lambda: _find(fr, "alerts", alert_uid))
    hit = {
        "encountered_name": "Youssef Amrani",
        "encountered_on": "2026-06-01T10:00:00Z",
        "place": "Port of Marseille",
        "context": "border_check",
        "alert": alert_uid,
    }
    status, recorded = fr.api("POST", f"/persons/{uid}/hits", hit)
    assert status == 201, recorded

    on_ma = wait_for(lambda: _find(ma, "hits", recorded["uid"]), timeout=30)
    assert on_ma["owner_node"] == "fr" and on_ma["place"] == "Port of Marseille"
    assert on_ma["person"] == uid and on_ma["alert"] == alert_uid


DECISION = "Identité confirmée par empreintes : interpellez-le, l'extradition est demandée."


def test_the_owner_decides_on_a_partner_hit_and_the_partner_sees_it(
    nodes: tuple[Node, Node],
) -> None:
    """SIRENE "form G": fr records a hit on ma's person, ma confirms it with a message, fr
    sees the decision; ma's alert is located on both nodes; fr's action taken reaches ma;
    an executed warrant is updated at fr, not withdrawn."""
    ma, fr = nodes
    uid, warrant_uid, alert_uid = _record(ma, {**PERSON, "names": [{"full_name": "Rachid Benali"}]})
    assert ma.api("POST", f"/persons/{uid}/shares", {"partner": "fr"})[0] == 201
    wait_for(lambda: _find(fr, "alerts", alert_uid))
    hit = {
        "encountered_name": "Rachid Benali",
        "encountered_on": "2026-06-01T10:00:00Z",
        "place": "Gare de Lyon, Paris",
        "context": "border_check",
        "alert": alert_uid,
    }
    status, recorded = fr.api("POST", f"/persons/{uid}/hits", hit)
    assert status == 201, recorded
    wait_for(lambda: _find(ma, "hits", recorded["uid"]), timeout=30)
    assert fr.call("name_peer", "ma", "Sûreté nationale (test)") == {"updated": 1}

    # Only the liaison officer decides: the supervisor is refused and nothing is sent.
    body = {"decision": "confirmed", "message": DECISION}
    status, _ = ma.api("POST", f"/hits/{recorded['uid']}/decision", body, user="sup")
    assert status == 403
    status, decided = ma.api("POST", f"/hits/{recorded['uid']}/decision", body)
    assert status == 201, decided

    def decisions_on_fr() -> Any:
        return (_find(fr, "hits", recorded["uid"]) or {}).get("decisions") or None

    [seen] = wait_for(decisions_on_fr, timeout=30)
    assert (seen["uid"], seen["owner_node"], seen["decision"]) == (
        decided["uid"],
        "ma",
        "confirmed",
    )
    assert seen["message"] == DECISION and seen["decided_by_name"] == "lo"
    assert seen["decided_by_agency"] == "Sûreté nationale (test)" and seen["decided_on"]
    assert _find(ma, "alerts", alert_uid)["status"] == "located"
    wait_for(lambda: (_find(fr, "alerts", alert_uid) or {}).get("status") == "located")

    # The recorder's action taken and disposition travel back to the owner.
    answer = {"disposition": "confirmed", "action_taken": "Interpellé.", "reason": "Confirmed."}
    assert fr.api("POST", f"/hits/{recorded['uid']}/disposition", answer)[0] == 200
    on_ma = wait_for(
        lambda: (h := _find(ma, "hits", recorded["uid"])) and h["disposition"] == "confirmed" and h
    )
    assert on_ma["action_taken"] == "Interpellé." and on_ma["decisions"][0]["message"] == DECISION

    # Executing the warrant updates fr's copy: it stays, marked executed.
    executed = {"status": "executed", "reason": "Arrested in Paris on this hit."}
    assert ma.api("POST", f"/warrants/{warrant_uid}/status", executed)[0] == 200
    wait_for(lambda: (_find(fr, "warrants", warrant_uid) or {}).get("status") == "executed")


def test_the_policy_refuses_flagged_records_with_the_reason(nodes: tuple[Node, Node]) -> None:
    ma, _fr = nodes
    status, person = ma.api("POST", "/persons", {**PERSON, "neutrality_flag": True})
    assert status == 201
    status, refused = ma.api("POST", f"/persons/{person['uid']}/shares", {"partner": "fr"})
    assert status == 403 and "never shared" in refused["detail"]
    status, refused = ma.api("POST", f"/persons/{PERSON_UID_UNKNOWN}/shares", {"partner": "fr"})
    assert status == 404


PERSON_UID_UNKNOWN = "00000000-0000-0000-0000-000000000000"


def test_withdrawal_removes_the_partner_copy_and_is_confirmed(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    person = {**PERSON, "names": [{"full_name": "Karim Tazi"}]}
    uid, warrant_uid, alert_uid = _record(ma, person)
    assert ma.api("POST", f"/persons/{uid}/shares", {"partner": "fr"})[0] == 201
    wait_for(lambda: _find(fr, "alerts", alert_uid))

    why = {"reason": "Cancelled by the issuing court."}
    assert ma.api("POST", f"/alerts/{alert_uid}/status", {"status": "withdrawn", **why})[0] == 200
    wait_for(lambda: _find(fr, "alerts", alert_uid) is None)
    moved = ma.api("POST", f"/warrants/{warrant_uid}/status", {"status": "withdrawn", **why})
    assert moved[0] == 200
    wait_for(lambda: _find(fr, "warrants", warrant_uid) is None)
    assert _on(fr, f"/persons/{uid}?{PURPOSE}") is not None  # the person stays shared

    status, _ = ma.api("DELETE", f"/persons/{uid}?reason=arrested+and+extradited", user="sup")
    assert status == 204
    wait_for(lambda: fr.api("GET", f"/persons/{uid}?{PURPOSE}")[0] == 404)
    # The owner holds the partner's signed confirmation of each deletion.
    assert not ma.call("wait_delivered", 0, True, 30)["timed_out"]
    sent = _withdrawals_confirmed(ma)
    assert sent == {
        "alert.withdraw": "applied",
        "warrant.withdraw": "applied",
        "person.withdraw": "applied",
    }


def _withdrawals_confirmed(ma: Node) -> dict[str, str] | None:
    last = ma.call("state")["outbox"]["last_receipt_by_type"]
    found = {t: s for t, s in last.items() if t.endswith(".withdraw")}
    return found if len(found) == 3 else None


def test_resync_restores_a_partner_that_lost_its_data(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    uid, warrant_uid, alert_uid = _record(ma, {**PERSON, "names": [{"full_name": "Nadia Alaoui"}]})
    assert ma.api("POST", f"/persons/{uid}/shares", {"partner": "fr"})[0] == 201
    wait_for(lambda: _find(fr, "alerts", alert_uid))

    assert fr.call("wipe_registry") == {"persons": 0}
    assert _on(fr, f"/persons/{uid}?{PURPOSE}") is None
    out = ma.cli("peers", "resync", "fr")
    assert "envelopes queued for fr" in out

    wait_for(lambda: _find(fr, "alerts", alert_uid))
    assert _find(fr, "warrants", warrant_uid)
    assert _on(fr, f"/persons/{uid}?{PURPOSE}")["names"][0]["full_name"] == "Nadia Alaoui"


def test_an_event_travels_through_the_same_contract_and_its_changes_follow(
    nodes: tuple[Node, Node],
) -> None:
    """Events plug into the exchange from their own app: nothing in exchange/ knows them."""
    ma, fr = nodes
    event = {
        "name": "FIFA World Cup 2030",
        "starts_on": "2030-06-13",
        "ends_on": "2030-07-21",
        "host_node": "ma",
        "partner_nodes": ["fr"],
        "venues": ["Casablanca", "Rabat"],
        "handling_code": "H1",
    }
    status, created = ma.api("POST", "/events", event)
    assert status == 201, created
    uid = created["uid"]
    assert ma.api("POST", f"/events/{uid}/shares", {"partner": "fr"})[0] == 201
    copy = wait_for(lambda: _on(fr, f"/events/{uid}"))
    assert (copy["owner_node"], copy["handling_code"], copy["venues"]) == (
        "ma",
        "H1",
        ["Casablanca", "Rabat"],
    )
    assert copy["received_at"] is not None
    changed = {**event, "venues": ["Casablanca", "Rabat", "Tanger"]}
    assert ma.api("PUT", f"/events/{uid}", changed)[0] == 200
    wait_for(lambda: (_on(fr, f"/events/{uid}") or {}).get("version") == 2)
    assert _on(fr, f"/events/{uid}")["venues"] == ["Casablanca", "Rabat", "Tanger"]


def test_a_stadium_ban_is_shared_with_its_person_then_expires_on_both_nodes(
    nodes: tuple[Node, Node],
) -> None:
    """Recorded on ma, shared to fr (the person goes with it), seen on fr; expired by ma's
    job as of the day after its end, and fr's copy expires with it (version 2)."""
    ma, fr = nodes
    status, person = ma.api("POST", "/persons", {**PERSON, "names": [{"full_name": "Hamza Ouali"}]})
    assert status == 201, person
    ban = {
        "person": person["uid"],
        "kind": "stadium_ban",
        "issuing_authority": "Tribunal de première instance de Casablanca",
        "valid_from": "2026-01-01",
        "valid_until": "2099-12-31",
        "grounds": "Violence in the stands, 2025-11-02.",
        "competitions": "Botola Pro",
    }
    status, created = ma.api("POST", "/bans", ban, user="lo")
    assert status == 201, created
    uid = created["uid"]
    status, shared = ma.api("POST", f"/bans/{uid}/shares", {"partner": "fr"})
    assert status == 201 and len(shared["envelopes"]) == 2, shared  # the person, the ban
    copy = wait_for(lambda: _on(fr, f"/bans/{uid}"), timeout=30)
    assert (copy["owner_node"], copy["person"], copy["status"]) == ("ma", person["uid"], "active")
    assert copy["received_at"] and copy["issuing_authority"] == ban["issuing_authority"]
    assert fr.api("POST", f"/bans/{uid}/withdrawal", {"reason": "not ours"})[0] == 403

    out = ma.cli("expire-bans", "--now", "2100-01-01T12:00:00+00:00")
    assert f"expired ban {uid}" in out
    assert _on(ma, f"/bans/{uid}")["status"] == "expired"
    wait_for(lambda: (_on(fr, f"/bans/{uid}") or {}).get("version") == 2)
    assert _on(fr, f"/bans/{uid}")["status"] == "expired"


def test_every_send_and_receipt_is_audited_and_peers_list_shows_state(
    nodes: tuple[Node, Node],
) -> None:
    """Self-contained (the module's nodes may be fresh when xdist runs this test first)."""
    ma, fr = nodes
    before_ma, before_fr = ma.call("state"), fr.call("state")
    uid, _warrant_uid, alert_uid = _record(ma, {**PERSON, "handling_code": "H0"})
    assert ma.api("POST", f"/persons/{uid}/shares", {"partner": "fr"})[0] == 201
    wait_for(lambda: _find(fr, "alerts", alert_uid))
    wait_for(lambda: ma.peers()[0]["queue"] == 0)
    state_ma, state_fr = ma.call("state"), fr.call("state")

    def grew(before: dict[str, Any], after: dict[str, Any], action: str) -> int:
        counts = (after["audit"]["counts"], before["audit"]["counts"])
        return int(counts[0].get(action, 0)) - int(counts[1].get(action, 0))

    assert grew(before_ma, state_ma, "disclose") >= 3  # person, warrant, alert
    assert grew(before_fr, state_fr, "receive") >= 3
    assert state_fr["inbox"]["statuses"].get("rejected", 0) == 0
    (partner,) = ma.peers()
    assert partner["node_id"] == "fr" and partner["reachable"] is True
    assert partner["queue"] == 0 and partner["rejected"] == 0 and partner["delivered"] >= 3

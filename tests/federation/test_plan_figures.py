"""Two live nodes compute the same cooperation figures from their own data: what ma counts
as sent, fr counts as received, and the reverse (records shared, trainings, requests for
assistance, a partner's hit followed to an arrest). Each node has only its own database;
nothing is copied between them but the envelopes, so equal figures mean neither side lost
or double-counted an exchange."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.federation.conftest import Node, peer, wait_for

PURPOSE = "purpose=federation+test+check"

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-plan-figures")]


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


def _post(node: Node, path: str, body: dict[str, Any], *, expect: int = 201) -> Any:
    status, created = node.api("POST", path, body)
    assert status == expect, created
    return created


def _person(node: Node, name: str) -> str:
    person = {
        "category": "wanted",
        "names": [{"full_name": name, "kind": "primary"}],
        "handling_code": "H0",
    }
    uid = str(_post(node, "/persons", person)["uid"])
    partner = "fr" if node.node_id == "ma" else "ma"
    _post(node, f"/persons/{uid}/shares", {"partner": partner})
    return uid


def _quiet(node: Node) -> bool:
    """Every envelope this node queued has been delivered."""
    return all(p["queue"] == 0 for p in node.peers())


def _figures(node: Node, period: str, user: str = "sup") -> dict[str, dict[str, Any]]:
    status, body = node.api("GET", f"/indicators?{period}", user=user)
    assert status == 200, body
    return {i["key"]: dict(zip(i["rows"], i["values"], strict=True)) for i in body}


def _column(figures: dict[str, Any], index: int) -> list[Any]:
    return [values[index] for values in figures.values()]


def test_both_nodes_count_the_same_exchanges(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    for name in ("Karim Benali", "Youssef Alaoui"):
        _person(ma, name)
    _person(fr, "Nadia Haddad")
    today = date.today().isoformat()
    training = {
        "topic": "document_fraud",
        "title": "Fraude documentaire",
        "starts_on": today,
        "ends_on": today,
        "provider_node": "ma",
        "receiver_node": "fr",
        "place": "Rabat",
        "trainers": ["Cdt. Amrani"],
        "participants": 9,
        "attended": 8,
        "rating": "4.2",
    }
    training_uid = _post(ma, "/trainings", training)["uid"]
    _post(ma, f"/trainings/{training_uid}/shares", {"partner": "fr"}, expect=201)
    request = {
        "recipient_node": "fr",
        "request_type": "locate",
        "subject": "Localiser Karim Benali",
        "text": "Adresse actuelle ?",
        "urgency": "urgent",
    }
    uid = _post(ma, "/requests", request)["uid"]
    wait_for(lambda: fr.api("GET", f"/requests/{uid}")[0] == 200, timeout=60)
    _post(fr, f"/requests/{uid}/steps", {"step": "answer", "note": "Localisé."}, expect=200)
    wait_for(lambda: ma.api("GET", f"/requests/{uid}")[1]["status"] == "answered", timeout=60)
    wait_for(lambda: _quiet(ma) and _quiet(fr), timeout=60)

    # The current quarter and the next: the test may run across a quarter's end.
    quarter = f"{date.today().year}-Q{(date.today().month - 1) // 3 + 1}"
    period = f"from={quarter}&to={quarter}"
    here, there = _figures(ma, period), _figures(fr, period)

    sent, received = _column(here["shares"], 0), _column(there["shares"], 1)
    assert sent == received and sum(sent) >= 4  # two persons, the training, the request
    assert _column(there["shares"], 0) == _column(here["shares"], 1)
    assert sum(_column(there["shares"], 0)) >= 2  # a person, the request's reply
    assert _column(here["trainings"], 0) == _column(there["trainings"], 1) == [1]
    assert _column(here["trainings"], 2) == _column(there["trainings"], 2) == [9]
    assert here["requests_sent"] == there["requests_received"]
    assert sum(_column(here["requests_sent"], 0)) == 1


def _hit(node: Node, uid: str) -> dict[str, Any] | None:
    status, hits = node.api("GET", "/hits")
    assert status == 200, hits
    return next((h for h in hits if h["uid"] == uid), None)


def _quarters_now() -> tuple[str, str]:
    """This quarter alone, then this quarter and the next (empty: it is ahead). The figures
    are cached five minutes per user and period: two periods are two fresh computations."""
    today = datetime.now(UTC).date()  # the nodes' time zone (LIAISON_TIME_ZONE: UTC)
    year, number = today.year, (today.month - 1) // 3 + 1
    after = f"{year + 1}-Q1" if number == 4 else f"{year}-Q{number + 1}"
    return f"from={year}-Q{number}&to={year}-Q{number}", f"from={year}-Q{number}&to={after}"


def test_fr_arrests_mas_person_after_ma_confirms_its_hit_and_both_count_it(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    now, now_and_next = _quarters_now()
    before = {node.node_id: _figures(node, now, "lo")["hits"] for node in (ma, fr)}
    person = _person(ma, "Hamid Ouazzani")
    wait_for(lambda: fr.api("GET", f"/persons/{person}?{PURPOSE}")[0] == 200, timeout=60)
    met = datetime.now(UTC) - timedelta(minutes=5)
    hit = {
        "encountered_name": "Hamid Ouazzani",
        "encountered_on": met.isoformat(),
        "place": "Marseille, port",
        "context": "border_check",
    }
    uid = str(_post(fr, f"/persons/{person}/hits", hit)["uid"])
    arrested = {"outcome": "arrested", "on": met.date().isoformat()}
    _post(fr, f"/hits/{uid}/outcome", arrested, expect=400)  # not confirmed yet

    wait_for(lambda: _hit(ma, uid) is not None, timeout=60)
    decision = {"decision": "confirmed", "message": "C'est lui : interpellez-le."}
    _post(ma, f"/hits/{uid}/decision", decision)
    wait_for(lambda: bool((_hit(fr, uid) or {}).get("decisions")), timeout=60)
    _post(ma, f"/hits/{uid}/outcome", arrested, expect=403)  # fr's hit: only fr writes it
    recorded = _post(fr, f"/hits/{uid}/outcome", arrested, expect=200)
    assert (recorded["outcome"], recorded["arrested_on"]) == ("arrested", arrested["on"])

    seen = wait_for(lambda: (_hit(ma, uid) or {}).get("outcome") == "arrested", timeout=60)
    assert seen
    there = _hit(ma, uid)
    assert there is not None and (there["owner_node"], there["arrested_on"]) == (
        "fr",
        arrested["on"],
    )
    wait_for(lambda: _quiet(ma) and _quiet(fr), timeout=60)
    after = {node.node_id: _figures(node, now_and_next, "lo")["hits"] for node in (ma, fr)}
    # Series: ours, theirs, confirmed, false positive, located, arrested, extradited.
    for node_id, side in (("ma", 1), ("fr", 0)):
        gained = [
            sum(_column(after[node_id], i)) - sum(_column(before[node_id], i)) for i in range(7)
        ]
        expected = [0] * 7
        expected[side] = expected[2] = expected[5] = 1
        assert gained == expected, (node_id, gained)

"""Two live nodes compute the same cooperation figures from their own data: what ma counts
as sent, fr counts as received, and the reverse (records shared, trainings, requests for
assistance). Each node has only its own database; nothing is copied between them but the
envelopes, so equal figures mean neither side lost or double-counted an exchange."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tests.federation.conftest import Node, peer, wait_for

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


def _figures(node: Node, period: str) -> dict[str, dict[str, Any]]:
    status, body = node.api("GET", f"/indicators?{period}", user="sup")
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

"""Two live nodes: requests for assistance from ma to fr, answered, refused and escalated;
each node shows the same deadline, counted from receipt on fr."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.federation.conftest import Node, peer, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-assistance")]

PURPOSE = "purpose=federation+test+check"
PERSON = {
    "category": "wanted",
    "names": [{"full_name": "Karim Benali", "kind": "primary"}],
    "sex": "M",
    "birth_dates": ["1981-05-02"],
    "nationalities": ["FR"],
    "handling_code": "H0",
}


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


def _send(ma: Node, subject: str, urgency: str = "urgent") -> str:
    body = {
        "recipient_node": "fr",
        "request_type": "locate",
        "subject": subject,
        "text": "Adresse actuelle ?",
        "urgency": urgency,
    }
    status, created = ma.api("POST", "/requests", body)
    assert status == 201, created
    assert created["status"] == "sent" and created["due_at"] is None
    return str(created["uid"])


def _get(node: Node, uid: str) -> Any:
    status, body = node.api("GET", f"/requests/{uid}")
    return body if status == 200 else None


def _when(node: Node, uid: str, status: str) -> Any:
    return wait_for(lambda: (r := _get(node, uid)) and r["status"] == status and r, timeout=60)


def _step(node: Node, uid: str, step: dict[str, Any]) -> Any:
    status, body = node.api("POST", f"/requests/{uid}/steps", step)
    assert status == 200, body
    return body


def test_a_request_is_received_acknowledged_and_answered_with_a_person(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    uid = _send(ma, "Localiser Karim Benali", urgency="urgent_direct")
    there = _when(fr, uid, "received")
    here = _when(ma, uid, "received")
    received = datetime.fromisoformat(there["received_on"])
    assert datetime.fromisoformat(there["due_at"]) == received + timedelta(hours=8)
    assert here["due_at"] == there["due_at"]  # both nodes show the same deadline
    _step(fr, uid, {"step": "acknowledge"})
    _when(ma, uid, "acknowledged")
    status, person = fr.api("POST", "/persons", PERSON)
    assert status == 201, person
    answered = _step(
        fr, uid, {"step": "answer", "note": "Localisé à Lyon.", "persons": [person["uid"]]}
    )
    assert answered["closed_at"] is not None and answered["time_taken_seconds"] is not None
    here = _when(ma, uid, "answered")
    assert here["reply_text"] == "Localisé à Lyon."
    assert here["reply_persons"] == [person["uid"]]
    assert here["closed_at"] == answered["closed_at"]  # the clock stopped, the same on both
    assert here["due_at"] == answered["due_at"] and not here["overdue"]
    copy = wait_for(lambda: _person(ma, person["uid"]), timeout=30)
    assert copy["owner_node"] == "fr"  # shared through the normal person share
    steps = [entry["step"] for entry in here["timeline"]]
    assert steps == ["sent", "received", "acknowledge", "answer"]


def _person(node: Node, uid: str) -> Any:
    status, body = node.api("GET", f"/persons/{uid}?{PURPOSE}")
    return body if status == 200 else None


def test_a_refusal_with_its_reason_is_seen_by_the_requester(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    uid = _send(ma, "Vérifier un passeport")
    _when(fr, uid, "received")
    status, refused = fr.api("POST", f"/requests/{uid}/steps", {"step": "refuse", "note": ""})
    assert status == 400, refused  # a refusal states its reason
    note = "Pas de base légale pour cette vérification."
    status, refused = fr.api("POST", f"/requests/{uid}/steps", {"step": "refuse", "note": note})
    assert status == 400, refused  # and names its category
    _step(fr, uid, {"step": "refuse", "note": note, "refusal_category": "no_legal_basis"})
    here = _when(ma, uid, "refused")
    assert here["reply_text"] == "Pas de base légale pour cette vérification."
    assert here["refusal_category"] == "no_legal_basis"  # shown to the requester


def test_an_overdue_request_is_escalated_to_the_recipients_supervisors(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    uid = _send(ma, "Exécuter le mandat MA-2026-7")
    there = _when(fr, uid, "received")
    _when(ma, uid, "received")
    before = datetime.fromisoformat(there["due_at"]) - timedelta(minutes=1)
    assert "0 request(s)" in fr.cli("requests-escalate", "--now", before.isoformat())
    late = datetime.fromisoformat(there["due_at"]) + timedelta(hours=1)
    assert "1 request(s)" in fr.cli("requests-escalate", "--now", late.isoformat())
    assert _get(fr, uid)["escalated"] is True
    assert _desk(fr, "sup", "requests-overdue") == ["Exécuter le mandat MA-2026-7"]
    assert _desk(fr, "lo", "requests-overdue") is None  # a supervisor's section only
    assert _get(ma, uid)["escalated"] is False  # the recipient's own escalation stays there


def _desk(node: Node, username: str, section: str) -> list[str] | None:
    code = (
        "import json; from liaison.accounts.models import User; "
        "from liaison.desk.queries import sections_for; "
        f"user = User.objects.get(username={username!r}); "
        "print(json.dumps({s.source.key: [i.label for i in s.items] "
        "for s in sections_for(user, {})}))"
    )
    out = node.cli("shell", "--no-imports", "-c", code)
    sections: dict[str, list[str]] = json.loads(out.strip().splitlines()[-1])
    return sections.get(section)

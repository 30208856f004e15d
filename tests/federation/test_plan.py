"""Two live nodes share an action plan: a training recorded on ma is seen on fr, with its
material; ma's action reaches fr with its milestones; fr proposes a change to its status
and a milestone, ma (the owner) accepts it, and fr sees the new version."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.federation.conftest import Node, peer, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-plan")]

TRAINING = {
    "topic": "name_searching",
    "title": "Recherche de noms entre écritures arabe et latine",
    "starts_on": "2025-05-12",
    "ends_on": "2025-05-14",
    "provider_node": "ma",
    "receiver_node": "fr",
    "place": "Paris",
    "trainers": ["Cdt. Amrani"],
    "participants": 14,
    "attended": 14,
    "rating": "4.7",
}


MILESTONES = [
    {"title": "Listes croisées", "due_on": "2026-02-01", "reached_on": "2026-01-30"},
    {"title": "Bilan", "due_on": "2026-05-31", "reached_on": None},
]


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


def _get(node: Node, path: str) -> Any:
    status, body = node.api("GET", path)
    return body if status == 200 else None


def _post(node: Node, path: str, body: dict[str, Any]) -> Any:
    status, created = node.api("POST", path, body)
    assert status == 201, created
    return created


def _material(node: Node, path: str, data: bytes | None = None) -> Any:
    """POST a file (multipart) to `path`, or GET its bytes; the node's liaison officer."""
    boundary = uuid.uuid4().hex
    body = None
    if data is not None:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="programme.txt"\r\nContent-Type: text/plain\r\n\r\n'
        )
        body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{node.url}/api/v1{path}", data=body)  # noqa: S310
    request.add_header("Authorization", f"Bearer {node.tokens['lo']}")
    if data is not None:
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        content = response.read()
        return json.loads(content) if data is not None else content


def test_a_training_recorded_on_ma_is_visible_on_fr(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    uid = _post(ma, "/trainings", TRAINING)["uid"]
    # Attached before the share: it goes after the training when shared.
    text = "Programme\nJour 1 : noms arabes en écriture latine\n".encode()
    material = _material(ma, f"/trainings/{uid}/attachments", text)
    _post(ma, f"/trainings/{uid}/shares", {"partner": "fr"})
    copy = wait_for(lambda: _get(fr, f"/trainings/{uid}"), timeout=60)
    assert (copy["owner_node"], copy["attended"], copy["rating"]) == ("ma", 14, "4.7")
    assert copy["received_at"] is not None
    base = f"/trainings/{uid}/attachments"
    [listed] = wait_for(lambda: _get(fr, base), timeout=60)
    assert (listed["uid"], listed["owner_node"], listed["sha256"]) == (
        material["uid"],
        "ma",
        material["sha256"],
    )
    assert _material(fr, f"{base}/{material['uid']}") == text


def test_fr_proposes_a_change_to_mas_action_and_ma_decides(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    objective = _post(ma, "/objectives", {"code": "O2", "title": "Localiser les fugitifs"})
    action = {
        "objective": objective["uid"],
        "title": "Échange mensuel des listes de fugitifs",
        "starts_on": "2026-01-05",
        "due_on": "2026-06-30",
        "owners": [{"service": "ma", "person": "Cne. Idrissi"}],
        "milestones": MILESTONES,
    }
    uid = _post(ma, "/actions", action)["uid"]
    _post(ma, f"/objectives/{objective['uid']}/shares", {"partner": "fr"})
    copy = wait_for(lambda: _get(fr, f"/actions/{uid}"), timeout=60)
    assert copy["milestones"] == MILESTONES  # set by ma's owner, as fr holds them
    status, _body = fr.api(
        "PUT", f"/actions/{uid}", {k: v for k, v in action.items() if k != "objective"}
    )
    assert status == 403  # only the owner changes it
    reached = [MILESTONES[0], MILESTONES[1] | {"reached_on": "2026-05-29"}]
    change = {
        "changes": {"status": "in_progress", "milestones": reached},
        "reason": "Les listes circulent.",
    }
    proposal = _post(fr, f"/actions/{uid}/proposals", change)["uid"]
    wait_for(lambda: _get(ma, f"/actions/{uid}/proposals"), timeout=60)
    _post(ma, f"/proposals/{proposal}/decision", {"accepted": True, "reason": "D'accord."})
    there = wait_for(
        lambda: (a := _get(fr, f"/actions/{uid}")) and a["version"] == 2 and a, timeout=60
    )
    assert (there["status"], there["milestones"]) == ("in_progress", reached)
    decided = wait_for(
        lambda: (p := _get(fr, f"/actions/{uid}/proposals")) and p[0]["decision"] and p,
        timeout=60,
    )
    assert decided[0]["decision"]["accepted"] is True

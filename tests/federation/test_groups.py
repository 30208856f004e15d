"""Two live nodes: a working group set up on ma with ma's members reaches fr; fr's members
reach ma; neither node's members can be written by the other. A joint case opened on fr:
a task ma sets for fr is completed on fr and ma sees it done; a person ma links without
sharing it shows nowhere on fr."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.federation.conftest import Node, peer, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-groups")]


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


def _members(node: Node, uid: str) -> dict[str, list[tuple[str, bool]]] | None:
    status, body = node.api("GET", f"/groups/{uid}")
    if status != 200:
        return None
    return {p["node"]: [(m["name"], m["lead"]) for m in p["members"]] for p in body["members"]}


def test_a_group_and_each_side_members_reach_the_other_node(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    group = {
        "name": "Fugitifs Maroc-France",
        "theme": "fugitives",
        "mandate": "Localiser les fugitifs recherchés par les deux services.",
        "participant_nodes": ["fr"],
    }
    status, created = ma.api("POST", "/groups", group)
    assert status == 201, created
    uid = created["uid"]
    ours = {"members": [{"name": "Nadia Alaoui", "lead": True}, {"name": "Omar Idrissi"}]}
    status, body = ma.api("PUT", f"/groups/{uid}/members", ours)
    assert status == 200, body
    ma_members = [("Nadia Alaoui", True), ("Omar Idrissi", False)]
    wait_for(lambda: (m := _members(fr, uid)) and m.get("ma") == ma_members)
    theirs = {"members": [{"name": "Claire Martin", "function": "Commandant", "lead": True}]}
    status, body = fr.api("PUT", f"/groups/{uid}/members", theirs)
    assert status == 200, body
    both = {"ma": ma_members, "fr": [("Claire Martin", True)]}
    wait_for(lambda: _members(ma, uid) == both)
    # fr may not change the group itself (ma convenes it); the members stay as they were.
    status, refused = fr.api("PUT", f"/groups/{uid}", group | {"name": "Autre"})
    assert status == 403, refused
    meeting = {"held_on": "2026-11-20", "participants": "ma, fr", "decisions": "Échanger."}
    status, body = ma.api("POST", f"/groups/{uid}/meetings", meeting)
    assert status == 201, body

    def logged() -> Any:
        status, there = fr.api("GET", f"/groups/{uid}")
        return status == 200 and there["meetings"] and there

    there = wait_for(logged)
    assert there["meetings"][0]["decisions"] == "Échanger."
    assert there["name"] == group["name"] and there["owner_node"] == "ma"
    assert _members(fr, uid) == both and _members(ma, uid) == both


PERSON = {
    "category": "wanted",
    "names": [{"full_name": "Karim Benali", "kind": "primary"}],
    "sex": "M",
    "birth_dates": ["1981-05-02"],
    "nationalities": ["FR"],
    "handling_code": "H0",
}


def _case(node: Node, uid: str) -> Any:
    status, body = node.api("GET", f"/cases/{uid}")
    return body if status == 200 else None


def test_a_joint_case_a_task_across_nodes_and_links_that_disclose_nothing(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    group = {
        "name": "Stupéfiants",
        "theme": "drug_trafficking",
        "mandate": "Routes maritimes.",
        "participant_nodes": ["fr"],
    }
    status, created = ma.api("POST", "/groups", group)
    assert status == 201, created
    wait_for(lambda: fr.api("GET", f"/groups/{created['uid']}")[0] == 200)
    status, case = fr.api(
        "POST", "/cases", {"group": created["uid"], "title": "Go-fast", "summary": "Tanger."}
    )
    assert status == 201, case
    uid = case["uid"]
    wait_for(lambda: _case(ma, uid))
    # ma links a person it holds and never shared: fr's members see no trace of it.
    status, person = ma.api("POST", "/persons", PERSON)
    assert status == 201, person
    status, linked = ma.api("POST", f"/cases/{uid}/links", {"kind": "person", "uid": person["uid"]})
    assert status == 201 and [link["uid"] for link in linked["links"]] == [person["uid"]], linked
    task = {"title": "Identifier le bateau", "assignee_node": "fr", "due_on": "2026-12-20"}
    status, tasked = ma.api("POST", f"/cases/{uid}/tasks", task)
    assert status == 201, tasked
    task_uid = tasked["tasks"][0]["uid"]
    there = wait_for(lambda: (c := _case(fr, uid)) and c["tasks"] and c)
    assert there["links"] == []  # fr holds no such person: nothing to show
    assert there["tasks"][0]["status"] == "todo"
    status, done = fr.api("PUT", f"/cases/{uid}/tasks/{task_uid}/status", {"status": "done"})
    assert status == 200, done
    wait_for(lambda: (c := _case(ma, uid)) and c["tasks"][0]["status"] == "done")
    # ma may not move fr's case on the board; fr may.
    assert ma.api("PUT", f"/cases/{uid}/status", {"status": "closed"})[0] == 403
    assert fr.api("PUT", f"/cases/{uid}/status", {"status": "active"})[0] == 200
    wait_for(lambda: (c := _case(ma, uid)) and c["status"] == "active")


def test_a_follow_up_set_at_a_meeting_on_ma_is_done_on_fr_and_seen_done_on_ma(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    group = {
        "name": "Mandats internationaux",
        "theme": "warrants",
        "mandate": "Suivi des mandats d'arrêt.",
        "participant_nodes": ["fr"],
    }
    status, created = ma.api("POST", "/groups", group)
    assert status == 201, created
    uid = created["uid"]
    status, case = ma.api("POST", "/cases", {"group": uid, "title": "Extradition", "summary": "."})
    assert status == 201, case
    meeting = {
        "held_on": "2026-11-27",
        "participants": "ma, fr",
        "decisions": "La France vérifie le dossier.",
        "follow_ups": [
            {
                "case": case["uid"],
                "title": "Vérifier le dossier d'extradition",
                "assignee_node": "fr",
                "due_on": "2026-12-04",
            }
        ],
    }
    status, body = ma.api("POST", f"/groups/{uid}/meetings", meeting)
    assert status == 201, body
    meeting_uid = body["meetings"][0]["uid"]

    def follow_up_on_fr() -> Any:
        there = _case(fr, case["uid"])
        return there and there["tasks"] and there["tasks"][0]

    task = wait_for(follow_up_on_fr)
    assert (task["meeting"], task["assignee_node"], task["status"]) == (meeting_uid, "fr", "todo")
    status, there = fr.api("GET", f"/groups/{uid}")
    assert status == 200 and there["meetings"][0]["uid"] == meeting_uid
    # ma may not report fr's task; fr does.
    url = f"/cases/{case['uid']}/tasks/{task['uid']}/status"
    assert ma.api("PUT", url, {"status": "done"})[0] == 400
    status, done = fr.api("PUT", url, {"status": "done"})
    assert status == 200, done
    wait_for(lambda: (c := _case(ma, case["uid"])) and c["tasks"][0]["status"] == "done")

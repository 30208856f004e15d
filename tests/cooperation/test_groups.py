"""Setting up and changing working groups, members and meetings: through the actions, the
API and the pages; refusals and bad input change nothing (read back from the database)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.cooperation.models import Meeting, Member, MemberList, WorkingGroup
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.intel.actions import create_report
from tests.cooperation.conftest import FR_GROUP, Send, api, fr_group, fr_members, our_group
from tests.cooperation.test_cases import FR_CASE, fr_case, fr_part
from tests.intel.conftest import report_data

pytestmark = pytest.mark.django_db
JSON = "application/json"
GROUP = {
    "name": "Grands événements 2030",
    "theme": "major_events",
    "mandate": "Préparer la sécurité de la Coupe du monde 2030.",
    "participant_nodes": ["fr"],
}


def _state() -> tuple[Any, ...]:
    """Everything a refused change must leave as it was."""
    groups = list(WorkingGroup.objects.values_list("uid", "version", "name", "participant_nodes"))
    members = list(Member.objects.values_list("member_list__owner_node", "name", "is_lead"))
    return groups, members, Meeting.objects.count(), OutboxEnvelope.objects.count()


def _sent(message_type: str) -> list[dict[str, Any]]:
    rows = OutboxEnvelope.objects.filter(message_type=message_type).order_by("seq")
    return [row.payload["object"] for row in rows]


def _peers(message_type: str) -> list[str]:
    rows = OutboxEnvelope.objects.filter(message_type=message_type).order_by("created_at", "pk")
    return [row.peer.node_id for row in rows]


def test_a_liaison_officer_sets_up_a_group_and_fr_gets_it(fr: Any, liaison: User) -> None:
    status = api(liaison).post("/api/v1/groups", GROUP, content_type=JSON)
    assert status.status_code == 201, status.content
    body = status.json()
    group = WorkingGroup.objects.get(uid=body["uid"])
    assert (group.owner_node, group.participant_nodes, group.version) == ("ma", ["fr"], 1)
    [sent] = _sent("group.upsert")
    assert sent["name"] == GROUP["name"] and sent["participant_nodes"] == ["fr"]
    kinds = set(AuditEntry.objects.filter(object_id=body["uid"]).values_list("action", flat=True))
    assert {"collect", "disclose"} <= kinds


def test_our_members_go_to_fr_with_our_lead(fr: Any, liaison: User) -> None:
    group = our_group(liaison)
    [sent] = _sent("group.members")
    assert sent["group"] == str(group.uid) and sent["owner"] == "ma"
    assert [(m["name"], m["lead"]) for m in sent["members"]] == [
        ("Nadia Alaoui", True),
        ("Omar Idrissi", False),
    ]
    body = {"members": [{"name": "Omar Idrissi", "function": "Inspecteur", "lead": True}]}
    changed = api(liaison).put(f"/api/v1/groups/{group.uid}/members", body, content_type=JSON)
    assert changed.status_code == 200, changed.content
    assert changed.json()["members"][0]["members"][0]["lead"] is True
    latest = _sent("group.members")[-1]
    assert latest["version"] == 2 and latest["members"][0]["function"] == "Inspecteur"


def test_we_set_our_members_of_fr_group_and_only_ours(send: Send, liaison: User) -> None:
    send("group.upsert", fr_group())
    send("group.members", fr_members(FR_GROUP))
    body = {"members": [{"name": "Nadia Alaoui", "lead": True}]}
    done = api(liaison).put(f"/api/v1/groups/{FR_GROUP}/members", body, content_type=JSON)
    assert done.status_code == 200, done.content
    parts = {p["node"]: p["members"] for p in done.json()["members"]}
    assert [m["name"] for m in parts["fr"]] == ["Claire Martin"]  # fr's, untouched
    assert [m["name"] for m in parts["ma"]] == ["Nadia Alaoui"]
    [sent] = _sent("group.members")
    assert sent["owner"] == "ma" and sent["group"] == FR_GROUP


def test_only_the_convener_changes_the_group(send: Send, liaison: User) -> None:
    send("group.upsert", fr_group())
    before = _state()
    changed = api(liaison).put(f"/api/v1/groups/{FR_GROUP}", GROUP, content_type=JSON)
    assert changed.status_code == 403
    meeting = {"held_on": "2026-11-20", "participants": "ma", "decisions": "x"}
    added = api(liaison).post(f"/api/v1/groups/{FR_GROUP}/meetings", meeting, content_type=JSON)
    assert added.status_code == 403
    assert _state() == before


@pytest.mark.parametrize("role", ["officer", "analyst", "supervisor"])
def test_other_roles_cannot_set_up_groups_or_members(
    fr: Any, liaison: User, make_user: Callable[..., User], role: str
) -> None:
    group = our_group(liaison)
    before = _state()
    client = api(make_user(f"u-{role}", role))
    assert client.post("/api/v1/groups", GROUP, content_type=JSON).status_code == 403
    members = {"members": [{"name": "X"}]}
    put = client.put(f"/api/v1/groups/{group.uid}/members", members, content_type=JSON)
    assert put.status_code == 403
    assert client.put(f"/api/v1/groups/{group.uid}", GROUP, content_type=JSON).status_code == 403
    assert client.get(f"/api/v1/groups/{group.uid}").status_code == 200  # may see it
    assert _state() == before
    assert AuditEntry.objects.filter(action="permission_denied").count() == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"handling_code": "H3"}, "H3"),
        ({"participant_nodes": ["es"]}, "not a partner node"),
        ({"participant_nodes": ["ma"]}, "at least one partner"),
        ({"theme": "piracy"}, "theme"),
        ({"mandate": ""}, "mandate"),
    ],
)
def test_bad_groups_are_refused_and_nothing_is_kept(
    fr: Any, liaison: User, change: dict[str, Any], message: str
) -> None:
    before = _state()
    response = api(liaison).post("/api/v1/groups", GROUP | change, content_type=JSON)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state() == before


def test_a_partner_cannot_be_dropped_from_a_group(fr: Any, liaison: User) -> None:
    Peer.objects.create(node_id="es", url="http://127.0.0.1:9", fingerprint="1" * 64)
    group = our_group(liaison)
    wider = GROUP | {"participant_nodes": ["fr", "es"]}
    done = api(liaison).put(f"/api/v1/groups/{group.uid}", wider, content_type=JSON)
    assert done.status_code == 200, done.content
    assert _peers("group.upsert") == ["fr", "fr", "es"]  # created, updated; es new
    assert _peers("group.members") == ["fr", "es"]  # ours, to es when it joined
    before = _state()
    narrower = GROUP | {"participant_nodes": ["fr"]}
    refused = api(liaison).put(f"/api/v1/groups/{group.uid}", narrower, content_type=JSON)
    assert refused.status_code == 400 and "cannot leave" in refused.content.decode()
    assert _state() == before


def test_two_leads_or_a_bad_name_change_nothing(fr: Any, liaison: User) -> None:
    group = our_group(liaison)
    before = _state()
    two = {"members": [{"name": "A", "lead": True}, {"name": "B", "lead": True}]}
    url = f"/api/v1/groups/{group.uid}/members"
    refused = api(liaison).put(url, two, content_type=JSON)
    assert refused.status_code == 400 and "one lead" in refused.content.decode()
    bad = {"members": [{"name": "A\x00B"}]}
    assert api(liaison).put(url, bad, content_type=JSON).status_code == 400
    assert _state() == before
    assert MemberList.objects.get(owner_node="ma").version == 1


def test_a_meeting_goes_into_the_log_and_to_fr(fr: Any, liaison: User) -> None:
    group = our_group(liaison)
    meeting = {"held_on": "2026-11-20", "participants": "ma, fr", "decisions": "Échanger."}
    done = api(liaison).post(f"/api/v1/groups/{group.uid}/meetings", meeting, content_type=JSON)
    assert done.status_code == 201, done.content
    assert done.json()["meetings"][0]["decisions"] == "Échanger."
    latest = _sent("group.upsert")[-1]
    assert latest["version"] == 2 and latest["meetings"][0]["held_on"] == "2026-11-20"


def test_an_h3_group_is_not_seen_by_others(
    fr: Any, liaison: User, make_user: Callable[..., User]
) -> None:
    group = our_group(liaison)
    WorkingGroup.objects.filter(pk=group.pk).update(handling_code="H3")
    client = api(make_user("other", "liaison_officer"))
    assert client.get(f"/api/v1/groups/{group.uid}").status_code == 404
    assert client.get("/api/v1/groups").json() == []
    members = {"members": [{"name": "X"}]}
    put = client.put(f"/api/v1/groups/{group.uid}/members", members, content_type=JSON)
    assert put.status_code == 404


# Pages


def test_the_pages_set_up_a_group_and_our_members(
    fr: Any, liaison: User, login: Callable[[User], Client]
) -> None:
    client = login(liaison)
    form = GROUP | {"status": "active", "handling_code": "H0"}
    created = client.post("/groups/new/", form)
    assert created.status_code == 302, created.content.decode()[:2000]
    group = WorkingGroup.objects.get()
    members = {"members": "Nadia Alaoui, Commissaire\nOmar Idrissi", "lead": "Nadia Alaoui"}
    saved = client.post(f"/groups/{group.uid}/members/", members)
    assert saved.status_code == 302
    page = client.get(f"/groups/{group.uid}/").content.decode()
    assert "Nadia Alaoui · Commissaire" in page and "Police nationale" in page
    assert Member.objects.get(is_lead=True).name == "Nadia Alaoui"


def test_the_pages_show_errors_and_change_nothing(
    fr: Any, liaison: User, login: Callable[[User], Client]
) -> None:
    client = login(liaison)
    group = our_group(liaison)
    before = _state()
    bad_lead = {"members": "Nadia Alaoui", "lead": "Quelqu'un"}
    page = client.post(f"/groups/{group.uid}/members/", bad_lead)
    assert page.status_code == 200
    assert "The lead must be one of the members listed." in page.content.decode()
    h3 = GROUP | {"status": "active", "handling_code": "H3"}
    page = client.post("/groups/new/", h3)
    assert page.status_code == 200
    dropped = GROUP | {"participant_nodes": [], "status": "active", "handling_code": "H0"}
    page = client.post(f"/groups/{group.uid}/edit/", dropped)
    assert page.status_code == 200
    meeting = {"held_on": "2026-02-30", "participants": "x", "decisions": "y"}
    page = client.post(f"/groups/{group.uid}/meetings/new/", meeting)
    assert "is not a real date" in page.content.decode()
    assert _state() == before


def test_the_pages_refuse_other_roles(
    fr: Any, liaison: User, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    group = our_group(liaison)
    before = _state()
    client = login(make_user("off", "officer"))
    assert client.get("/groups/").status_code == 200
    assert client.get(f"/groups/{group.uid}/").status_code == 200
    assert client.post("/groups/new/", GROUP).status_code == 403
    assert client.post(f"/groups/{group.uid}/members/", {"members": "X"}).status_code == 403
    assert client.post(f"/groups/{group.uid}/edit/", GROUP).status_code == 403
    assert client.get(f"/groups/{group.uid}/meetings/new/").status_code == 403
    assert _state() == before
    anonymous = Client()
    assert anonymous.get("/groups/").status_code == 302


def test_a_partner_group_page_offers_our_members_not_changes(
    send: Send, liaison: User, login: Callable[[User], Client]
) -> None:
    send("group.upsert", fr_group())
    page = login(liaison).get(f"/groups/{FR_GROUP}/").content.decode()
    assert f"/groups/{FR_GROUP}/members/" in page
    assert f"/groups/{FR_GROUP}/edit/" not in page
    assert "Plan commun." in page


# Query pins: the number of queries does not grow with groups, members or meetings.

LIST_QUERIES = 12
# 16, one for the meetings' follow-up actions and one for the reports naming the group
# (whatever their numbers)
DETAIL_QUERIES = 18


def _more_groups(user: User, count: int) -> None:
    for n in range(count):
        our_group(user, name=f"Groupe {n}")


@pytest.mark.parametrize("count", [1, 4])
def test_the_list_page_costs_a_fixed_number_of_queries(
    fr: Any,
    liaison: User,
    login: Callable[[User], Client],
    django_assert_num_queries: Any,
    count: int,
) -> None:
    _more_groups(liaison, count)
    client = login(liaison)
    client.get("/groups/")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/groups/").status_code == 200


@pytest.mark.parametrize("meetings", [1, 3])
def test_the_detail_page_costs_a_fixed_number_of_queries(
    send: Send,
    liaison: User,
    login: Callable[[User], Client],
    django_assert_num_queries: Any,
    meetings: int,
) -> None:
    log = [{"held_on": "2026-10-02", "participants": "p", "decisions": "d"}] * meetings
    send("group.upsert", fr_group(meetings=log))
    send("group.members", fr_members(FR_GROUP))
    api(liaison).put(
        f"/api/v1/groups/{FR_GROUP}/members",
        {"members": [{"name": f"M{n}"} for n in range(meetings)]},
        content_type=JSON,
    )
    send("case.upsert", fr_case())
    log_uids = Meeting.objects.filter(group__uid=FR_GROUP).values_list("uid", flat=True)
    tasks = [
        {
            "uid": str(uuid.uuid4()),
            "title": f"Suite {n}",
            "assignee_node": "ma",
            "at": timezone.now().isoformat(),
            "by": "lo-fr",
            "meeting": str(uid),
        }
        for n, uid in enumerate(log_uids)
    ]
    assert send("case.part", fr_part(FR_CASE, tasks=tasks)).status == "applied"
    for n in range(meetings):
        data = report_data(title=f"Rapport {n}", recipients=[], recipient_groups=[FR_GROUP])
        create_report(actor=liaison, data=data)
    client = login(liaison)
    client.get(f"/groups/{FR_GROUP}/")
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(f"/groups/{FR_GROUP}/").status_code == 200

"""Joint cases: opened in a group, linked to records without disclosing them, commented,
tasks set for either service and moved by the assignee's; each node writes only its own
part, and the real receiver refuses anything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.cooperation import case_views
from liaison.cooperation.models import CasePart, JointCase
from liaison.exchange.models import OutboxEnvelope
from liaison.intel.actions import create_report
from liaison.registry.actions import create_person
from tests.cooperation.conftest import FR_GROUP, Send, api, fr_group, our_group
from tests.intel.conftest import report_data
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db
JSON = "application/json"
FR_CASE = "7a2d0c1e-4444-4f5e-8a9b-0c1d2e3f4a5b"
FR_PART = "7a2d0c1e-5555-4f5e-8a9b-0c1d2e3f4a5b"


def _state() -> tuple[Any, ...]:
    cases = list(JointCase.objects.values_list("uid", "version", "status"))
    parts = list(CasePart.objects.values_list("owner_node", "version", "links", "tasks"))
    return cases, parts, OutboxEnvelope.objects.count()


def _sent(message_type: str) -> list[dict[str, Any]]:
    rows = OutboxEnvelope.objects.filter(message_type=message_type).order_by("seq")
    return [row.payload["object"] for row in rows]


def _open(user: User, group: Any) -> dict[str, Any]:
    body = {"group": str(group.uid), "title": "Réseau Benali", "summary": "Fugitif à Lyon."}
    opened = api(user).post("/api/v1/cases", body, content_type=JSON)
    assert opened.status_code == 201, opened.content
    return dict(opened.json())


def fr_case(**extra: Any) -> dict[str, Any]:
    return {
        "uid": FR_CASE,
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "group": FR_GROUP,
        "title": "Billetterie frauduleuse",
        "summary": "Revente de billets.",
        "status": "open",
    } | extra


def fr_part(case: str, **extra: Any) -> dict[str, Any]:
    now = timezone.now().isoformat()
    return {
        "uid": FR_PART,
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "case": case,
        "links": [],
        "comments": [{"at": now, "by": "lo-fr", "text": "Vu à Lyon."}],
        "tasks": [],
        "progress": [],
    } | extra


def test_a_case_is_opened_in_our_group_and_goes_to_fr(fr: Any, liaison: User) -> None:
    group = our_group(liaison)
    case = _open(liaison, group)
    assert case["status"] == "open" and case["group"] == str(group.uid)
    [sent] = _sent("case.upsert")
    assert sent["uid"] == case["uid"] and sent["group"] == str(group.uid)


def test_a_task_for_fr_is_moved_only_by_fr(send: Send, fr: Any, liaison: User) -> None:
    group = our_group(liaison)
    case = _open(liaison, group)
    url = f"/api/v1/cases/{case['uid']}"
    task = {"title": "Vérifier l'adresse", "assignee_node": "fr", "due_on": "2026-12-15"}
    added = api(liaison).post(f"{url}/tasks", task, content_type=JSON)
    assert added.status_code == 201, added.content
    [row] = added.json()["tasks"]
    assert (row["assignee_node"], row["status"]) == ("fr", "todo")
    before = _state()
    ours = api(liaison).put(
        f"{url}/tasks/{row['uid']}/status", {"status": "done"}, content_type=JSON
    )
    assert ours.status_code == 400 and "assigned to" in ours.content.decode()
    assert _state() == before
    progress = [{"task": row["uid"], "status": "done", "at": timezone.now().isoformat(), "by": "x"}]
    applied = send("case.part", fr_part(case["uid"], progress=progress))
    assert applied.status == "applied", applied.detail
    shown = api(liaison).get(url).json()
    assert shown["tasks"][0]["status"] == "done"
    assert [c["text"] for c in shown["timeline"]] == ["Vu à Lyon."]


def test_fr_cannot_write_our_part_of_a_case(send: Send, fr: Any, liaison: User) -> None:
    group = our_group(liaison)
    case = _open(liaison, group)
    api(liaison).post(
        f"/api/v1/cases/{case['uid']}/comments", {"text": "Ouvert."}, content_type=JSON
    )
    ours = CasePart.objects.get(owner_node="ma")
    before = _state()
    forged = send("case.part", fr_part(case["uid"], uid=str(ours.uid), owner="ma", version=5))
    assert (forged.status, forged.reason) == ("rejected", "not_owner")
    claimed = send("case.part", fr_part(case["uid"], uid=str(ours.uid), version=5))
    assert (claimed.status, claimed.reason) == ("rejected", "not_owner")
    unknown = send("case.part", fr_part(FR_CASE))
    assert (unknown.status, unknown.reason) == ("rejected", "unknown_reference")
    changed = send("case.upsert", fr_case(uid=case["uid"], group=str(group.uid), version=9))
    assert (changed.status, changed.reason) == ("rejected", "not_owner")
    assert _state() == before


def test_fr_case_in_fr_group_arrives_and_we_comment_on_it(send: Send, liaison: User) -> None:
    send("group.upsert", fr_group())
    assert send("case.upsert", fr_case()).status == "applied"
    done = api(liaison).post(
        f"/api/v1/cases/{FR_CASE}/comments", {"text": "Reçu."}, content_type=JSON
    )
    assert done.status_code == 201, done.content
    [sent] = _sent("case.part")
    assert sent["owner"] == "ma" and sent["case"] == FR_CASE
    moved = api(liaison).put(
        f"/api/v1/cases/{FR_CASE}/status", {"status": "closed"}, content_type=JSON
    )
    assert moved.status_code == 403
    assert JointCase.objects.get().status == "open"


def test_a_link_never_shows_a_record_the_user_may_not_see(
    fr: Any, liaison: User, make_user: Callable[..., User]
) -> None:
    group = our_group(liaison)
    case = _open(liaison, group)
    supervisor = make_user("sup", "supervisor")
    secret = create_person(actor=supervisor, data=person_data("Karim Benali", handling_code="H3"))
    url = f"/api/v1/cases/{case['uid']}/links"
    before = _state()
    refused = api(liaison).post(url, {"kind": "person", "uid": str(secret.uid)}, content_type=JSON)
    assert refused.status_code == 400  # the linker may not see it: as if it did not exist
    assert _state() == before
    seen = create_person(actor=liaison, data=person_data("Omar Tazi"))
    assert (
        api(liaison)
        .post(url, {"kind": "person", "uid": str(seen.uid)}, content_type=JSON)
        .status_code
        == 201
    )
    # Made H3 afterwards: the link stays, but others no longer see the person through it.
    type(seen).objects.filter(pk=seen.pk).update(handling_code="H3")
    other = api(make_user("lo2", "liaison_officer")).get(f"/api/v1/cases/{case['uid']}").json()
    assert other["links"] == []
    assert api(liaison).get(f"/api/v1/cases/{case['uid']}").json()["links"][0]["uid"] == str(
        seen.uid
    )


@pytest.mark.parametrize("role", ["officer", "analyst", "supervisor"])
def test_other_roles_see_cases_but_change_nothing(
    fr: Any, liaison: User, make_user: Callable[..., User], role: str
) -> None:
    group = our_group(liaison)
    case = _open(liaison, group)
    before = _state()
    client = api(make_user(f"r-{role}", role))
    url = f"/api/v1/cases/{case['uid']}"
    assert client.get(url).status_code == 200
    assert client.post(f"{url}/comments", {"text": "x"}, content_type=JSON).status_code == 403
    task = {"title": "t", "assignee_node": "ma"}
    assert client.post(f"{url}/tasks", task, content_type=JSON).status_code == 403
    assert client.put(f"{url}/status", {"status": "closed"}, content_type=JSON).status_code == 403
    body = {"group": str(group.uid), "title": "t", "summary": "s"}
    assert client.post("/api/v1/cases", body, content_type=JSON).status_code == 403
    assert _state() == before


@pytest.mark.parametrize(
    "task",
    [
        {"title": "t", "assignee_node": "es"},
        {"title": "t", "assignee_node": "ma", "due_on": "2026-02-30"},
        {"title": "", "assignee_node": "ma"},
    ],
)
def test_bad_tasks_change_nothing(fr: Any, liaison: User, task: dict[str, Any]) -> None:
    case = _open(liaison, our_group(liaison))
    before = _state()
    done = api(liaison).post(f"/api/v1/cases/{case['uid']}/tasks", task, content_type=JSON)
    assert done.status_code == 400, done.content
    assert _state() == before


# Pages


def test_the_pages_open_a_case_and_work_it(
    fr: Any, liaison: User, login: Callable[[User], Client]
) -> None:
    group = our_group(liaison)
    client = login(liaison)
    body = {"title": "Réseau Benali", "summary": "Fugitif à Lyon.", "handling_code": "H0"}
    opened = client.post(f"/groups/{group.uid}/cases/new/", body)
    assert opened.status_code == 302, opened.content.decode()[:1500]
    case = JointCase.objects.get()
    url = f"/groups/cases/{case.uid}"
    assert client.post(f"{url}/comment/", {"text": "Premier point."}).status_code == 302
    task = {"title": "Vérifier l'adresse", "assignee_node": "ma", "due_on": "2026-12-15"}
    assert client.post(f"{url}/task/", task).status_code == 302
    [row] = CasePart.objects.get().tasks
    assert (
        client.post(f"{url}/progress/", {"task": row["uid"], "status": "done"}).status_code == 302
    )
    assert client.post(f"{url}/move/", {"status": "active"}).status_code == 302
    page = client.get(f"{url}/").content.decode()
    assert "Premier point." in page and "Vérifier l&#x27;adresse" in page
    board = client.get("/groups/cases/").content.decode()
    assert "Réseau Benali" in board
    case.refresh_from_db()
    assert case.status == "active"


def test_the_pages_show_bad_input_and_change_nothing(
    fr: Any, liaison: User, login: Callable[[User], Client]
) -> None:
    group = our_group(liaison)
    case = JointCase.objects.get(uid=_open(liaison, group)["uid"])
    client = login(liaison)
    before = _state()
    url = f"/groups/cases/{case.uid}"
    shown = client.post(f"{url}/task/", {"title": "t", "assignee_node": "es"}, follow=True)
    assert "Select a valid choice" in shown.content.decode()
    shown = client.post(f"{url}/link/", {"kind": "person", "uid": "nope"}, follow=True)
    assert "Identifier" in shown.content.decode()
    missing = "6f1c8a52-9999-4d7e-9c39-5b5f6f7b2c01"
    shown = client.post(f"{url}/link/", {"kind": "person", "uid": missing}, follow=True)
    assert "No such record that you may see." in shown.content.decode()
    assert client.post(f"{url}/nothing/", {}).status_code == 404
    assert _state() == before


def test_the_pages_refuse_other_roles_and_partners_cases(
    send: Send, liaison: User, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    send("group.upsert", fr_group())
    send("case.upsert", fr_case())
    before = _state()
    officer = login(make_user("off", "officer"))
    url = f"/groups/cases/{FR_CASE}"
    assert officer.get(f"{url}/").status_code == 200
    assert officer.post(f"{url}/comment/", {"text": "x"}).status_code == 403
    assert officer.post(f"/groups/{FR_GROUP}/cases/new/", {"title": "t"}).status_code == 403
    moved = login(liaison).post(f"{url}/move/", {"status": "closed"})
    assert moved.status_code == 403  # fr opened it: only fr moves it
    assert _state() == before


BOARD_QUERIES = 16
CASE_QUERIES = 16  # 15, and one for the reports naming the case (whatever their number)


@pytest.mark.parametrize("count", [1, 3])
def test_the_board_and_a_case_cost_a_fixed_number_of_queries(
    fr: Any,
    liaison: User,
    login: Callable[[User], Client],
    django_assert_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
) -> None:
    monkeypatch.setattr(case_views, "BOARD_PAGE_SIZE", 2)  # 3 cases: a second page
    group = our_group(liaison)
    for n in range(count):
        case = _open(liaison, group)
        url = f"/api/v1/cases/{case['uid']}"
        for m in range(count):
            api(liaison).post(f"{url}/comments", {"text": f"c{m}"}, content_type=JSON)
            task = {"title": f"t{m}", "assignee_node": "fr"}
            api(liaison).post(f"{url}/tasks", task, content_type=JSON)
            person = create_person(actor=liaison, data=person_data(f"Omar Tazi{n}{m}"))
            link = {"kind": "person", "uid": str(person.uid)}
            api(liaison).post(f"{url}/links", link, content_type=JSON)
            named = {"recipients": [], "recipient_cases": [case["uid"]]}
            create_report(actor=liaison, data=report_data(title=f"r{n}{m}", **named))
    for status in ("active", "suspended", "closed"):  # a case in every column
        moved = _open(liaison, group)["uid"]
        body = {"status": status}
        api(liaison).put(f"/api/v1/cases/{moved}/status", body, content_type=JSON)
    client = login(liaison)
    client.get("/groups/cases/")
    with django_assert_num_queries(BOARD_QUERIES):
        assert client.get("/groups/cases/").status_code == 200
    with django_assert_num_queries(BOARD_QUERIES):
        assert client.get("/groups/cases/?open=2").status_code == 200
    with django_assert_num_queries(CASE_QUERIES):
        assert client.get(f"/groups/cases/{case['uid']}/").status_code == 200


def test_the_board_pages_each_column_on_its_own(
    fr: Any, liaison: User, login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_views, "BOARD_PAGE_SIZE", 2)
    group = our_group(liaison)
    uids = []
    for n in range(3):
        body = {"group": str(group.uid), "title": f"Affaire {n}", "summary": "Fugitif."}
        uids.append(api(liaison).post("/api/v1/cases", body, content_type=JSON).json()["uid"])
    api(liaison).put(f"/api/v1/cases/{uids[0]}/status", {"status": "closed"}, content_type=JSON)
    client = login(liaison)

    def column(path: str, status: str) -> str:
        page = client.get(path).content.decode()
        return page.split(f'id="column-{status}"')[1].split('<div class="col-md-3')[0]

    # Open: cases 1 and 2 (the newest first), on one page; closed: case 0.
    first = column("/groups/cases/", "open")
    assert "Affaire 2" in first and "Affaire 1" in first and "Page" not in first
    assert "Affaire 0" in column("/groups/cases/", "closed")
    case = JointCase.objects.get(uid=uids[0])
    case.status = "open"
    case.save()
    # Three open cases: two on the first page (count 3 shown), the oldest on the second.
    first = column("/groups/cases/?closed=1", "open")
    assert "Affaire 2" in first and "Affaire 1" in first and "Affaire 0" not in first
    assert "<bdi>3</bdi>" in first and "Page 1 of 2" in first
    assert 'href="?closed=1&amp;open=2"' in first
    second = column("/groups/cases/?open=2", "open")
    assert "Affaire 0" in second and "Affaire 2" not in second and 'href="?open=1"' in second

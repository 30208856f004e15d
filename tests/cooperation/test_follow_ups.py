"""Follow-up actions of a meeting: the convener records them as tasks of the group's joint
cases (in its own part of the case, naming the meeting); they go to the partners as any
task, the assignee's service reports their status, and the meeting log shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.cooperation.demo_data import send_demo_groups
from liaison.cooperation.models import CasePart, JointCase, Meeting, Task
from liaison.cooperation.sharing import MeetingBody, meeting_uid
from liaison.exchange.models import OutboxEnvelope
from tests.cooperation.conftest import FR_GROUP, Send, api, fr_group, our_group
from tests.cooperation.test_cases import FR_CASE, FR_PART, fr_case, fr_part

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _open(user: User, group: Any, title: str = "Réseau Benali") -> str:
    body = {"group": str(group.uid), "title": title, "summary": "Fugitif à Lyon."}
    opened = api(user).post("/api/v1/cases", body, content_type=JSON)
    assert opened.status_code == 201, opened.content
    return str(opened.json()["uid"])


def _meeting(case: str, **follow_up: Any) -> dict[str, Any]:
    action = {"case": case, "title": "Vérifier l'adresse à Lyon", "assignee_node": "fr"}
    return {
        "held_on": "2026-11-20",
        "participants": "ma, fr",
        "decisions": "Localiser le fugitif.",
        "follow_ups": [action | follow_up],
    }


def _state() -> tuple[Any, ...]:
    parts = list(CasePart.objects.values_list("owner_node", "version", "tasks"))
    meetings = list(Meeting.objects.values_list("uid", "held_on"))
    return parts, meetings, Task.objects.count(), OutboxEnvelope.objects.count()


def test_a_meeting_sets_a_follow_up_task_for_fr_that_goes_to_fr(fr: Any, liaison: User) -> None:
    group = our_group(liaison)
    case = _open(liaison, group)
    body = _meeting(case, assignee="Commandant Martin", due_on="2026-12-01")
    recorded = api(liaison).post(f"/api/v1/groups/{group.uid}/meetings", body, content_type=JSON)
    assert recorded.status_code == 201, recorded.content
    meeting = Meeting.objects.get(group=group)
    assert recorded.json()["meetings"][0]["uid"] == str(meeting.uid)
    [task] = CasePart.objects.get(case__uid=case, owner_node="ma").tasks
    assert task["meeting"] == str(meeting.uid)
    assert (task["assignee_node"], task["assignee"], task["due_on"]) == (
        "fr",
        "Commandant Martin",
        "2026-12-01",
    )
    row = Task.objects.get(uid=task["uid"])
    assert (row.meeting, row.status, str(row.due_on)) == (meeting.uid, "todo", "2026-12-01")
    # fr gets the meeting (with its uid) in the group, and the task in ma's part of the case.
    sent = OutboxEnvelope.objects.filter(message_type="group.upsert").latest("seq")
    assert sent.payload["object"]["meetings"][0]["uid"] == str(meeting.uid)
    part = OutboxEnvelope.objects.filter(message_type="case.part").latest("seq")
    assert part.payload["object"]["tasks"][0]["meeting"] == str(meeting.uid)
    shown = api(liaison).get(f"/api/v1/cases/{case}").json()["tasks"]
    assert [(t["title"], t["meeting"]) for t in shown] == [(task["title"], str(meeting.uid))]


def test_fr_reports_the_follow_up_done_and_the_meeting_log_shows_it(
    send: Send, fr: Any, liaison: User, login: Callable[[User], Client]
) -> None:
    group = our_group(liaison)
    case = _open(liaison, group)
    api(liaison).post(f"/api/v1/groups/{group.uid}/meetings", _meeting(case), content_type=JSON)
    [task] = CasePart.objects.get(owner_node="ma").tasks
    client = login(liaison)  # once: a TOTP code is accepted once
    page = client.get(f"/groups/{group.uid}/").content.decode()
    assert "Vérifier l&#x27;adresse à Lyon" in page and "To do" in page
    progress = [
        {"task": task["uid"], "status": "done", "at": timezone.now().isoformat(), "by": "x"}
    ]
    applied = send("case.part", fr_part(case, progress=progress))
    assert applied.status == "applied", applied.detail
    assert Task.objects.get(uid=task["uid"]).status == "done"
    page = client.get(f"/groups/{group.uid}/").content.decode()
    assert "Done" in page and "To do" not in page


def test_a_follow_up_in_a_case_of_another_group_records_nothing(fr: Any, liaison: User) -> None:
    group = our_group(liaison)
    other = our_group(liaison, name="Autre groupe")
    case = _open(liaison, other)
    before = _state()
    refused = api(liaison).post(
        f"/api/v1/groups/{group.uid}/meetings", _meeting(case), content_type=JSON
    )
    assert refused.status_code == 400 and "joint case of this group" in refused.content.decode()
    assert _state() == before  # no meeting, no task, nothing sent
    bad = api(liaison).post(
        f"/api/v1/groups/{group.uid}/meetings",
        _meeting(_open(liaison, group), assignee_node="de"),
        content_type=JSON,
    )
    assert bad.status_code == 400 and "service of the group" in bad.content.decode()
    assert Meeting.objects.count() == 0 and Task.objects.count() == 0


def test_only_the_convener_sets_follow_ups(
    send: Send, fr: Any, liaison: User, make_user: Callable[..., User]
) -> None:
    send("group.upsert", fr_group())
    send("case.upsert", fr_case())
    meeting = Meeting.objects.get(group__uid=FR_GROUP)
    follow_up = {"case": FR_CASE, "title": "Contrôler", "assignee_node": "ma"}
    before = _state()
    url = f"/api/v1/groups/{FR_GROUP}/meetings/{meeting.uid}/follow-ups"
    assert api(liaison).post(url, follow_up, content_type=JSON).status_code == 403
    officer = make_user("officer", "officer")
    group = our_group(liaison)
    case = _open(liaison, group)
    api(liaison).post(f"/api/v1/groups/{group.uid}/meetings", _meeting(case), content_type=JSON)
    ours = Meeting.objects.get(group=group)
    before = _state()
    mine = f"/api/v1/groups/{group.uid}/meetings/{ours.uid}/follow-ups"
    follow_up |= {"case": case, "assignee_node": "fr"}
    assert api(officer).post(mine, follow_up, content_type=JSON).status_code == 403
    assert _state() == before
    added = api(liaison).post(mine, follow_up, content_type=JSON)
    assert added.status_code == 201, added.content
    assert Task.objects.filter(meeting=ours.uid).count() == 2


def test_a_partner_follow_up_for_us_shows_under_its_meeting(
    send: Send, fr: Any, liaison: User, login: Callable[[User], Client]
) -> None:
    # fr's node predates meeting uids: every node names its meeting alike.
    send("group.upsert", fr_group())
    send("case.upsert", fr_case())
    meeting = Meeting.objects.get(group__uid=FR_GROUP)
    body = MeetingBody(held_on="2026-10-02", participants="fr, ma", decisions="Plan commun.")
    assert meeting.uid == meeting_uid(meeting.group.uid, 1, body)
    task = {
        "uid": "7a2d0c1e-6666-4f5e-8a9b-0c1d2e3f4a5b",
        "title": "Fournir la liste des supporters",
        "assignee_node": "ma",
        "assignee": "",
        "due_on": "2026-12-02",
        "at": timezone.now().isoformat(),
        "by": "lo-fr",
        "meeting": str(meeting.uid),
    }
    assert send("case.part", fr_part(FR_CASE, tasks=[task])).status == "applied"
    page = login(liaison).get(f"/groups/{FR_GROUP}/").content.decode()
    assert "Fournir la liste des supporters" in page
    assert "Add a follow-up action" not in page  # fr convenes: ma adds none
    assert CasePart.objects.get(uid=FR_PART).tasks[0]["meeting"] == str(meeting.uid)


def test_the_follow_up_page_adds_a_task_and_shows_errors(
    fr: Any, liaison: User, login: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    group = our_group(liaison)
    case = _open(liaison, group)
    api(liaison).post(f"/api/v1/groups/{group.uid}/meetings", _meeting(case), content_type=JSON)
    meeting = Meeting.objects.get(group=group)
    url = f"/groups/{group.uid}/meetings/{meeting.uid}/follow-up/"
    client = login(liaison)
    assert "Réseau Benali" in client.get(url).content.decode()
    before = _state()
    empty = client.post(url, {"case": case, "assignee_node": "fr"})
    assert empty.status_code == 200 and _state() == before
    posted = {"case": case, "title": "Photos", "assignee_node": "ma", "due_on": "2026-12-03"}
    done = client.post(url, posted)
    assert done.status_code == 302
    assert Task.objects.get(title="Photos").assignee_node == "ma"
    unknown = f"/groups/{group.uid}/meetings/{JointCase.objects.get().uid}/follow-up/"
    assert client.get(unknown).status_code == 404
    officer = login(make_user("officer", "officer"))
    assert officer.get(url).status_code == 403


def test_the_demo_sets_a_follow_up_of_its_meeting_for_the_partner(
    fr: Any, make_user: Callable[..., User]
) -> None:
    make_user("ma-liaison-officer", "liaison_officer")
    assert send_demo_groups("fr") > 0
    meeting = Meeting.objects.get()
    [task] = Task.objects.filter(meeting=meeting.uid)
    assert (task.assignee_node, task.status) == ("fr", "todo")

"""An action's milestones: set by its owner on the form or through the API, checked (within
the action's dates, not reached in the future), versioned, sent to the partner with the
action, changed by a proposal the owner accepts, shown on the page with the late ones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from liaison.accounts.models import User
from liaison.exchange.models import OutboxEnvelope
from liaison.plan.actions import PlanError, decide_proposal, propose_change, update_action
from liaison.plan.milestones import Milestone
from liaison.plan.models import PlanAction, PlanProposal
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import action_data, api, deliver, their_action_body
from tests.plan.test_pages import _web
from tests.plan.test_plan import _proposal_body, _sent

pytestmark = pytest.mark.django_db
JSON = "application/json"
# The action runs from 2026-01-05 to 2026-06-30 (tests/plan/conftest.py).
FORM = {
    "title": "Échange des listes de fugitifs",
    "owners": "ma: Cdt. Amrani",
    "starts_on": "2026-01-05",
    "due_on": "2026-06-30",
    "status": "in_progress",
    "evidence": "",
    "handling_code": "H0",
}
MILESTONES = [
    {"title": "Listes croisées", "due_on": "2026-02-01", "reached_on": "2026-01-30"},
    {"title": "Premier échange", "due_on": "2026-03-01", "reached_on": "2026-03-10"},
    {"title": "Bilan", "due_on": "2026-05-31", "reached_on": None},
]


def milestone(title: str, due: str, reached: str | None = None) -> dict[str, Any]:
    return {"title": title, "due_on": due, "reached_on": reached}


def test_a_milestone_is_late_when_reached_after_its_due_date_or_overdue() -> None:
    due, today = date(2026, 3, 1), date(2026, 3, 15)
    cases = [
        (date(2026, 2, 28), "on_time"),
        (due, "on_time"),
        (date(2026, 3, 2), "late"),
        (None, "overdue"),
    ]
    for reached, state in cases:
        assert Milestone("M", due, reached).state(today) == state
    assert Milestone("M", today, None).state(today) == "open"  # due today: not late yet
    assert not Milestone("M", due, due).is_late(today)
    assert Milestone("M", due, None).is_late(today)


def test_the_owner_sets_milestones_on_the_form_and_the_page_marks_the_late_ones(
    our_action: PlanAction, officer: User
) -> None:
    client = _web(officer)
    text = "2026-02-01 | Listes croisées | 2026-01-30\n2026-03-01 | Premier échange | 2026-03-10"
    text += "\n2026-05-31 | Bilan"
    response = client.post(f"/plan/actions/{our_action.uid}/edit/", FORM | {"milestones": text})
    assert response.status_code == 302, response.context and response.context["form"].errors
    our_action.refresh_from_db()
    assert our_action.milestones == MILESTONES and our_action.version == 2
    assert our_action.versions.get(version=2).changes["milestones"] == [[], MILESTONES]
    page = client.get(f"/plan/actions/{our_action.uid}/").content.decode()
    table = page.split('id="milestones"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tr>")[2:]
    assert [("Listes croisées" in r, "late" in r) for r in rows] == [(True, False)] + [
        (False, True)
    ] * 2  # reached after its due date; not reached and past due (today is after June)
    assert "2026-03-10" in rows[1] and "—" in rows[2]
    history = page.split('id="history"', 1)[1]
    assert "Bilan (due 2026-05-31)" in history
    assert "Premier échange (due 2026-03-01, reached 2026-03-10)" in history
    form = client.get(f"/plan/actions/{our_action.uid}/edit/").context["form"]
    assert form["milestones"].value() == text  # the form shows them as they were typed


def _tomorrow() -> str:
    from django.utils import timezone

    return (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2025-12-31 | Trop tôt", "“Trop tôt” is due on 2025-12-31, outside the action's dates"),
        ("2026-07-01 | Trop tard", "“Trop tard” is due on 2026-07-01, outside the action's dates"),
        ("2026-03-01 | Pas encore | TOMORROW", "cannot be reached on TOMORROW, a date to come"),
        ("2026-03-01 Sans séparateur", "“2026-03-01 Sans séparateur” is not a milestone"),
        ("2026-03-01 |  ", "“2026-03-01 |” is not a milestone"),
        ("demain | Date illisible", "“demain | Date illisible” is not a milestone"),
    ],
)
def test_a_bad_milestone_is_named_in_a_form_error_and_changes_nothing(
    our_action: PlanAction, officer: User, typed: str, error: str
) -> None:
    typed, error = typed.replace("TOMORROW", _tomorrow()), error.replace("TOMORROW", _tomorrow())
    before = PlanAction.objects.values().get(pk=our_action.pk)
    response = _web(officer).post(
        f"/plan/actions/{our_action.uid}/edit/", FORM | {"milestones": f"2026-02-01 | OK\n{typed}"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["milestones"]
    assert len(errors) == 1 and error in errors[0], errors
    assert PlanAction.objects.values().get(pk=our_action.pk) == before


def test_the_action_refuses_bad_milestones_whoever_calls_it(
    our_action: PlanAction, officer: User
) -> None:
    outside = [milestone("Hors période", "2026-08-01")]
    with pytest.raises(PlanError, match="outside the action's dates"):
        update_action(actor=officer, action=our_action, data=action_data(milestones=outside))
    # Moving the action's due date before a milestone is refused too.
    inside = [milestone("Bilan", "2026-06-15")]
    update_action(actor=officer, action=our_action, data=action_data(milestones=inside))
    with pytest.raises(PlanError, match="“Bilan” is due on 2026-06-15"):
        update_action(
            actor=officer,
            action=our_action,
            data=action_data(milestones=inside, due_on=date(2026, 6, 1)),
        )
    assert PlanAction.objects.get(pk=our_action.pk).version == 2


def test_milestones_travel_to_the_partner_with_the_action(
    our_action: PlanAction, officer: User
) -> None:
    update_action(actor=officer, action=our_action, data=action_data(milestones=MILESTONES))
    body = _sent("planaction.upsert")[-1]
    assert (body["version"], body["milestones"]) == (2, MILESTONES)


def test_a_partners_milestones_arrive_with_its_action_and_their_changes_in_its_history(
    shared_objective: Any, fr: Partner
) -> None:
    body = their_action_body(shared_objective, milestones=MILESTONES[:1])
    assert deliver(fr, "planaction.upsert", body).status == "applied"
    changed = [*MILESTONES[:1], milestone("Remise", "2026-04-01")]
    assert deliver(
        fr, "planaction.upsert", body | {"version": 2, "milestones": changed}
    ).status == ("applied")
    copy = PlanAction.objects.get(uid=body["uid"])
    assert copy.milestones == changed
    assert copy.versions.get(version=2).changes == {"milestones": [MILESTONES[:1], changed]}


def test_the_partners_proposal_changes_a_milestone_and_we_accept_it(
    our_action: PlanAction, officer: User, fr: Partner
) -> None:
    update_action(actor=officer, action=our_action, data=action_data(milestones=MILESTONES))
    reached = [MILESTONES[0], MILESTONES[1], MILESTONES[2] | {"reached_on": "2026-05-30"}]
    body = _proposal_body(our_action, changes={"milestones": reached})
    assert deliver(fr, "planproposal.upsert", body).status == "applied"
    proposal = PlanProposal.objects.get(uid=body["uid"])
    assert proposal.changes == {"milestones": reached}
    decide_proposal(actor=officer, proposal=proposal, accepted=True, reason="Vu")
    our_action.refresh_from_db()
    assert (our_action.version, our_action.milestones) == (3, reached)
    assert our_action.versions.get(version=3).changes == {"milestones": [MILESTONES, reached]}
    assert _sent("planaction.upsert")[-1]["milestones"] == reached


def test_a_proposed_milestone_outside_the_dates_is_refused_and_saves_nothing(
    their_action: PlanAction, officer: User
) -> None:
    changes = {"milestones": [milestone("Trop tard", "2026-09-01")]}
    with pytest.raises(PlanError, match="outside the action's dates"):
        propose_change(actor=officer, action=their_action, changes=changes, reason="x")
    assert not PlanProposal.objects.exists()
    assert not OutboxEnvelope.objects.filter(message_type="planproposal.upsert").exists()


def test_we_propose_a_milestone_on_the_form_and_only_it_is_proposed(
    their_action: PlanAction, officer: User
) -> None:
    client = _web(officer)
    page = client.get(f"/plan/actions/{their_action.uid}/propose/")
    fields = ("title", "description", "working_group", "owners", "evidence", "status")
    form = {name: page.context["form"][name].value() or "" for name in fields}
    form |= {"starts_on": "2026-02-01", "due_on": "2026-05-31", "reason": "Étape utile"}
    response = client.post(
        f"/plan/actions/{their_action.uid}/propose/", form | {"milestones": "2026-03-15 | Atelier"}
    )
    assert response.status_code == 302
    assert PlanProposal.objects.get().changes == {
        "milestones": [milestone("Atelier", "2026-03-15")]
    }
    assert _sent("planproposal.upsert")[-1]["changes"] == PlanProposal.objects.get().changes


def test_milestones_through_the_api(our_action: PlanAction, officer: User) -> None:
    client = api(officer)
    action = client.get(f"/api/v1/actions/{our_action.uid}").json()
    assert action["milestones"] == []
    payload = {
        name: action[name]
        for name in ("title", "starts_on", "due_on", "owners", "status", "evidence")
    }
    response = client.put(
        f"/api/v1/actions/{our_action.uid}", payload | {"milestones": MILESTONES}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert response.json()["milestones"] == MILESTONES
    bad = [milestone("Pas encore", "2026-03-01", _tomorrow())]
    response = client.put(
        f"/api/v1/actions/{our_action.uid}", payload | {"milestones": bad}, content_type=JSON
    )
    assert response.status_code == 400 and "a date to come" in response.content.decode()
    late = payload | {"milestones": [milestone("Hors période", "2027-01-01")]}
    response = client.put(f"/api/v1/actions/{our_action.uid}", late, content_type=JSON)
    assert response.status_code == 400 and "outside the action's dates" in response.json()["detail"]
    assert PlanAction.objects.get(pk=our_action.pk).milestones == MILESTONES
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert set(schema["MilestoneIn"]["properties"]) == {"title", "due_on", "reached_on"}
    assert "milestones" in schema["ActionOut"]["properties"]

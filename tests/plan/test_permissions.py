"""The plan's table in docs/permissions.md, cell by cell, through the policy and the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from liaison.accounts.models import User
from liaison.exchange.models import OutboxEnvelope
from liaison.plan.models import PlanAction, PlanDecision, PlanProposal, Training
from liaison.policy import Action, decide
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import api, deliver

pytestmark = pytest.mark.django_db
JSON = "application/json"
DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
COLUMNS = ["see", "propose", "decide", "share"]


def _table() -> dict[str, dict[str, bool]]:
    section = DOC.read_text().split("## The action plan", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+) \|((?: (?:yes|no) \|){4})$", section, re.M)
    return {
        role: dict(zip(COLUMNS, [a.strip() == "yes" for a in answers.split("|")[:-1]], strict=True))
        for role, answers in rows
    }


TABLE = _table()


def test_the_table_covers_every_role() -> None:
    assert set(TABLE) == {
        "officer",
        "analyst",
        "liaison_officer",
        "supervisor",
        "auditor",
        "node_admin",
    }


@pytest.mark.parametrize("role", sorted(TABLE))
def test_each_role_may_do_what_the_table_says(
    role: str,
    make_user: Callable[..., User],
    our_action: PlanAction,
    their_action: PlanAction,
    training: Training,
    fr: Partner,
) -> None:
    from tests.plan.test_plan import _proposal_body

    allowed = TABLE[role]
    client = api(make_user(f"{role}-x", role))
    user = User.objects.get(username=f"{role}-x")
    assert decide(user, Action.LIST).allowed == allowed["see"]
    assert (client.get("/api/v1/actions").status_code == 200) == allowed["see"]

    assert decide(user, Action.CHANGE).allowed == allowed["propose"]
    proposal = {"changes": {"status": "done"}, "reason": "Fini"}
    url = f"/api/v1/actions/{their_action.uid}/proposals"
    response = client.post(url, proposal, content_type=JSON)
    assert response.status_code == (201 if allowed["propose"] else 403 if allowed["see"] else 404)
    assert PlanProposal.objects.filter(owner_node="ma").exists() == allowed["propose"]

    body = _proposal_body(our_action)
    deliver(fr, "planproposal.upsert", body)
    assert decide(user, Action.CHANGE, our_action).allowed == allowed["decide"]
    decision = client.post(
        f"/api/v1/proposals/{body['uid']}/decision", {"accepted": True}, content_type=JSON
    )
    assert decision.status_code == (201 if allowed["decide"] else 403 if allowed["see"] else 404)
    assert PlanDecision.objects.exists() == allowed["decide"]

    before = OutboxEnvelope.objects.count()
    assert decide(user, Action.DISCLOSE, training).allowed == allowed["share"]
    shared = client.post(
        f"/api/v1/trainings/{training.uid}/shares", {"partner": "fr"}, content_type=JSON
    )
    assert shared.status_code == (201 if allowed["share"] else 403 if allowed["see"] else 404)
    assert (OutboxEnvelope.objects.count() > before) == allowed["share"]

"""Security review of the plan: a hostile partner through the real receiver (envelopes
signed by its own key)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.plan.actions import decide_proposal, propose_change
from liaison.plan.models import Objective, PlanAction, PlanDecision, PlanProposal
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import URL, deliver, their_action_body

pytestmark = pytest.mark.django_db


def _proposal_body(action: PlanAction, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "action": str(action.uid),
        "changes": {"status": "done"},
        "reason": "Fini.",
        "proposed_by": "Cdt. Martin",
        "proposed_on": "2026-03-01T10:00:00+00:00",
    }
    return values | extra


def _decision_body(proposal: PlanProposal, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "proposal": str(proposal.uid),
        "accepted": True,
        "reason": "",
        "decided_by": "Police nationale",
        "decided_on": "2026-03-02T10:00:00+00:00",
    }
    return values | extra


def test_a_decided_proposal_cannot_be_rewritten_by_its_proposer(
    our_action: PlanAction, officer: User, fr: Partner
) -> None:
    """Once we decided, fr may not change what it proposed (nor move it to another action):
    our decision would then read as accepting something else."""
    body = _proposal_body(our_action)
    assert deliver(fr, "planproposal.upsert", body).status == "applied"
    proposal = PlanProposal.objects.get(uid=body["uid"])
    decide_proposal(actor=officer, proposal=proposal, accepted=True, reason="OK")
    later = body | {"version": 2, "changes": {"status": "cancelled"}, "reason": "Autre chose"}
    receipt = deliver(fr, "planproposal.upsert", later)
    assert receipt.status == "rejected"
    proposal.refresh_from_db()
    assert (proposal.version, proposal.changes, proposal.reason) == (1, {"status": "done"}, "Fini.")


def test_a_partner_may_not_propose_or_decide_on_a_third_nodes_action(
    shared_objective: Objective, officer: User, fr: Partner
) -> None:
    de = Partner("de")
    body = their_action_body(shared_objective, owner="de")
    assert deliver(de, "planaction.upsert", body).status == "rejected"  # not shared with de
    action = PlanAction.objects.create(
        uid=uuid.uuid4(),
        objective=shared_objective,
        owner_node="de",
        version=1,
        title="De",
        starts_on="2026-01-01",
        due_on="2026-02-01",
    )
    assert deliver(fr, "planproposal.upsert", _proposal_body(action)).reason == (
        "unknown_reference"
    )
    ours = propose_change(actor=officer, action=action, changes={"status": "done"}, reason="x")
    receipt = deliver(fr, "plandecision.upsert", _decision_body(ours))
    assert (receipt.status, receipt.reason) == ("rejected", "unknown_reference")
    never_sent = _decision_body(ours) | {"proposal": str(uuid.uuid4())}
    assert deliver(fr, "plandecision.upsert", never_sent).reason == "unknown_reference"
    assert not PlanDecision.objects.exists()
    assert not PlanProposal.objects.filter(owner_node="fr").exists()


def test_a_partner_may_not_overwrite_our_action_or_replay_an_envelope(
    our_action: PlanAction, fr: Partner
) -> None:
    body = their_action_body(our_action.objective, uid=str(our_action.uid), version=9)
    assert deliver(fr, "planaction.upsert", body).reason == "not_owner"
    our_action.refresh_from_db()
    assert our_action.version == 1 and our_action.owner_node == "ma"
    token = fr.token("planaction.upsert", their_action_body(our_action.objective))
    first = Client().post(URL, token, content_type="application/jose")
    again = Client().post(URL, token, content_type="application/jose")
    assert first.status_code == 200 and again.status_code < 500
    assert PlanAction.objects.filter(owner_node="fr").count() == 1


def test_a_decision_on_a_proposal_of_ours_never_sent_is_refused(
    their_action: PlanAction, officer: User, fr: Partner
) -> None:
    """A proposal kept here (H3 or flagged: never sent) cannot be decided by the partner,
    even about its own action and even if it learnt the proposal's id."""
    kept = PlanProposal.objects.create(
        uid=uuid.uuid4(),
        action=their_action,
        changes={"status": "done"},
        reason="Gardée ici.",
        proposed_by="Police marocaine",
        proposed_on="2026-03-01T10:00:00+00:00",
        owner_node="ma",
        version=1,
        handling_code="H3",
        created_by=officer,
    )
    receipt = deliver(fr, "plandecision.upsert", _decision_body(kept))
    assert (receipt.status, receipt.reason) == ("rejected", "unknown_reference")
    assert not PlanDecision.objects.exists()
    sent = propose_change(
        actor=officer, action=their_action, changes={"status": "done"}, reason="x"
    )
    assert deliver(fr, "plandecision.upsert", _decision_body(sent)).status == "applied"

"""The plan between two services: objectives and actions shared, changed by their owner
only, and changes the other side proposes, decided by the owner (through the real
receiver, with envelopes signed by the partner's own key)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Share
from liaison.plan.actions import (
    PlanError,
    create_action,
    decide_proposal,
    propose_change,
    update_action,
)
from liaison.plan.models import Objective, PlanAction, PlanDecision, PlanProposal
from tests.exchange.test_hostile import Partner
from tests.plan.conftest import action_data, deliver, their_action_body

pytestmark = pytest.mark.django_db


def _sent(message_type: str) -> list[dict[str, Any]]:
    rows = OutboxEnvelope.objects.filter(message_type=message_type).order_by("seq")
    return [row.payload["object"] for row in rows]


def test_sharing_an_objective_sends_it_with_its_actions(
    objective: Objective, officer: User, liaison: User, fr: Partner
) -> None:
    from liaison.plan.actions import share_objective

    action = create_action(actor=officer, objective=objective, data=action_data())
    assert not _sent("planaction.upsert")  # not shared yet: stays here
    share_objective(actor=liaison, objective=objective, partner="fr")
    assert [b["uid"] for b in _sent("objective.upsert")] == [str(objective.uid)]
    assert [b["uid"] for b in _sent("planaction.upsert")] == [str(action.uid)]


def test_an_officer_may_not_share_the_objective(
    objective: Objective, officer: User, fr: Partner
) -> None:
    from liaison.plan.actions import share_objective

    with pytest.raises(PermissionDenied):
        share_objective(actor=officer, objective=objective, partner="fr")
    assert not OutboxEnvelope.objects.exists()
    assert AuditEntry.objects.filter(action="permission_denied", object_type="objective").exists()


def test_a_new_action_under_a_shared_objective_goes_to_the_partner(our_action: PlanAction) -> None:
    body = _sent("planaction.upsert")[-1]
    assert body["uid"] == str(our_action.uid) and body["owners"][1]["person"] == "Cdt. Martin"
    assert Share.objects.filter(object_type="planaction", object_uid=our_action.uid).exists()


def test_the_owner_changes_its_action_as_a_new_version_with_history(
    our_action: PlanAction, officer: User
) -> None:
    update_action(actor=officer, action=our_action, data=action_data(status="in_progress"))
    our_action.refresh_from_db()
    assert our_action.version == 2 and our_action.status == "in_progress"
    history = list(our_action.versions.values_list("version", "changes"))
    assert history == [(2, {"status": ["planned", "in_progress"]}), (1, {})]
    assert [b["version"] for b in _sent("planaction.upsert")] == [1, 2]
    assert AuditEntry.objects.filter(action="alter", object_type="planaction").exists()


def test_a_partners_action_arrives_under_our_objective_with_its_history(
    their_action: PlanAction,
) -> None:
    assert their_action.owner_node == "fr" and their_action.received_at is not None
    assert list(their_action.versions.values_list("version", "changed_by")) == [
        (1, "Police nationale")
    ]


def test_a_partners_change_updates_the_copy_and_its_history(
    their_action: PlanAction, shared_objective: Objective, fr: Partner
) -> None:
    body = their_action_body(shared_objective, uid=str(their_action.uid), version=2, status="done")
    assert deliver(fr, "planaction.upsert", body).status == "applied"
    their_action.refresh_from_db()
    assert their_action.status == "done"
    assert their_action.versions.get(version=2).changes == {"status": ["in_progress", "done"]}


def test_nobody_here_may_change_the_partners_action(
    their_action: PlanAction, officer: User
) -> None:
    with pytest.raises(PermissionDenied):
        update_action(actor=officer, action=their_action, data=action_data(status="done"))
    their_action.refresh_from_db()
    assert their_action.version == 1 and their_action.status == "in_progress"


def test_the_receiver_refuses_a_change_to_our_action_from_the_partner(
    our_action: PlanAction, shared_objective: Objective, fr: Partner
) -> None:
    before = PlanAction.objects.values().get(pk=our_action.pk)
    for owner in ("fr", "ma"):
        body = their_action_body(
            shared_objective, uid=str(our_action.uid), owner=owner, version=9, status="cancelled"
        )
        receipt = deliver(fr, "planaction.upsert", body)
        assert (receipt.status, receipt.reason) == ("rejected", "not_owner")
    assert PlanAction.objects.values().get(pk=our_action.pk) == before
    assert our_action.versions.count() == 1


def test_an_action_under_an_objective_not_shared_with_the_sender_is_refused(
    objective: Objective, fr: Partner
) -> None:
    receipt = deliver(fr, "planaction.upsert", their_action_body(objective))
    assert (receipt.status, receipt.reason) == ("rejected", "unknown_reference")
    assert not PlanAction.objects.exists()


def test_bad_input_changes_nothing(our_action: PlanAction, officer: User) -> None:
    before = PlanAction.objects.values().get(pk=our_action.pk)
    bad = [
        action_data(due_on=date(2025, 1, 1)),
        action_data(owners=[{"service": "France", "person": "X"}]),
        action_data(evidence=[{"type": "training", "uid": "not-a-uid"}]),
        action_data(status="forgotten"),
        action_data(title=""),
    ]
    for data in bad:
        with pytest.raises(PlanError):
            update_action(actor=officer, action=our_action, data=data)
    assert PlanAction.objects.values().get(pk=our_action.pk) == before
    assert len(_sent("planaction.upsert")) == 1


# Proposals: either side proposes, the owner decides


def test_we_propose_a_change_to_the_partners_action_and_it_goes_to_fr(
    their_action: PlanAction, officer: User
) -> None:
    proposal = propose_change(
        actor=officer, action=their_action, changes={"due_on": "2026-09-30"}, reason="Retard"
    )
    assert proposal.owner_node == "ma" and proposal.changes == {"due_on": "2026-09-30"}
    body = _sent("planproposal.upsert")[-1]
    assert body["action"] == str(their_action.uid) and body["changes"] == {"due_on": "2026-09-30"}
    their_action.refresh_from_db()
    assert their_action.due_on == date(2026, 5, 31)  # only fr decides


def test_the_partners_decision_on_our_proposal_arrives(
    their_action: PlanAction, officer: User, fr: Partner
) -> None:
    proposal = propose_change(
        actor=officer, action=their_action, changes={"status": "done"}, reason="Terminé"
    )
    body = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "proposal": str(proposal.uid),
        "accepted": True,
        "reason": "D'accord",
        "decided_by": "Cdt. Martin",
        "decided_on": "2026-03-01T10:00:00+00:00",
    }
    assert deliver(fr, "plandecision.upsert", body).status == "applied"
    assert PlanDecision.objects.get(proposal=proposal).accepted is True


def _proposal_body(action: PlanAction, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "action": str(action.uid),
        "changes": {"due_on": "2026-12-31", "status": "in_progress"},
        "reason": "Les listes arrivent en retard.",
        "proposed_by": "Cdt. Martin (Police nationale)",
        "proposed_on": "2026-03-01T10:00:00+00:00",
    }
    return values | extra


def test_the_partners_proposal_is_decided_by_us_the_owner(
    our_action: PlanAction, officer: User, fr: Partner
) -> None:
    body = _proposal_body(our_action)
    assert deliver(fr, "planproposal.upsert", body).status == "applied"
    proposal = PlanProposal.objects.get(uid=body["uid"])
    assert proposal.owner_node == "fr"
    decide_proposal(actor=officer, proposal=proposal, accepted=True, reason="Accepté")
    our_action.refresh_from_db()
    assert (our_action.version, our_action.status) == (2, "in_progress")
    assert our_action.due_on == date(2026, 12, 31)
    assert set(our_action.versions.get(version=2).changes) == {"due_on", "status"}
    decision = _sent("plandecision.upsert")[-1]
    assert decision["proposal"] == body["uid"] and decision["accepted"] is True
    assert _sent("planaction.upsert")[-1]["version"] == 2
    with pytest.raises(PlanError):
        decide_proposal(actor=officer, proposal=proposal, accepted=False)


def test_a_refused_proposal_leaves_the_action_as_it_was(
    our_action: PlanAction, officer: User, fr: Partner
) -> None:
    body = _proposal_body(our_action)
    deliver(fr, "planproposal.upsert", body)
    proposal = PlanProposal.objects.get(uid=body["uid"])
    decide_proposal(actor=officer, proposal=proposal, accepted=False, reason="Non")
    our_action.refresh_from_db()
    assert our_action.version == 1
    assert _sent("plandecision.upsert")[-1]["accepted"] is False


def test_we_cannot_decide_on_a_proposal_about_the_partners_action(
    their_action: PlanAction, officer: User
) -> None:
    proposal = propose_change(
        actor=officer, action=their_action, changes={"status": "done"}, reason="Fini"
    )
    with pytest.raises(PermissionDenied):
        decide_proposal(actor=officer, proposal=proposal, accepted=True)
    assert not PlanDecision.objects.exists()


def test_a_proposal_about_an_action_not_shared_with_the_sender_is_refused(
    objective: Objective, officer: User, fr: Partner
) -> None:
    action = create_action(actor=officer, objective=objective, data=action_data())
    receipt = deliver(fr, "planproposal.upsert", _proposal_body(action))
    assert (receipt.status, receipt.reason) == ("rejected", "unknown_reference")
    assert not PlanProposal.objects.exists()


def test_a_proposal_with_a_bad_change_is_refused_and_saves_nothing(
    their_action: PlanAction, officer: User
) -> None:
    for changes in ({}, {"due_on": "2020-01-01"}, {"colour": "red"}, {"status": "nope"}):
        with pytest.raises(PlanError):
            propose_change(actor=officer, action=their_action, changes=changes, reason="x")
    assert not PlanProposal.objects.exists()


def test_an_analyst_may_not_propose(their_action: PlanAction, analyst: User) -> None:
    with pytest.raises(PermissionDenied):
        propose_change(actor=analyst, action=their_action, changes={"status": "done"}, reason="x")
    assert not PlanProposal.objects.exists()


def test_the_owner_changes_its_objective_and_the_partner_gets_it(
    shared_objective: Objective, officer: User
) -> None:
    from liaison.plan.actions import ObjectiveData, update_objective

    update_objective(
        actor=officer, objective=shared_objective, data=ObjectiveData(code="O2", title="Fugitifs")
    )
    assert [(b["version"], b["title"]) for b in _sent("objective.upsert")] == [
        (1, "Localiser les fugitifs"),
        (2, "Fugitifs"),
    ]


def test_nobody_here_may_change_the_partners_objective(fr: Partner, officer: User) -> None:
    from liaison.plan.actions import ObjectiveData, update_objective

    body = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "code": "F1",
        "title": "Objectif de la police nationale",
        "description": "",
    }
    assert deliver(fr, "objective.upsert", body).status == "applied"
    theirs = Objective.objects.get(uid=body["uid"])
    with pytest.raises(PermissionDenied):
        update_objective(actor=officer, objective=theirs, data=ObjectiveData(code="X", title="Y"))
    theirs.refresh_from_db()
    assert (theirs.version, theirs.code) == (1, "F1")

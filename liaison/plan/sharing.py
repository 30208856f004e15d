"""The plan in the sharing contract (liaison/exchange/sharing.py): six record types.

- `objective.upsert`: an objective, shared by a liaison officer of its owner node;
- `planaction.upsert`: an action, owned by its lead service, under an objective held by
  both sides; sent to the objective's other side when created, and at every change;
- `planproposal.upsert`: a change proposed to an action, owned by the proposing node, sent
  to the action's owner;
- `plandecision.upsert`: the owner's decision on it, sent back to the proposing node;
- `training.upsert`, `technicalassistance.upsert`: sessions and assistance, shared as
  events are.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.conf import settings
from pydantic import Field, model_validator

from liaison.core.field_rules import Line, Text
from liaison.exchange.models import Peer
from liaison.exchange.protocol import ProtocolError, Reason
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import RecordType, owned_by_sender, register_record_type, shared_with
from liaison.plan.bodies import (
    ACTION_FIELDS,
    MAX_EVIDENCE,
    MAX_MILESTONES,
    MAX_OWNERS,
    EvidenceRef,
    MilestoneRef,
    NodeId,
    OwnerRef,
    ProposedChanges,
    Strict,
)
from liaison.plan.choices import ActionStatus, AssistanceKind, AssistanceStatus, TrainingTopic
from liaison.plan.models import (
    Objective,
    PlanAction,
    PlanDecision,
    PlanProposal,
    TechnicalAssistance,
    Training,
)
from liaison.plan.versions import action_values, changed, record_version
from liaison.policy import HandlingCode
from liaison.records import (
    Shared,
    SharedRecord,
    disclose_refusal,
    existing_copy,
    finder,
    held_back,
    received_fields,
    save_copy,
    shared_fields,
    superseded,
    withdraw_applier,
)

MAX_TRAINERS = 20
# The longest list, in Arabic (two bytes a letter), signed, stays under an envelope's
# 256 KiB (tests/plan/test_training_participants.py signs it).
MAX_PARTICIPANT_NAMES = 150
TRAINING_FIELDS = [
    "topic",
    "title",
    "starts_on",
    "ends_on",
    "place",
    "remote",
    "provider_node",
    "receiver_node",
    "trainers",
    "participants",
    "participant_list",
    "attended",
    "rating",
]
ASSISTANCE_FIELDS = [
    "kind",
    "description",
    "provider_node",
    "recipient_node",
    "recipient_unit",
    "starts_on",
    "ends_on",
    "value_eur",
    "effort_days",
    "status",
]
Count = Annotated[int, Field(ge=0, le=100000)]


class ObjectiveBody(Shared):
    code: Line = Field(min_length=1, max_length=16)
    title: Line = Field(min_length=1, max_length=200)
    description: Text = Field(max_length=4000)


class ActionBody(Shared):
    objective: UUID
    title: Line = Field(min_length=1, max_length=200)
    description: Text = Field(max_length=4000)
    working_group: Line = Field(max_length=200)
    owners: list[OwnerRef] = Field(max_length=MAX_OWNERS)
    starts_on: date
    due_on: date
    status: ActionStatus
    evidence: list[EvidenceRef] = Field(max_length=MAX_EVIDENCE)
    milestones: list[MilestoneRef] = Field(default_factory=list, max_length=MAX_MILESTONES)


class ProposalBody(Shared):
    action: UUID
    changes: ProposedChanges
    reason: Text = Field(min_length=1, max_length=2000)
    proposed_by: Line = Field(min_length=1, max_length=200)
    proposed_on: datetime


class DecisionBody(Shared):
    proposal: UUID
    accepted: bool
    reason: Text = Field(max_length=2000)
    decided_by: Line = Field(min_length=1, max_length=200)
    decided_on: datetime


class Participant(Strict):
    """One participant of a training, named: an officer of a service (personal data)."""

    name: Line = Field(min_length=1, max_length=150)
    service: Line = Field(min_length=1, max_length=150)
    function: Line = Field("", max_length=100)


class TrainingBody(Shared):
    topic: TrainingTopic
    title: Line = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date
    place: Line = Field(max_length=200)
    remote: bool
    provider_node: NodeId
    receiver_node: NodeId
    trainers: list[Annotated[Line, Field(min_length=1, max_length=200)]] = Field(
        max_length=MAX_TRAINERS
    )
    participants: Count
    # Absent unless the owner's node sends names (names_may_leave); then one per participant.
    participant_list: list[Participant] = Field(
        default_factory=list, max_length=MAX_PARTICIPANT_NAMES
    )
    attended: Count | None
    rating: Annotated[Decimal, Field(ge=1, le=5, max_digits=2, decimal_places=1)] | None

    @model_validator(mode="after")
    def _names_match_the_count_under_h2(self) -> TrainingBody:
        if self.participant_list and len(self.participant_list) != self.participants:
            raise ValueError("participant_list must name every participant, or none")
        # Names leave only under H2 (names_may_leave): under a laxer code the receiver
        # could pass them on, so a node that sent them anyway is refused, not obeyed.
        if self.participant_list and self.handling_code != HandlingCode.H2:
            raise ValueError("participant_list is sent only with handling code H2")
        return self


class AssistanceBody(Shared):
    kind: AssistanceKind
    description: Line = Field(min_length=1, max_length=300)
    provider_node: NodeId
    recipient_node: NodeId
    recipient_unit: Line = Field(max_length=200)
    starts_on: date
    ends_on: date | None
    value_eur: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None
    effort_days: Annotated[Decimal, Field(ge=0, max_digits=7, decimal_places=1)] | None
    status: AssistanceStatus


# Serialisers


def _dump(body: Shared) -> dict[str, Any]:
    return body.model_dump(mode="json")


def objective_object(objective: Objective) -> dict[str, Any]:
    values = {name: getattr(objective, name) for name in ("code", "title", "description")}
    return _dump(ObjectiveBody(**shared_fields(objective), **values))


def action_object(action: PlanAction) -> dict[str, Any]:
    values = {name: getattr(action, name) for name in ACTION_FIELDS}
    return _dump(ActionBody(**shared_fields(action), objective=action.objective.uid, **values))


def proposal_object(proposal: PlanProposal) -> dict[str, Any]:
    body = ProposalBody(
        **shared_fields(proposal),
        action=proposal.action.uid,
        changes=ProposedChanges.model_validate(proposal.changes),
        reason=proposal.reason,
        proposed_by=proposal.proposed_by,
        proposed_on=proposal.proposed_on,
    )
    return _dump(body) | {"changes": body.changes.plain()}  # only the parts proposed


def decision_object(decision: PlanDecision) -> dict[str, Any]:
    body = DecisionBody(
        **shared_fields(decision),
        proposal=decision.proposal.uid,
        accepted=decision.accepted,
        reason=decision.reason,
        decided_by=decision.decided_by,
        decided_on=decision.decided_on,
    )
    return _dump(body)


def names_may_leave(training: Training) -> bool:
    """Whether the participants' names go with the training to the partner: only when the
    node allows it (LIAISON_TRAINING_SHARE_PARTICIPANT_NAMES) and the training is H2, so
    the partner passes them on to no one without this service's consent (docs/plan.md)."""
    allowed = bool(settings.TRAINING_SHARE_PARTICIPANT_NAMES)
    return allowed and training.effective_handling_code == HandlingCode.H2


def training_object(training: Training) -> dict[str, Any]:
    values = {name: getattr(training, name) for name in TRAINING_FIELDS}
    if not names_may_leave(training):
        values["participant_list"] = []
    body = _dump(TrainingBody(**shared_fields(training), **values))
    if not body["participant_list"]:
        del body["participant_list"]  # the count only: no key a partner could misread
    return body


def assistance_object(assistance: TechnicalAssistance) -> dict[str, Any]:
    values = {name: getattr(assistance, name) for name in ASSISTANCE_FIELDS}
    return _dump(AssistanceBody(**shared_fields(assistance), **values))


# Appliers


def _effect(record: SharedRecord | None) -> str:
    return "created" if record is None else "updated"


def apply_objective(sender: str, body: ObjectiveBody) -> Applied:
    owned_by_sender(sender, body.owner)
    objective = existing_copy(Objective, sender, body.uid)
    if superseded(objective, body):
        return Applied("unchanged", "objective", str(body.uid), body.version)
    values = received_fields(sender, body) | {
        name: getattr(body, name) for name in ("code", "title", "description")
    }
    save_copy(Objective, objective, body.uid, values)
    return Applied(_effect(objective), "objective", str(body.uid), body.version)


def _plan_objective(sender: str, uid: UUID) -> Objective:
    """The objective an action of `sender` sits under: the sender's, or ours shared with it."""
    objective = Objective.objects.filter(uid=uid).first()
    if objective is not None and objective.owner_node == sender:
        return objective
    if objective is not None and objective.is_local and shared_with(sender, "objective", uid):
        return objective
    raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"objective {uid} is not shared")


def _service_name(node_id: str) -> str:
    peer = Peer.objects.filter(node_id=node_id).first()
    return (peer.agency if peer is not None else "") or node_id


def apply_action(sender: str, body: ActionBody) -> Applied:
    """The owner's action, created or changed; the copy keeps its own history."""
    owned_by_sender(sender, body.owner)
    action = existing_copy(PlanAction, sender, body.uid)
    if superseded(action, body):
        return Applied("unchanged", "planaction", str(body.uid), body.version)
    objective = _plan_objective(sender, body.objective)
    parts = body.model_dump(mode="json", include=set(ACTION_FIELDS))
    values = parts | {"starts_on": body.starts_on, "due_on": body.due_on}
    before = action_values(action) if action is not None else None
    copy = save_copy(
        PlanAction,
        action,
        body.uid,
        received_fields(sender, body) | values | {"objective": objective},
    )
    changes = changed(before, action_values(copy)) if before is not None else {}
    record_version(copy, changes, _service_name(sender))
    return Applied(_effect(action), "planaction", str(body.uid), body.version)


def apply_proposal(sender: str, body: ProposalBody) -> Applied:
    """A partner proposes a change to an action of this node (which it was sent)."""
    owned_by_sender(sender, body.owner)
    action = PlanAction.objects.filter(uid=body.action, owner_node=settings.NODE_ID).first()
    if action is None or not shared_with(sender, "planaction", action.uid):
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"action {body.action} was not shared")
    proposal = existing_copy(PlanProposal, sender, body.uid)
    if superseded(proposal, body):
        return Applied("unchanged", "planproposal", str(body.uid), body.version)
    if proposal is not None and PlanDecision.objects.filter(proposal=proposal).exists():
        # Our decision would then read as deciding a change we never saw.
        raise ProtocolError(Reason.NOT_ACCEPTED, f"proposal {body.uid} was decided already")
    values = received_fields(sender, body) | {
        "action": action,
        "changes": body.changes.plain(),
        "reason": body.reason,
        "proposed_by": body.proposed_by,
        "proposed_on": body.proposed_on,
    }
    save_copy(PlanProposal, proposal, body.uid, values)
    return Applied(_effect(proposal), "planproposal", str(body.uid), body.version)


def apply_decision(sender: str, body: DecisionBody) -> Applied:
    """The action owner's decision on a proposal this node sent it."""
    owned_by_sender(sender, body.owner)
    proposal = (
        PlanProposal.objects.filter(uid=body.proposal, owner_node=settings.NODE_ID)
        .select_related("action")
        .first()
    )
    if (
        proposal is None
        or proposal.action.owner_node != sender
        or not shared_with(sender, "planproposal", proposal.uid)
    ):
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"proposal {body.proposal} was not sent")
    decision = existing_copy(PlanDecision, sender, body.uid)
    if superseded(decision, body):
        return Applied("unchanged", "plandecision", str(body.uid), body.version)
    values = received_fields(sender, body) | {
        "proposal": proposal,
        "accepted": body.accepted,
        "reason": body.reason,
        "decided_by": body.decided_by,
        "decided_on": body.decided_on,
    }
    save_copy(PlanDecision, decision, body.uid, values)
    return Applied(_effect(decision), "plandecision", str(body.uid), body.version)


def apply_training(sender: str, body: TrainingBody) -> Applied:
    """The owner's training: the copy keeps the names only if this version carries them."""
    owned_by_sender(sender, body.owner)
    record = existing_copy(Training, sender, body.uid)
    if superseded(record, body):
        return Applied("unchanged", "training", str(body.uid), body.version)
    values = {f: getattr(body, f) for f in TRAINING_FIELDS} | {
        "participant_list": [p.model_dump() for p in body.participant_list]
    }
    save_copy(Training, record, body.uid, received_fields(sender, body) | values)
    return Applied(_effect(record), "training", str(body.uid), body.version)


def _plain_applier(model: type[SharedRecord], name: str, fields: list[str]) -> Any:
    def apply(sender: str, body: Shared) -> Applied:
        owned_by_sender(sender, body.owner)
        record = existing_copy(model, sender, body.uid)
        if superseded(record, body):
            return Applied("unchanged", name, str(body.uid), body.version)
        values = received_fields(sender, body) | {f: getattr(body, f) for f in fields}
        save_copy(model, record, body.uid, values)
        return Applied(_effect(record), name, str(body.uid), body.version)

    return apply


# Refusals: whether a record may still go to the partner


def register() -> None:
    types = [
        RecordType(
            name="objective",
            body=ObjectiveBody,
            serialise=objective_object,
            apply=apply_objective,
            find=finder(Objective),
            refusal=disclose_refusal,
            withdraw=withdraw_applier(Objective, "objective"),
        ),
        RecordType(
            name="planaction",
            body=ActionBody,
            serialise=action_object,
            apply=apply_action,
            find=finder(PlanAction),
            refusal=held_back,
            withdraw=withdraw_applier(PlanAction, "planaction"),
            resync_order=1,
        ),
        RecordType(
            name="planproposal",
            body=ProposalBody,
            serialise=proposal_object,
            apply=apply_proposal,
            find=finder(PlanProposal),
            refusal=held_back,
            resync_order=2,
        ),
        RecordType(
            name="plandecision",
            body=DecisionBody,
            serialise=decision_object,
            apply=apply_decision,
            find=finder(PlanDecision),
            refusal=held_back,
            resync_order=3,
        ),
        RecordType(
            name="training",
            body=TrainingBody,
            serialise=training_object,
            apply=apply_training,
            find=finder(Training),
            refusal=disclose_refusal,
            withdraw=withdraw_applier(Training, "training"),
        ),
        RecordType(
            name="technicalassistance",
            body=AssistanceBody,
            serialise=assistance_object,
            apply=_plain_applier(TechnicalAssistance, "technicalassistance", ASSISTANCE_FIELDS),
            find=finder(TechnicalAssistance),
            refusal=disclose_refusal,
            withdraw=withdraw_applier(TechnicalAssistance, "technicalassistance"),
        ),
    ]
    for kind in types:
        register_record_type(kind)

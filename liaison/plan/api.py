"""Plan JSON API under /api/v1: objectives, actions (and proposed changes to them),
trainings and technical assistance; the same actions and scoped queries as the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictBool, StrictStr

from liaison.attachments.api import add_attachment_routes
from liaison.core import idempotency
from liaison.core.api_errors import error_responses
from liaison.core.api_input import ApiInput, IsoDate
from liaison.core.field_rules import Line, Text
from liaison.exchange.protocol import NODE_ID
from liaison.plan import actions, delivery, indicators
from liaison.plan.bodies import MAX_EVIDENCE, MAX_MILESTONES, MAX_OWNERS
from liaison.plan.choices import (
    ActionStatus,
    AssistanceKind,
    AssistanceStatus,
    EvidenceType,
    TrainingTopic,
)
from liaison.plan.indicators import Period
from liaison.plan.models import Objective, PlanAction, PlanProposal, TechnicalAssistance, Training
from liaison.plan.queries import (
    actions_visible_to,
    assistance_visible_to,
    get_action_for_user,
    get_assistance_for_user,
    get_objective_for_user,
    get_proposal_for_user,
    get_training_for_user,
    objectives_visible_to,
    proposals_of,
    trainings_visible_to,
)
from liaison.plan.sharing import MAX_PARTICIPANT_NAMES, MAX_TRAINERS, Participant
from liaison.policy import Action, HandlingCode, require
from liaison.refusals import Refused

router = Router(tags=["plan"])
LIST_ERRORS = error_responses(401, 403)
CREATE_ERRORS = error_responses(400, 401, 403, 413, *idempotency.ERRORS)
ADD_ERRORS = error_responses(400, 401, 403, 404, 413, *idempotency.ERRORS)
RECORD_ERRORS = error_responses(400, 401, 403, 404)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 413)
NodeId = Annotated[StrictStr, Field(pattern=NODE_ID)]
Count = Annotated[int, Field(ge=0, le=100000)]


class Input(ApiInput):
    model_config = {"extra": "forbid"}


class PlanShareIn(Input):
    partner: NodeId


class PlanShareOut(Schema):
    partner: str
    envelopes: list[str]


class ObjectiveIn(Input):
    code: Line = Field(min_length=1, max_length=16)
    title: Line = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=4000)
    handling_code: HandlingCode = HandlingCode.H0


class ObjectiveOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    code: str
    title: str
    description: str
    received_at: datetime | None


class OwnerIn(Input):
    service: NodeId
    person: Line = Field(min_length=1, max_length=200)


class EvidenceIn(Input):
    type: EvidenceType
    uid: UUID


class MilestoneIn(Input):
    title: Line = Field(min_length=1, max_length=200)
    due_on: IsoDate
    reached_on: IsoDate | None = None


class MilestoneOut(Schema):
    title: str
    due_on: date
    reached_on: date | None


class ActionIn(Input):
    title: Line = Field(min_length=1, max_length=200)
    starts_on: IsoDate
    due_on: IsoDate
    description: Text = Field("", max_length=4000)
    working_group: Line = Field("", max_length=200)
    owners: list[OwnerIn] = Field(default_factory=list, max_length=MAX_OWNERS)
    status: ActionStatus = ActionStatus.PLANNED
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=MAX_MILESTONES)
    handling_code: HandlingCode = HandlingCode.H0

    def data(self) -> actions.ActionData:
        values = self.model_dump(mode="json", exclude={"objective"})
        dates = {"starts_on": self.starts_on, "due_on": self.due_on}
        return actions.ActionData(**values | dates)


class NewActionIn(ActionIn):
    objective: UUID


class ActionOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    objective: UUID
    title: str
    description: str
    working_group: str
    owners: list[dict[str, str]]
    starts_on: date
    due_on: date
    status: str
    evidence: list[dict[str, str]]
    milestones: list[MilestoneOut]
    received_at: datetime | None


class ProposalIn(Input):
    changes: dict[str, Any]
    reason: Text = Field(min_length=1, max_length=2000)


class ProposalDecisionIn(Input):
    accepted: StrictBool
    reason: Text = Field("", max_length=2000)


class ProposalOut(Schema):
    uid: UUID
    owner_node: str
    action: UUID
    changes: dict[str, Any]
    reason: str
    proposed_by: str
    proposed_on: datetime
    decision: dict[str, Any] | None


class TrainingIn(Input):
    topic: TrainingTopic
    title: Line = Field(min_length=1, max_length=200)
    starts_on: IsoDate
    ends_on: IsoDate
    provider_node: NodeId
    receiver_node: NodeId
    place: Line = Field("", max_length=200)
    remote: StrictBool = False
    trainers: list[Annotated[Line, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=MAX_TRAINERS
    )
    participants: Count = 0
    # None, or one per participant (docs/plan.md: who sees them, when they go to the partner).
    participant_list: list[Participant] = Field(
        default_factory=list, max_length=MAX_PARTICIPANT_NAMES
    )
    attended: Count | None = None
    rating: Annotated[Decimal, Field(ge=1, le=5, max_digits=2, decimal_places=1)] | None = None
    handling_code: HandlingCode = HandlingCode.H0


class ParticipantOut(Schema):
    name: str
    service: str
    function: str


class TrainingOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    topic: str
    title: str
    starts_on: date
    ends_on: date
    place: str
    remote: bool
    provider_node: str
    receiver_node: str
    trainers: list[str]
    participants: int
    participant_list: list[ParticipantOut]
    attended: int | None
    rating: Decimal | None
    received_at: datetime | None


class AssistanceIn(Input):
    kind: AssistanceKind
    description: Line = Field(min_length=1, max_length=300)
    provider_node: NodeId
    recipient_node: NodeId
    starts_on: IsoDate
    recipient_unit: Line = Field("", max_length=200)
    ends_on: IsoDate | None = None
    value_eur: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None = None
    effort_days: Annotated[Decimal, Field(ge=0, max_digits=7, decimal_places=1)] | None = None
    status: AssistanceStatus = AssistanceStatus.PLANNED
    handling_code: HandlingCode = HandlingCode.H0


class AssistanceOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    kind: str
    description: str
    provider_node: str
    recipient_node: str
    recipient_unit: str
    starts_on: date
    ends_on: date | None
    value_eur: Decimal | None
    effort_days: Decimal | None
    status: str
    received_at: datetime | None


def _out(record: Any, fields: list[str]) -> dict[str, Any]:
    common = ["uid", "owner_node", "version", "received_at"]
    values = {name: getattr(record, name) for name in [*common, *fields]}
    return values | {"handling_code": record.effective_handling_code}


def objective_out(objective: Objective) -> dict[str, Any]:
    return _out(objective, ["code", "title", "description"])


def action_out(action: PlanAction) -> dict[str, Any]:
    fields = ["title", "description", "working_group", "owners", "starts_on", "due_on"]
    values = _out(action, [*fields, "status", "evidence", "milestones"])
    return values | {"objective": action.objective.uid}


def proposal_out(proposal: PlanProposal) -> dict[str, Any]:
    decided = getattr(proposal, "decision", None)
    decision = None
    if decided is not None:
        fields = ("accepted", "reason", "decided_by", "decided_on")
        decision = {name: getattr(decided, name) for name in fields}
    values = _out(proposal, ["changes", "reason", "proposed_by", "proposed_on"])
    return values | {"action": proposal.action.uid, "decision": decision}


def training_out(training: Training) -> dict[str, Any]:
    return _out(training, list(TrainingIn.model_fields.keys() - {"handling_code"}))


def assistance_out(record: TechnicalAssistance) -> dict[str, Any]:
    return _out(record, list(AssistanceIn.model_fields.keys() - {"handling_code"}))


# Objectives


@router.get(
    "/objectives", response={200: list[ObjectiveOut], **LIST_ERRORS}, summary="List objectives"
)
def list_objectives(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="objective")
    return [objective_out(o) for o in objectives_visible_to(request.user)]


@router.post(
    "/objectives", response={201: ObjectiveOut, **CREATE_ERRORS}, summary="Record an objective"
)
@idempotency.idempotent
def create_objective(request: HttpRequest, payload: ObjectiveIn) -> Any:
    data = actions.ObjectiveData(**payload.model_dump())
    objective = actions.create_objective(actor=request.user, data=data, request=request)
    return Status(201, objective_out(objective))


@router.get(
    "/objectives/{uid}", response={200: ObjectiveOut, **RECORD_ERRORS}, summary="Open an objective"
)
def get_objective(request: HttpRequest, uid: UUID) -> Any:
    return objective_out(get_objective_for_user(request.user, uid))


@router.put(
    "/objectives/{uid}",
    response={200: ObjectiveOut, **CHANGE_ERRORS},
    summary="Change an objective",
)
def update_objective(request: HttpRequest, uid: UUID, payload: ObjectiveIn) -> Any:
    objective = get_objective_for_user(request.user, uid)
    data = actions.ObjectiveData(**payload.model_dump())
    return objective_out(
        actions.update_objective(
            actor=request.user, objective=objective, data=data, request=request
        )
    )


@router.post(
    "/objectives/{uid}/shares",
    response={201: PlanShareOut, **ADD_ERRORS},
    summary="Share an objective and its actions with a partner node",
)
@idempotency.idempotent
def share_objective(request: HttpRequest, uid: UUID, payload: PlanShareIn) -> Any:
    objective = get_objective_for_user(request.user, uid)
    envelopes = actions.share_objective(
        actor=request.user, objective=objective, partner=payload.partner, request=request
    )
    return Status(201, {"partner": payload.partner, "envelopes": envelopes})


# Actions and proposed changes


@router.get("/actions", response={200: list[ActionOut], **LIST_ERRORS}, summary="List plan actions")
def list_actions(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="planaction")
    return [action_out(a) for a in actions_visible_to(request.user)]


@router.post("/actions", response={201: ActionOut, **ADD_ERRORS}, summary="Record a plan action")
@idempotency.idempotent
def create_action(request: HttpRequest, payload: NewActionIn) -> Any:
    objective = get_objective_for_user(request.user, payload.objective)
    data = payload.data()
    action = actions.create_action(
        actor=request.user, objective=objective, data=data, request=request
    )
    return Status(201, action_out(action))


@router.get(
    "/actions/{uid}", response={200: ActionOut, **RECORD_ERRORS}, summary="Open a plan action"
)
def get_action(request: HttpRequest, uid: UUID) -> Any:
    return action_out(get_action_for_user(request.user, uid))


@router.put(
    "/actions/{uid}",
    response={200: ActionOut, **CHANGE_ERRORS},
    summary="Change a plan action (its owner node)",
)
def update_action(request: HttpRequest, uid: UUID, payload: ActionIn) -> Any:
    action = get_action_for_user(request.user, uid)
    return action_out(
        actions.update_action(
            actor=request.user, action=action, data=payload.data(), request=request
        )
    )


@router.get(
    "/actions/{uid}/proposals",
    response={200: list[ProposalOut], **RECORD_ERRORS},
    summary="List the changes proposed to a plan action",
)
def list_proposals(request: HttpRequest, uid: UUID) -> Any:
    action = get_action_for_user(request.user, uid)
    return [proposal_out(p) for p in proposals_of(request.user, action)]


@router.post(
    "/actions/{uid}/proposals",
    response={201: ProposalOut, **ADD_ERRORS},
    summary="Propose a change to a plan action (its owner node decides)",
)
@idempotency.idempotent
def propose_change(request: HttpRequest, uid: UUID, payload: ProposalIn) -> Any:
    action = get_action_for_user(request.user, uid)
    proposal = actions.propose_change(
        actor=request.user,
        action=action,
        changes=payload.changes,
        reason=payload.reason,
        request=request,
    )
    return Status(201, proposal_out(proposal))


@router.post(
    "/proposals/{uid}/decision",
    response={201: ProposalOut, **ADD_ERRORS},
    summary="Accept or refuse a proposed change (the action's owner node)",
)
@idempotency.idempotent
def decide_proposal(request: HttpRequest, uid: UUID, payload: ProposalDecisionIn) -> Any:
    proposal = get_proposal_for_user(request.user, uid)
    decision = actions.decide_proposal(
        actor=request.user,
        proposal=proposal,
        accepted=payload.accepted,
        reason=payload.reason,
        request=request,
    )
    return Status(201, proposal_out(decision.proposal))


# Training sessions


@router.get(
    "/trainings", response={200: list[TrainingOut], **LIST_ERRORS}, summary="List training sessions"
)
def list_trainings(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="training")
    return [training_out(t) for t in trainings_visible_to(request.user)]


@router.post(
    "/trainings", response={201: TrainingOut, **CREATE_ERRORS}, summary="Record a training session"
)
@idempotency.idempotent
def create_training(request: HttpRequest, payload: TrainingIn) -> Any:
    data = delivery.TrainingData(**payload.model_dump())
    return Status(
        201, training_out(delivery.create_training(actor=request.user, data=data, request=request))
    )


@router.get(
    "/trainings/{uid}",
    response={200: TrainingOut, **RECORD_ERRORS},
    summary="Open a training session",
)
def get_training(request: HttpRequest, uid: UUID) -> Any:
    return training_out(get_training_for_user(request.user, uid))


@router.put(
    "/trainings/{uid}",
    response={200: TrainingOut, **CHANGE_ERRORS},
    summary="Change a training session",
)
def update_training(request: HttpRequest, uid: UUID, payload: TrainingIn) -> Any:
    training = get_training_for_user(request.user, uid)
    data = delivery.TrainingData(**payload.model_dump())
    return training_out(
        delivery.update_training(actor=request.user, training=training, data=data, request=request)
    )


@router.post(
    "/trainings/{uid}/shares",
    response={201: PlanShareOut, **ADD_ERRORS},
    summary="Share a training session with a partner node",
)
@idempotency.idempotent
def share_training(request: HttpRequest, uid: UUID, payload: PlanShareIn) -> Any:
    training = get_training_for_user(request.user, uid)
    envelope = delivery.share_training(
        actor=request.user, training=training, partner=payload.partner, request=request
    )
    return Status(201, {"partner": payload.partner, "envelopes": [envelope]})


# A training's materials: /trainings/{uid}/attachments (liaison/plan/materials.py).
add_attachment_routes(router, "training", "trainings")


# Technical assistance


@router.get(
    "/assistance",
    response={200: list[AssistanceOut], **LIST_ERRORS},
    summary="List technical assistance",
)
def list_assistance(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="technicalassistance")
    return [assistance_out(a) for a in assistance_visible_to(request.user)]


@router.post(
    "/assistance",
    response={201: AssistanceOut, **CREATE_ERRORS},
    summary="Record technical assistance",
)
@idempotency.idempotent
def create_assistance(request: HttpRequest, payload: AssistanceIn) -> Any:
    data = delivery.AssistanceData(**payload.model_dump())
    record = delivery.create_assistance(actor=request.user, data=data, request=request)
    return Status(201, assistance_out(record))


@router.get(
    "/assistance/{uid}",
    response={200: AssistanceOut, **RECORD_ERRORS},
    summary="Open technical assistance",
)
def get_assistance(request: HttpRequest, uid: UUID) -> Any:
    return assistance_out(get_assistance_for_user(request.user, uid))


@router.put(
    "/assistance/{uid}",
    response={200: AssistanceOut, **CHANGE_ERRORS},
    summary="Change technical assistance",
)
def update_assistance(request: HttpRequest, uid: UUID, payload: AssistanceIn) -> Any:
    record = get_assistance_for_user(request.user, uid)
    data = delivery.AssistanceData(**payload.model_dump())
    return assistance_out(
        delivery.update_assistance(
            actor=request.user, assistance=record, data=data, request=request
        )
    )


@router.post(
    "/assistance/{uid}/shares",
    response={201: PlanShareOut, **ADD_ERRORS},
    summary="Share technical assistance with a partner node",
)
@idempotency.idempotent
def share_assistance(request: HttpRequest, uid: UUID, payload: PlanShareIn) -> Any:
    record = get_assistance_for_user(request.user, uid)
    envelope = delivery.share_assistance(
        actor=request.user, assistance=record, partner=payload.partner, request=request
    )
    return Status(201, {"partner": payload.partner, "envelopes": [envelope]})


# Indicators (computed from the node's data; docs/plan.md)

Quarter = Annotated[StrictStr, Field(pattern=r"^[0-9]{4}-Q[1-4]$")]


class PlanIndicatorOut(Schema):
    key: str
    title: str
    definition: str
    by: str = Field(description="What the rows are: quarter, type or working_group.")
    series: list[str]
    rows: list[str]
    values: list[list[int | float | None]] = Field(description="One list per row, by series.")


class BadPeriod(Refused):
    """The period's quarters are in the wrong order."""


@router.get(
    "/indicators",
    response={200: list[PlanIndicatorOut], **error_responses(400, 401, 403)},
    summary="The plan's indicators for a period",
)
def list_indicators(
    request: HttpRequest,
    first: Annotated[Quarter | None, Query(alias="from")] = None,
    last: Annotated[Quarter | None, Query(alias="to")] = None,
) -> Any:
    """Every indicator of the dashboard, as the caller may see them: `from` and `to` are
    quarters (2025-Q1); the last eight quarters by default."""
    require(request, Action.LIST, object_type="indicators")
    try:
        period = Period.parse(first or "", last or "") if first or last else Period.recent()
    except ValueError:
        raise BadPeriod(_("Give the period as two quarters, such as 2025-Q1.")) from None
    return [_indicator_out(i) for i in indicators.cached(request.user, period)]


def _indicator_out(indicator: indicators.Indicator) -> dict[str, Any]:
    return {
        "key": indicator.key,
        "title": str(indicator.title),
        "definition": str(indicator.definition),
        "by": indicator.by,
        "series": [str(s) for s in indicator.series],
        "rows": indicator.rows,
        "values": [indicator.row(r) for r in indicator.rows],
    }

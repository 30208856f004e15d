"""Every change to the plan: atomic, permission-checked, versioned, audited, and sent to
the partner that shares the plan (through the exchange's sharing contract).

Ownership: an objective and an action are changed only by their owner node (the lead
service). The other side proposes a change (`PlanProposal`, owned by the proposing node);
the action's owner decides (`PlanDecision`, owned by the owner node), and an accepted
change becomes the action's next version in the decision's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from liaison.accounts.models import Actor, User
from liaison.audit.actions import log_event
from liaison.exchange import sharing
from liaison.exchange.models import Share
from liaison.plan.bodies import ACTION_FIELDS, ProposedChanges
from liaison.plan.milestones import problems as milestone_problems
from liaison.plan.models import Objective, PlanAction, PlanDecision, PlanProposal
from liaison.plan.versions import action_values, changed, record_version
from liaison.policy import Action, atomic_action, authorise
from liaison.records import clean_or_refuse, kept_local
from liaison.refusals import Refused


class PlanError(Refused):
    """A change to the plan that the rules refuse; the message says why."""


@dataclass
class ObjectiveData:
    code: str
    title: str
    description: str = ""
    handling_code: str = "H0"


@dataclass
class ActionData:
    title: str
    starts_on: date
    due_on: date
    description: str = ""
    working_group: str = ""
    owners: list[dict[str, str]] = field(default_factory=list)
    status: str = "planned"
    evidence: list[dict[str, str]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    handling_code: str = "H0"


def service_of(user: User) -> str:
    agency = user.agency
    name = agency.name if agency is not None else settings.NODE_ID
    return f"{user.get_username()} ({name})"


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}"


def _checked_changes(values: dict[str, Any]) -> ProposedChanges:
    try:
        return ProposedChanges.model_validate(values)
    except ValidationError as error:
        raise PlanError(_first_problem(error)) from None


def _today() -> date:
    return timezone.localdate()


def _action_values(data: ActionData) -> dict[str, Any]:
    """The action's parts, checked by the same rules as a received body or a proposal."""
    given = {name: getattr(data, name) for name in ACTION_FIELDS}
    checked = _checked_changes(given).model_dump(mode="json")
    if data.due_on < data.starts_on:
        raise PlanError(_("An action cannot be due before it starts."))
    wrong = milestone_problems(checked["milestones"], data.starts_on, data.due_on, _today())
    if wrong:
        raise PlanError(" ".join(wrong))
    return checked | {"starts_on": data.starts_on, "due_on": data.due_on}


# Objectives


@atomic_action
def create_objective(
    *, actor: Actor, data: ObjectiveData, request: HttpRequest | None = None
) -> Objective:
    user = authorise(
        actor,
        Action.CREATE,
        handling_code=data.handling_code,
        request=request,
        object_type="objective",
    )
    objective = Objective(
        owner_node=settings.NODE_ID,
        created_by=user,
        code=data.code.strip(),
        title=data.title.strip(),
        description=data.description.strip(),
        handling_code=data.handling_code,
    )
    clean_or_refuse(objective, PlanError)
    objective.save()
    log_event(
        action="collect",
        request=request,
        actor=user,
        object_type="objective",
        object_id=str(objective.uid),
    )
    return objective


@atomic_action
def update_objective(
    *, actor: Actor, objective: Objective, data: ObjectiveData, request: HttpRequest | None = None
) -> Objective:
    """The owner changes its objective; the partners holding it get the new version."""
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    user = authorise(
        actor,
        Action.CHANGE,
        objective,
        handling_code=data.handling_code,
        request=request,
        object_type="objective",
    )
    values = {
        "code": data.code.strip(),
        "title": data.title.strip(),
        "description": data.description.strip(),
        "handling_code": data.handling_code,
    }
    before = {name: getattr(objective, name) for name in values}
    for name, value in values.items():
        setattr(objective, name, value)
    clean_or_refuse(objective, PlanError)
    changes = {k: [v, values[k]] for k, v in before.items() if v != values[k]}
    if not changes:
        return objective
    objective.version += 1
    objective.save()
    sharing.push_update("objective", objective)
    log_event(
        action="alter",
        request=request,
        actor=user,
        object_type="objective",
        object_id=str(objective.uid),
        changes=changes,
        detail={"version": objective.version},
    )
    return objective


@atomic_action
def share_objective(
    *, actor: Actor, objective: Objective, partner: str, request: HttpRequest | None = None
) -> list[str]:
    """Send the objective and its actions of this node to `partner`; the envelope ids."""
    authorise(actor, Action.DISCLOSE, objective, request=request, object_type="objective")
    peer = sharing.peer_for(partner)
    objective = Objective.objects.get(pk=objective.pk)
    rows = [sharing.send(peer, "objective", objective, actor=actor, request=request)]
    for action in objective.actions.filter(owner_node=settings.NODE_ID).order_by("pk"):
        if not kept_local(action):
            rows.append(sharing.send(peer, "planaction", action, actor=actor, request=request))
    return [str(row.envelope_id) for row in rows]


# Actions


def _plan_partners(objective: Objective) -> list[str]:
    """The nodes that share this objective's plan: its owner, or those it was shared with."""
    if objective.owner_node != settings.NODE_ID:
        return [objective.owner_node]
    shares = Share.objects.filter(object_type="objective", object_uid=objective.uid)
    return sorted(shares.values_list("peer__node_id", flat=True))


@atomic_action
def create_action(
    *,
    actor: Actor,
    objective: Objective,
    data: ActionData,
    request: HttpRequest | None = None,
) -> PlanAction:
    """A new action of this node under an objective of either side; the services sharing the
    objective get it at once (an action follows its objective, as a warrant its person)."""
    user = authorise(
        actor,
        Action.CREATE,
        handling_code=data.handling_code,
        request=request,
        object_type="planaction",
    )
    authorise(actor, Action.VIEW, objective, request=request, object_type="objective")
    action = PlanAction(
        objective=objective,
        owner_node=settings.NODE_ID,
        created_by=user,
        handling_code=data.handling_code,
        **_action_values(data),
    )
    clean_or_refuse(action, PlanError)
    action.save()
    record_version(action, {}, service_of(user))
    if not kept_local(action):
        for node in _plan_partners(objective):
            sharing.send(sharing.peer_for(node), "planaction", action, actor=user, request=request)
    log_event(
        action="collect",
        request=request,
        actor=user,
        object_type="planaction",
        object_id=str(action.uid),
        detail={"objective": str(objective.uid)},
    )
    return action


def _change(action: PlanAction, values: dict[str, Any], by: str) -> dict[str, list[Any]]:
    """Write the new values as the next version; the changes (none: nothing written)."""
    before = action_values(action)
    for name, value in values.items():
        setattr(action, name, value)
    clean_or_refuse(action, PlanError)
    changes = changed(before, action_values(action))
    if changes:
        action.version += 1
        action.save()
        record_version(action, changes, by)
        sharing.push_update("planaction", action)
    return changes


@atomic_action
def update_action(
    *, actor: Actor, action: PlanAction, data: ActionData, request: HttpRequest | None = None
) -> PlanAction:
    """The owner changes its action; the partner holding it gets the new version."""
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    user = authorise(
        actor,
        Action.CHANGE,
        action,
        handling_code=data.handling_code,
        request=request,
        object_type="planaction",
    )
    values = _action_values(data) | {"handling_code": data.handling_code}
    changes = _change(action, values, service_of(user))
    if changes:
        log_event(
            action="alter",
            request=request,
            actor=user,
            object_type="planaction",
            object_id=str(action.uid),
            changes=changes,
            detail={"version": action.version},
        )
    return action


# Proposals and decisions


def _merged(action: PlanAction, changes: ProposedChanges) -> dict[str, Any]:
    """The action's values with the proposal applied, checked as a whole."""
    values = action_values(action)
    data = ActionData(**{name: values[name] for name in ACTION_FIELDS})
    proposed = {k: v for k, v in changes.model_dump().items() if v is not None}
    for name, value in proposed.items():
        if name in ("owners", "evidence", "milestones"):
            value = [dict(item) for item in value]
        setattr(data, name, value)
    return {name: v for name, v in _action_values(data).items() if name in proposed}


@atomic_action
def propose_change(
    *,
    actor: Actor,
    action: PlanAction,
    changes: dict[str, Any],
    reason: str,
    request: HttpRequest | None = None,
) -> PlanProposal:
    """Either side proposes a change; it goes to the action's owner node, which decides."""
    user = authorise(actor, Action.CHANGE, request=request, object_type="planproposal")
    authorise(actor, Action.VIEW, action, request=request, object_type="planaction")
    proposed = _checked_changes(changes)
    if not proposed.plain():
        raise PlanError(_("Propose at least one change."))
    _merged(action, proposed)
    proposal = PlanProposal(
        action=action,
        changes=proposed.plain(),
        reason=reason.strip(),
        proposed_by=service_of(user),
        proposed_on=timezone.now(),
        owner_node=settings.NODE_ID,
        handling_code=action.effective_handling_code,
        created_by=user,
    )
    clean_or_refuse(proposal, PlanError)
    proposal.save()
    if not action.is_local and not kept_local(proposal):
        peer = sharing.peer_for(action.owner_node)
        sharing.send(peer, "planproposal", proposal, actor=user, request=request)
    log_event(
        action="collect",
        request=request,
        actor=user,
        object_type="planproposal",
        object_id=str(proposal.uid),
        detail={"action": str(action.uid), "changes": sorted(proposed.plain())},
    )
    return proposal


@atomic_action
def decide_proposal(
    *,
    actor: Actor,
    proposal: PlanProposal,
    accepted: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> PlanDecision:
    """The action's owner accepts or refuses a proposal (once); an accepted change is the
    action's next version. The decision goes back to the proposing node."""
    proposal = PlanProposal.objects.select_related("action").get(pk=proposal.pk)
    action = PlanAction.objects.select_for_update().get(pk=proposal.action_id)
    user = authorise(actor, Action.CHANGE, action, request=request, object_type="planproposal")
    if PlanDecision.objects.filter(proposal=proposal).exists():
        raise PlanError(_("This proposal was decided already."))
    decision = PlanDecision(
        proposal=proposal,
        accepted=accepted,
        reason=reason.strip(),
        decided_by=service_of(user),
        decided_on=timezone.now(),
        owner_node=settings.NODE_ID,
        handling_code=proposal.effective_handling_code,
        created_by=user,
    )
    clean_or_refuse(decision, PlanError)
    decision.save()
    changes: dict[str, list[Any]] = {}
    if accepted:
        values = _merged(action, _checked_changes(proposal.changes))
        changes = _change(action, values, decision.decided_by)
    if not proposal.is_local and not kept_local(decision):
        peer = sharing.peer_for(proposal.owner_node)
        sharing.send(peer, "plandecision", decision, actor=user, request=request)
    log_event(
        action="alter" if changes else "collect",
        request=request,
        actor=user,
        object_type="planaction",
        object_id=str(action.uid),
        changes=changes,
        detail={"proposal": str(proposal.uid), "accepted": accepted, "version": action.version},
    )
    return decision

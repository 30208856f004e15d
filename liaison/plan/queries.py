"""Permission-scoped reads of the plan. Views and the API never fetch by primary key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import Http404

from liaison.accounts.models import Actor
from liaison.cooperation.models import JointCase
from liaison.cooperation.queries import cases_visible_to
from liaison.plan.models import (
    Objective,
    PlanAction,
    PlanProposal,
    TechnicalAssistance,
    Training,
)
from liaison.policy import Action, restrict


def objectives_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[Objective]:
    return restrict(Objective.objects.all(), user, action)


def actions_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[PlanAction]:
    return restrict(PlanAction.objects.select_related("objective"), user, action)


def plan_overview(user: Actor) -> QuerySet[Objective]:
    """Objectives with their actions (only those the user may see), in two queries."""
    actions = Prefetch("actions", queryset=restrict(PlanAction.objects.all(), user, Action.LIST))
    return objectives_visible_to(user).prefetch_related(actions)


def proposals_of(user: Actor, action: PlanAction) -> QuerySet[PlanProposal]:
    visible = restrict(PlanProposal.objects.filter(action=action), user, Action.VIEW)
    return visible.select_related("decision")


def trainings_visible_to(user: Actor, action: Action = Action.LIST) -> QuerySet[Training]:
    return restrict(Training.objects.all(), user, action)


def assistance_visible_to(
    user: Actor, action: Action = Action.LIST
) -> QuerySet[TechnicalAssistance]:
    return restrict(TechnicalAssistance.objects.all(), user, action)


def _get[M: Model](queryset: QuerySet[M], uid: Any) -> M:
    """The record if the user may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return queryset.get(uid=uid)
    except (ObjectDoesNotExist, ValueError):
        raise Http404 from None


def get_objective_for_user(user: Actor, uid: Any) -> Objective:
    return _get(objectives_visible_to(user, Action.VIEW), uid)


def get_action_for_user(user: Actor, uid: Any) -> PlanAction:
    return _get(actions_visible_to(user, Action.VIEW), uid)


def get_proposal_for_user(user: Actor, uid: Any) -> PlanProposal:
    queryset: QuerySet[PlanProposal] = restrict(
        PlanProposal.objects.select_related("action"), user, Action.VIEW
    )
    return _get(queryset, uid)


def get_training_for_user(user: Actor, uid: Any) -> Training:
    return _get(trainings_visible_to(user, Action.VIEW), uid)


def get_assistance_for_user(user: Actor, uid: Any) -> TechnicalAssistance:
    return _get(assistance_visible_to(user, Action.VIEW), uid)


NOTABLE_CASES = 30


def notable_cases(user: Actor, start: datetime, end: datetime) -> list[JointCase]:
    """The review pack's notable cases: the joint cases `user` may see that were opened or
    changed in [start, end), the last changed first, at most NOTABLE_CASES of them."""
    changed = Q(created_at__gte=start, created_at__lt=end) | Q(
        updated_at__gte=start, updated_at__lt=end
    )
    rows = cases_visible_to(user).filter(changed).order_by("-updated_at", "-id")
    return list(rows[:NOTABLE_CASES])

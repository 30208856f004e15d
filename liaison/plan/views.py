"""Plan pages: authorise by scoped lookup, validate, call one action, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.attachments import views as attachments
from liaison.attachments.parents import parent_named
from liaison.exchange.queries import service_names_for, share_outcome
from liaison.plan import actions, delivery, evidence
from liaison.plan.choices import ActionStatus
from liaison.plan.forms import (
    ActionForm,
    AssistanceForm,
    DecisionForm,
    ObjectiveForm,
    ProposalForm,
    TrainingForm,
)
from liaison.plan.milestones import Milestone, milestones_of
from liaison.plan.models import PlanAction
from liaison.plan.queries import (
    assistance_visible_to,
    get_action_for_user,
    get_assistance_for_user,
    get_objective_for_user,
    get_proposal_for_user,
    get_training_for_user,
    plan_overview,
    proposals_of,
    trainings_visible_to,
)
from liaison.plan.sharing import names_may_leave
from liaison.policy import Action, decide, require
from liaison.records import SharedRecord
from liaison.refusals import Refused
from liaison.share_status import partner_choices, shared_before, sharing_context

FAILURES = (Refused, PermissionDenied)


def _form_page(
    request: HttpRequest,
    form: Any,
    call: Callable[[], Any],
    done: Callable[[Any], HttpResponse],
    title: str,
) -> HttpResponse:
    """Validate, call the one action, then redirect; or show the form with the reason."""
    if request.method == "POST" and form.is_valid():
        try:
            record = call()
        except FAILURES as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return done(record)
    return render(request, "plan/form.html", {"form": form, "title": title})


def _share_context(request: HttpRequest, name: str, label: str, record: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"can_change": decide(request.user, Action.CHANGE, record).allowed}
    if request.user.has_perm("accounts.disclose_records"):
        decision = decide(request.user, Action.DISCLOSE, record)
        context |= {"share_partners": partner_choices(request)} if decision else {}
        context |= {} if decision else {"share_refusal": decision.reason}
    return context | sharing_context(request.user, [(name, label, record)])


def _share(request: HttpRequest, name: str, record: SharedRecord, call: Callable[..., Any]) -> None:
    partner = request.POST.get("partner", "")
    before = shared_before(name, record.uid, partner)
    try:
        call(actor=request.user, partner=partner, request=request)
    except FAILURES as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
    else:
        service = service_names_for(request).get(partner, partner)
        messages.success(request, share_outcome(before, service, record.version))


# The plan


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="objective")
    context = {
        "objectives": plan_overview(request.user),
        "can_create": decide(request.user, Action.CREATE).allowed,
    }
    return render(request, "plan/overview.html", context)


@login_required
def objective_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.CREATE, object_type="objective")
    form = ObjectiveForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda: actions.create_objective(actor=request.user, data=form.to_data(), request=request),
        lambda objective: redirect("plan:objective", uid=objective.uid),
        _("New objective"),
    )


@login_required
def objective_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    objective = get_objective_for_user(request.user, uid)
    context = _share_context(request, "objective", _("Objective"), objective)
    context |= {
        "objective": objective,
        "actions": plan_overview(request.user).get(pk=objective.pk).actions.all(),
        "can_create": decide(request.user, Action.CREATE).allowed,
    }
    return render(request, "plan/objective_detail.html", context)


@login_required
def objective_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    objective = get_objective_for_user(request.user, uid)
    require(request, Action.CHANGE, objective, object_type="objective")
    form = ObjectiveForm.for_objective(objective, request.POST or None)
    return _form_page(
        request,
        form,
        lambda: actions.update_objective(
            actor=request.user, objective=objective, data=form.to_data(), request=request
        ),
        lambda saved: redirect("plan:objective", uid=saved.uid),
        _("Change the objective"),
    )


@login_required
@require_POST
def objective_share(request: HttpRequest, uid: UUID) -> HttpResponse:
    objective = get_objective_for_user(request.user, uid)

    def call(**kwargs: Any) -> Any:
        return actions.share_objective(objective=objective, **kwargs)

    _share(request, "objective", objective, call)
    return redirect("plan:objective", uid=objective.uid)


@login_required
def action_create(request: HttpRequest, uid: UUID) -> HttpResponse:
    objective = get_objective_for_user(request.user, uid)
    require(request, Action.CREATE, object_type="planaction")
    form = ActionForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda: actions.create_action(
            actor=request.user, objective=objective, data=form.to_data(), request=request
        ),
        lambda action: redirect("plan:action", uid=action.uid),
        _("New action"),
    )


def _shown(name: str, value: Any) -> str:
    """A proposed or past value of an action's part, as the page shows it."""
    if name == "status":
        return str(dict(ActionStatus.choices).get(value, value))
    if name == "owners":
        return "; ".join(f"{o['service']}: {o['person']}" for o in value)
    if name == "evidence":
        return "; ".join(f"{e['type']} {e['uid']}" for e in value)
    if name == "milestones":
        return "; ".join(_milestone_shown(m) for m in milestones_of(value)) or "—"
    return "—" if value in ("", None) else str(value)


def _milestone_shown(milestone: Milestone) -> str:
    names = {"title": milestone.title, "due": milestone.due_on.isoformat()}
    if milestone.reached_on is None:
        return _("%(title)s (due %(due)s)") % names
    reached = names | {"reached": milestone.reached_on.isoformat()}
    return _("%(title)s (due %(due)s, reached %(reached)s)") % reached


def _label(name: str) -> str:
    return str(getattr(PlanAction._meta.get_field(name), "verbose_name", name))


def proposed_in_words(changes: dict[str, Any]) -> list[tuple[str, str]]:
    return [(_label(name), _shown(name, value)) for name, value in changes.items()]


def changed_in_words(changes: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(_label(k), _shown(k, old), _shown(k, new)) for k, (old, new) in changes.items()]


@login_required
def action_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    action = get_action_for_user(request.user, uid)
    context = _share_context(request, "planaction", _("Action"), action)
    today = timezone.localdate()
    context |= {
        "action": action,
        "evidence": evidence.resolved(request.user, action.evidence),
        "milestones": [(m, m.is_late(today)) for m in milestones_of(action.milestones)],
        "versions": [(v, changed_in_words(v.changes)) for v in action.versions.all()],
        "proposals": [
            (p, proposed_in_words(p.changes)) for p in proposals_of(request.user, action)
        ],
        "can_propose": decide(request.user, Action.CHANGE).allowed,
        "decision_form": DecisionForm(),
    }
    return render(request, "plan/action_detail.html", context)


@login_required
def action_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    action = get_action_for_user(request.user, uid)
    require(request, Action.CHANGE, action, object_type="planaction")
    form = ActionForm.for_action(action, request.POST or None)
    return _form_page(
        request,
        form,
        lambda: actions.update_action(
            actor=request.user, action=action, data=form.to_data(), request=request
        ),
        lambda saved: redirect("plan:action", uid=saved.uid),
        _("Change the action"),
    )


@login_required
def action_propose(request: HttpRequest, uid: UUID) -> HttpResponse:
    action = get_action_for_user(request.user, uid)
    require(request, Action.CHANGE, object_type="planproposal")
    form = ProposalForm.for_proposal(action, request.POST or None)
    return _form_page(
        request,
        form,
        lambda: actions.propose_change(
            actor=request.user,
            action=action,
            changes=form.changes(),
            reason=form.cleaned_data["reason"],
            request=request,
        ),
        lambda _proposal: redirect("plan:action", uid=action.uid),
        _("Propose a change"),
    )


@login_required
@require_POST
def proposal_decide(request: HttpRequest, uid: UUID) -> HttpResponse:
    proposal = get_proposal_for_user(request.user, uid)
    require(request, Action.CHANGE, proposal.action, object_type="planproposal")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or refuse the change."))
        return redirect("plan:action", uid=proposal.action.uid)
    try:
        actions.decide_proposal(
            actor=request.user,
            proposal=proposal,
            accepted=form.cleaned_data["accepted"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except FAILURES as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decided."))
    return redirect("plan:action", uid=proposal.action.uid)


# Training sessions


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="training")
    context = {
        "trainings": trainings_visible_to(request.user),
        "can_create": decide(request.user, Action.CREATE).allowed,
    }
    return render(request, "plan/training_list.html", context)


@login_required
def training_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.CREATE, object_type="training")
    form = TrainingForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda: delivery.create_training(actor=request.user, data=form.to_data(), request=request),
        lambda training: redirect("plan:training", uid=training.uid),
        _("New training session"),
    )


@login_required
def training_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    training = get_training_for_user(request.user, uid)
    context = _share_context(request, "training", _("Training session"), training)
    context |= attachments.panel(request, parent_named("training"), training)
    context |= {"training": training, "names_leave": names_may_leave(training)}
    return render(request, "plan/training_detail.html", context)


@login_required
def training_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    training = get_training_for_user(request.user, uid)
    require(request, Action.CHANGE, training, object_type="training")
    form = TrainingForm.for_training(training, request.POST or None)
    return _form_page(
        request,
        form,
        lambda: delivery.update_training(
            actor=request.user, training=training, data=form.to_data(), request=request
        ),
        lambda saved: redirect("plan:training", uid=saved.uid),
        _("Change the training session"),
    )


@login_required
@require_POST
def training_share(request: HttpRequest, uid: UUID) -> HttpResponse:
    training = get_training_for_user(request.user, uid)

    def call(**kwargs: Any) -> Any:
        return delivery.share_training(training=training, **kwargs)

    _share(request, "training", training, call)
    return redirect("plan:training", uid=training.uid)


# Technical assistance


@login_required
def assistance_list(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="technicalassistance")
    context = {
        "assistance": assistance_visible_to(request.user),
        "can_create": decide(request.user, Action.CREATE).allowed,
    }
    return render(request, "plan/assistance_list.html", context)


@login_required
def assistance_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.CREATE, object_type="technicalassistance")
    form = AssistanceForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda: delivery.create_assistance(
            actor=request.user, data=form.to_data(), request=request
        ),
        lambda record: redirect("plan:assistance", uid=record.uid),
        _("New technical assistance"),
    )


@login_required
def assistance_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    record = get_assistance_for_user(request.user, uid)
    context = _share_context(request, "technicalassistance", _("Technical assistance"), record)
    return render(request, "plan/assistance_detail.html", context | {"record": record})


@login_required
def assistance_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    record = get_assistance_for_user(request.user, uid)
    require(request, Action.CHANGE, record, object_type="technicalassistance")
    form = AssistanceForm.for_assistance(record, request.POST or None)
    return _form_page(
        request,
        form,
        lambda: delivery.update_assistance(
            actor=request.user, assistance=record, data=form.to_data(), request=request
        ),
        lambda saved: redirect("plan:assistance", uid=saved.uid),
        _("Change the technical assistance"),
    )


@login_required
@require_POST
def assistance_share(request: HttpRequest, uid: UUID) -> HttpResponse:
    record = get_assistance_for_user(request.user, uid)

    def call(**kwargs: Any) -> Any:
        return delivery.share_assistance(assistance=record, **kwargs)

    _share(request, "technicalassistance", record, call)
    return redirect("plan:assistance", uid=record.uid)

"""Ban pages: authorise by scoped lookup, validate, call one action, render."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.audit.actions import log_event
from liaison.events import bans as actions
from liaison.events.ban_forms import BanForm, WithdrawBanForm
from liaison.events.ban_queries import bans_visible_to, events_of_ban, get_ban_for_user
from liaison.events.models import Ban, BanStatus
from liaison.exchange.queries import service_names_for
from liaison.policy import Action, decide, require
from liaison.refusals import Refused
from liaison.registry.models import Person
from liaison.registry.queries import get_person_for_user
from liaison.share_status import partner_choices, sharing_context


@login_required
def ban_list(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type=actions.OBJECT)
    bans = bans_visible_to(request.user).prefetch_related("person__names")
    context = {"bans": bans, "can_create": decide(request.user, Action.CREATE).allowed}
    return render(request, "events/ban_list.html", context)


@login_required
def ban_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    ban = get_ban_for_user(request.user, uid)
    log_event(action="consult", request=request, object_type=actions.OBJECT, object_id=str(uid))
    return render(request, "events/ban_detail.html", _detail_context(request, ban))


def _detail_context(request: HttpRequest, ban: Ban) -> dict[str, object]:
    can_change = decide(request.user, Action.CHANGE, ban).allowed
    context: dict[str, object] = {
        "ban": ban,
        "events": events_of_ban(request.user, ban),
        "can_change": can_change and ban.status != BanStatus.WITHDRAWN,
        "withdraw_form": WithdrawBanForm(),
    }
    if request.user.has_perm("accounts.disclose_records"):
        decision = decide(request.user, Action.DISCLOSE, ban)
        if decision and ban.status != BanStatus.ACTIVE:
            context["share_refusal"] = _("Only an active ban is shared.")
        elif decision:
            context["share_partners"] = partner_choices(request)
        else:
            context["share_refusal"] = decision.reason
    return context | sharing_context(request.user, [("ban", _("Ban"), ban)])


def _person(request: HttpRequest, form: BanForm) -> Person | None:
    try:
        return get_person_for_user(request.user, form.cleaned_data["person"])
    except Http404:
        form.add_error("person", _("No person with this identifier that you can see."))
        return None


@login_required
def ban_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.CREATE, object_type=actions.OBJECT)
    initial = {"person": request.GET.get("person", "")}
    form = BanForm(request.user, request.POST or None, initial=initial, with_person=True)
    if request.method == "POST" and form.is_valid() and (person := _person(request, form)):
        try:
            ban = actions.create_ban(
                actor=request.user, person=person, data=form.to_data(), request=request
            )
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("events:ban", uid=ban.uid)
    return render(request, "events/ban_form.html", {"form": form, "title": _("New ban")})


@login_required
def ban_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    ban = get_ban_for_user(request.user, uid)
    require(request, Action.CHANGE, ban, object_type=actions.OBJECT)
    form = BanForm.for_ban(request.user, ban, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_ban(actor=request.user, ban=ban, data=form.to_data(), request=request)
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("events:ban", uid=ban.uid)
    context = {"form": form, "title": _("Change the ban"), "ban": ban}
    return render(request, "events/ban_form.html", context)


@login_required
@require_POST
def ban_share(request: HttpRequest, uid: UUID) -> HttpResponse:
    ban = get_ban_for_user(request.user, uid)
    partner = request.POST.get("partner", "")
    try:
        actions.share_ban(actor=request.user, ban=ban, partner=partner, request=request)
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
    else:
        service = service_names_for(request).get(partner, partner)
        messages.success(request, _("Shared with %(service)s.") % {"service": service})
    return redirect("events:ban", uid=ban.uid)


@login_required
@require_POST
def ban_withdraw(request: HttpRequest, uid: UUID) -> HttpResponse:
    ban = get_ban_for_user(request.user, uid)
    require(request, Action.CHANGE, ban, object_type=actions.OBJECT)
    form = WithdrawBanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the ban is withdrawn."))
        return redirect("events:ban", uid=ban.uid)
    try:
        actions.withdraw_ban(
            actor=request.user, ban=ban, reason=form.cleaned_data["reason"], request=request
        )
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The ban is withdrawn."))
    return redirect("events:ban", uid=ban.uid)


urlpatterns = [
    path("bans/", ban_list, name="bans"),
    path("bans/new/", ban_create, name="ban_create"),
    path("bans/<uuid:uid>/", ban_detail, name="ban"),
    path("bans/<uuid:uid>/edit/", ban_edit, name="ban_edit"),
    path("bans/<uuid:uid>/share/", ban_share, name="ban_share"),
    path("bans/<uuid:uid>/withdraw/", ban_withdraw, name="ban_withdraw"),
]

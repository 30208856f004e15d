"""Event pages: authorise by scoped lookup, validate, call one action, render."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.events import actions, review
from liaison.events.forms import EventForm, FourEyesForm
from liaison.events.models import Event
from liaison.events.queries import events_visible_to, get_event_for_user, lists_with_counts
from liaison.exchange.queries import service_names_for, share_outcome
from liaison.policy import Action, decide, require
from liaison.refusals import Refused
from liaison.share_status import partner_choices, shared_before, sharing_context


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="event")
    context = {
        "events": events_visible_to(request.user),
        "can_create": decide(request.user, Action.CREATE).allowed,
    }
    return render(request, "events/event_list.html", context)


@login_required
def event_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    event = get_event_for_user(request.user, uid)
    return render(request, "events/event_detail.html", _detail_context(request, event))


def _detail_context(request: HttpRequest, event: Event) -> dict[str, object]:
    context: dict[str, object] = {
        "event": event,
        "can_change": decide(request.user, Action.CHANGE, event).allowed,
        "may_screen": decide(request.user, Action.SEARCH).allowed,
        "can_upload": decide(request.user, Action.CREATE).allowed,
        "lists": lists_with_counts(request.user, event),
        "four_eyes": review.four_eyes(event),
        "four_eyes_form": FourEyesForm(initial={"four_eyes": FourEyesForm.choice(event.four_eyes)}),
    }
    if request.user.has_perm("accounts.disclose_records"):
        decision = decide(request.user, Action.DISCLOSE, event)
        context |= {"share_partners": partner_choices(request)} if decision else {}
        context |= {} if decision else {"share_refusal": decision.reason}
    return context | sharing_context(request.user, [("event", _("Event"), event)])


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.CREATE, object_type="event")
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = actions.create_event(actor=request.user, data=form.to_data(), request=request)
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("events:detail", uid=event.uid)
    return render(request, "events/event_form.html", {"form": form, "title": _("New event")})


@login_required
def event_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    event = get_event_for_user(request.user, uid)
    require(request, Action.CHANGE, event, object_type="event")
    form = EventForm.for_event(event, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_event(
                actor=request.user, event=event, data=form.to_data(), request=request
            )
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("events:detail", uid=event.uid)
    context = {"form": form, "title": _("Change the event"), "event": event}
    return render(request, "events/event_form.html", context)


@login_required
@require_POST
def event_share(request: HttpRequest, uid: UUID) -> HttpResponse:
    event = get_event_for_user(request.user, uid)
    partner = request.POST.get("partner", "")
    before = shared_before("event", event.uid, partner)
    try:
        actions.share_event(actor=request.user, event=event, partner=partner, request=request)
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
    else:
        service = service_names_for(request).get(partner, partner)
        messages.success(request, share_outcome(before, service, event.version))
    return redirect("events:detail", uid=event.uid)

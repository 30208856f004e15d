"""Request pages: authorise by scoped lookup, validate, call one action, render."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.assistance import actions, exports
from liaison.assistance.choices import TIMELINE_LABELS, Step
from liaison.assistance.forms import RequestForm, StepForm
from liaison.assistance.models import AssistanceRequest
from liaison.assistance.queries import (
    get_request_for_user,
    inbox,
    linked_persons,
    outbox,
    requests_visible_to,
)
from liaison.assistance.timing import timing
from liaison.attachments import views as attachments
from liaison.attachments.parents import parent_named
from liaison.policy import Action, decide, require
from liaison.refusals import Refused
from liaison.share_status import partner_choices

# Rows per page of the inbox and of the outbox (each has its own page: ?inbox=2&outbox=3).
PAGE_SIZE = 50


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="request")
    now = timezone.now()
    inbox_page = Paginator(inbox(request.user), PAGE_SIZE).get_page(request.GET.get("inbox"))
    outbox_page = Paginator(outbox(request.user), PAGE_SIZE).get_page(request.GET.get("outbox"))
    context = {
        "inbox": [(r, timing(r, now)) for r in inbox_page],
        "inbox_page": inbox_page,
        "outbox": [(r, timing(r, now)) for r in outbox_page],
        "outbox_page": outbox_page,
        "can_send": decide(request.user, Action.ASSIST).allowed,
    }
    return render(request, "assistance/request_list.html", context)


@login_required
def request_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    record = get_request_for_user(request.user, uid)
    reply = record.reply_or_none()
    may_act = decide(request.user, Action.ASSIST, record).allowed
    context = {
        "record": record,
        "reply": reply,
        "timing": timing(record, timezone.now()),
        "timeline": _timeline(record),
        "persons": linked_persons(request.user, record.persons),
        "answer_persons": linked_persons(request.user, reply.persons if reply else []),
        "steps": actions.available_steps(record) if may_act else [],
    }
    context |= attachments.panel(request, parent_named("request"), record)
    return render(request, "assistance/request_detail.html", context)


def _timeline(record: AssistanceRequest) -> list[dict[str, str]]:
    """Both nodes' steps, in time order, each with its words."""
    reply = record.reply_or_none()
    entries = [*record.history, *(reply.history if reply else [])]
    labelled = [e | {"label": str(TIMELINE_LABELS.get(e.get("step", ""), ""))} for e in entries]
    return sorted(labelled, key=lambda e: str(e.get("at", "")))


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.ASSIST, object_type="request")
    form = RequestForm(request.POST or None, partners=partner_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            record = actions.send_request(actor=request.user, data=form.to_data(), request=request)
        except actions.AssistanceError as error:
            form.add_error(error.field or None, str(error))
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Request sent."))
            return redirect("assistance:detail", uid=record.uid)
    title = _("New request for assistance")
    return render(request, "assistance/request_form.html", {"form": form, "title": title})


@login_required
def request_step(request: HttpRequest, uid: UUID, step: str) -> HttpResponse:
    """A step's confirmation page (GET) and the step itself (POST)."""
    record = get_request_for_user(request.user, uid)
    if step not in Step.values:
        raise Http404
    require(request, Action.ASSIST, record, object_type="request")
    form = StepForm(request.POST or None, step=Step(step))
    if request.method == "POST" and form.is_valid():
        try:
            actions.take_step(
                actor=request.user,
                record=record,
                step=step,
                note=form.cleaned_data["note"],
                persons=form.person_uids(),
                refusal_category=form.cleaned_data.get("refusal_category", ""),
                request=request,
            )
        except actions.AssistanceError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": Step(step).label})
            return redirect("assistance:detail", uid=record.uid)
    context = {"record": record, "form": form, "step": Step(step)}
    return render(request, "assistance/request_step.html", context)


@login_required
def request_export(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="request")
    rows = list(requests_visible_to(request.user).order_by("created_at"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="requests-for-assistance.csv"'
    exports.log_export(request, len(rows))
    exports.write_csv(rows, response, now=timezone.now())
    return response

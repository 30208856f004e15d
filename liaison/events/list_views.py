"""Accreditation lists and the review queue: authorise by scoped lookup, validate, one
action, render. The list page's progress is an htmx partial polled while screening."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.audit.actions import log_event
from liaison.events import accreditation, review
from liaison.events.ban_queries import bans_in_force
from liaison.events.forms import ClearForm, FourEyesForm, MappingForm, RejectForm, UploadListForm
from liaison.events.models import AccreditationList, Candidate, CandidateStatus, ListStatus
from liaison.events.queries import (
    get_candidate_for_user,
    get_event_for_user,
    get_list_for_user,
    review_candidates,
    visible_candidates,
)
from liaison.events.tables import guess_mapping
from liaison.policy import Action, decide, require
from liaison.refusals import Refused

PAGE = 50


@login_required
def list_upload(request: HttpRequest, uid: UUID) -> HttpResponse:
    event = get_event_for_user(request.user, uid)
    require(request, Action.CREATE, object_type=accreditation.OBJECT)
    form = UploadListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            lst = accreditation.upload_list(
                actor=request.user,
                event=event,
                name=form.cleaned_data["name"],
                purpose=form.cleaned_data["purpose"],
                file_name=upload.name or "",
                data=upload.read(),
                request=request,
            )
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            return redirect("events:list_detail", uid=event.uid, list_uid=lst.uid)
    context = {"form": form, "event": event, "title": _("Upload an accreditation list")}
    return render(request, "events/list_upload.html", context)


@login_required
def list_detail(request: HttpRequest, uid: UUID, list_uid: UUID) -> HttpResponse:
    lst = _list(request, uid, list_uid)
    if request.headers.get("HX-Request"):
        return render(request, "events/list_detail.html#progress", _context(request, lst))
    context = _context(request, lst)
    if lst.bad_rows:
        # A bad row's reason quotes up to 40 characters of the applicant's line: reading
        # it is a consultation like the review queue's.
        log_event(
            action="consult",
            request=request,
            object_type=accreditation.OBJECT,
            object_id=str(lst.uid),
            purpose=lst.purpose,
            detail={"bad_rows": len(lst.bad_rows)},
        )
    if lst.status == ListStatus.MAPPING:
        initial = MappingForm.initial_for(guess_mapping(lst.columns))
        context["mapping_form"] = MappingForm(lst.columns, initial=initial)
    return render(request, "events/list_detail.html", context)


def _list(
    request: HttpRequest, uid: UUID, list_uid: UUID, action: Action = Action.SEARCH
) -> AccreditationList:
    """The list, for a user who may see it (404 otherwise) and do `action` (403, audited)."""
    lst = get_list_for_user(request.user, uid, list_uid)
    require(request, Action.SEARCH, object_type=accreditation.OBJECT)
    if action != Action.SEARCH:
        require(request, action, object_type=accreditation.OBJECT)
    return lst


def _context(request: HttpRequest, lst: AccreditationList) -> dict[str, object]:
    pending = Q(status=CandidateStatus.PENDING)
    counts = visible_candidates(request.user, lst).aggregate(
        found=Count("pk", filter=Q(run=lst.run)),
        pending=Count("pk", filter=pending),
        proposed=Count("pk", filter=Q(status=CandidateStatus.PROPOSED)),
    )
    return counts | {
        "lst": lst,
        "event": lst.event,
        "four_eyes": review.four_eyes(lst.event),
        "can_act": decide(request.user, Action.CREATE).allowed,
        "screening": lst.status in (ListStatus.QUEUED, ListStatus.RUNNING),
    }


@login_required
@require_POST
def list_columns(request: HttpRequest, uid: UUID, list_uid: UUID) -> HttpResponse:
    lst = _list(request, uid, list_uid, Action.CREATE)
    form = MappingForm(lst.columns, request.POST)
    if form.is_valid():
        try:
            accreditation.map_columns(
                actor=request.user, lst=lst, mapping=form.to_mapping(), request=request
            )
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            return redirect("events:list_detail", uid=uid, list_uid=list_uid)
    context = _context(request, lst) | {"mapping_form": form}
    return render(request, "events/list_detail.html", context, status=400)


@login_required
@require_POST
def list_cancel(request: HttpRequest, uid: UUID, list_uid: UUID) -> HttpResponse:
    return _step(request, uid, list_uid, accreditation.cancel_screening, _("Cancelled."))


@login_required
@require_POST
def list_screen(request: HttpRequest, uid: UUID, list_uid: UUID) -> HttpResponse:
    return _step(request, uid, list_uid, accreditation.screen_again, _("Screening again."))


def _step(
    request: HttpRequest, uid: UUID, list_uid: UUID, step: Callable[..., object], done: str
) -> HttpResponse:
    lst = _list(request, uid, list_uid, Action.CREATE)
    try:
        step(actor=request.user, lst=lst, request=request)
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("events:list_detail", uid=uid, list_uid=list_uid)


@login_required
def review_queue(request: HttpRequest, uid: UUID, list_uid: UUID) -> HttpResponse:
    """Candidates to review, best score first, each with its evidence side by side."""
    lst = _list(request, uid, list_uid)
    status = request.GET.get("status") or CandidateStatus.PENDING
    status = status if status in CandidateStatus.values else CandidateStatus.PENDING
    context = _context(request, lst)
    paginator = Paginator(_queue(request, lst, status), PAGE)
    # The tab's count is read already (_context): not a second count over the whole list.
    known: dict[str, str] = {
        CandidateStatus.PENDING: "pending",
        CandidateStatus.PROPOSED: "proposed",
    }
    if status in known:
        paginator.count = cast(int, context[known[status]])
    page = paginator.get_page(request.GET.get("page"))
    rows = [(c, review.explanation(c)) for c in page.object_list]
    log_event(
        action="consult",
        request=request,
        object_type=accreditation.OBJECT,
        object_id=str(lst.uid),
        purpose=lst.purpose,
        detail={"candidates": [c.pk for c in page.object_list], "status": status},
    )
    context |= {
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": CandidateStatus.choices,
        "clear_form": ClearForm(),
        "reject_form": RejectForm(),
    }
    return render(request, "events/review_queue.html", context)


def _queue(request: HttpRequest, lst: AccreditationList, status: str) -> QuerySet[Candidate]:
    # The person's bans in force beside the evidence (the page only; the API lists none).
    bans = Prefetch("person__bans", bans_in_force(request.user), to_attr="bans_in_force")
    return review_candidates(request.user, lst, status).prefetch_related(bans)


@login_required
@require_POST
def candidate_confirm(request: HttpRequest, uid: UUID, list_uid: UUID, pk: int) -> HttpResponse:
    lst = _list(request, uid, list_uid, Action.CREATE)
    candidate = get_candidate_for_user(request.user, lst, pk)
    try:
        done = review.confirm_candidate(actor=request.user, candidate=candidate, request=request)
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _confirmed_message(done))
    return redirect("events:review", uid=uid, list_uid=list_uid)


def _confirmed_message(candidate: Candidate) -> str:
    if candidate.status == CandidateStatus.PROPOSED:
        return _("Proposed: a second officer must confirm it.")
    return _("Confirmed: a hit is recorded on the person.")


@login_required
@require_POST
def candidate_reject(request: HttpRequest, uid: UUID, list_uid: UUID, pk: int) -> HttpResponse:
    """A second officer rejects a proposed confirmation, with the reason."""
    lst = _list(request, uid, list_uid, Action.CREATE)
    candidate = get_candidate_for_user(request.user, lst, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the proposal is rejected."))
        return redirect("events:review", uid=uid, list_uid=list_uid)
    try:
        review.reject_proposal(
            actor=request.user,
            candidate=candidate,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Proposal rejected: the candidate is back in the queue."))
    return redirect("events:review", uid=uid, list_uid=list_uid)


@login_required
@require_POST
def event_four_eyes(request: HttpRequest, uid: UUID) -> HttpResponse:
    """Set the event's four-eyes rule (whoever may change the event)."""
    event = get_event_for_user(request.user, uid)
    require(request, Action.CHANGE, event, object_type="event")
    form = FourEyesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the options."))
        return redirect("events:detail", uid=uid)
    try:
        review.set_four_eyes(
            actor=request.user, event=event, four_eyes=form.value(), request=request
        )
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("events:detail", uid=uid)


@login_required
@require_POST
def candidate_clear(request: HttpRequest, uid: UUID, list_uid: UUID, pk: int) -> HttpResponse:
    lst = _list(request, uid, list_uid, Action.CREATE)
    candidate = get_candidate_for_user(request.user, lst, pk)
    form = ClearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this candidate is cleared."))
        return redirect("events:review", uid=uid, list_uid=list_uid)
    try:
        review.clear_candidate(
            actor=request.user,
            candidate=candidate,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Cleared."))
    return redirect("events:review", uid=uid, list_uid=list_uid)

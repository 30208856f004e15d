"""Joint case pages: the board by status, a case (links, timeline, tasks) and its forms.
Authorise by scoped lookup, validate, call one action, redirect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.cooperation import case_actions
from liaison.cooperation.choices import CaseStatus, TaskStatus
from liaison.cooperation.forms import (
    CaseForm,
    CommentForm,
    LinkForm,
    MoveForm,
    ProgressForm,
    TaskForm,
)
from liaison.cooperation.models import JointCase
from liaison.cooperation.queries import (
    case_view,
    cases_visible_to,
    get_case_for_user,
    get_group_for_user,
    reports_for,
)
from liaison.exchange.queries import service_names_for
from liaison.policy import Action, decide, require
from liaison.refusals import Refused

# Cases per column of the board; each column has its own page (?open=2&closed=3).
BOARD_PAGE_SIZE = 25


@dataclass(frozen=True)
class Column:
    status: CaseStatus
    page: Page[JointCase]
    previous_url: str
    next_url: str


if TYPE_CHECKING:  # Django's Paginator is generic for the type checker only
    _CasePaginator = Paginator[JointCase]
else:
    _CasePaginator = Paginator


class _Counted(_CasePaginator):
    """A paginator told its count (the board counts every column in one query)."""

    def __init__(self, rows: QuerySet[JointCase], per_page: int, count: int) -> None:
        super().__init__(rows, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached property


@login_required
def case_board(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="case")
    cases = cases_visible_to(request.user)
    counts = dict(cases.order_by().values_list("status").annotate(n=Count("pk")))
    columns = []
    for status in CaseStatus:
        rows = cases.filter(status=status)
        paginator = _Counted(rows, BOARD_PAGE_SIZE, counts.get(status.value, 0))
        page = paginator.get_page(request.GET.get(status.value))
        previous = page.previous_page_number() if page.has_previous() else None
        following = page.next_page_number() if page.has_next() else None
        columns.append(
            Column(
                status,
                page,
                _page_url(request, status, previous),
                _page_url(request, status, following),
            )
        )
    return render(request, "cooperation/case_board.html", {"columns": columns})


def _page_url(request: HttpRequest, status: str, number: int | None) -> str:
    """The board with one column on another page, the others where they are."""
    if number is None:
        return ""
    query = request.GET.copy()
    query[status] = str(number)
    return f"?{query.urlencode()}"


@login_required
def case_create(request: HttpRequest, uid: UUID) -> HttpResponse:
    group = get_group_for_user(request.user, uid)
    require(request, Action.DISCLOSE, object_type="case")
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_actions.open_case(
                actor=request.user, group=group, request=request, **form.cleaned_data
            )
        except (Refused, PermissionDenied) as error:
            form.add_error(getattr(error, "field", "") or None, str(error))
        else:
            messages.success(request, _("Joint case opened."))
            return redirect("cooperation:case", uid=case.uid)
    context = {"form": form, "title": _("New joint case"), "group": group}
    return render(request, "cooperation/group_form.html", context)


@login_required
def case_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    case = get_case_for_user(request.user, uid)
    may_write = settings.NODE_ID in case.group.nodes and decide(request.user, Action.DISCLOSE)
    context = {
        "case": case,
        "view": case_view(request.user, case),
        "reports": reports_for(request.user, case),
        "here": settings.NODE_ID,
        "may_write": may_write,
        "may_move": may_write and decide(request.user, Action.CHANGE, case).allowed,
        "statuses": CaseStatus.choices,
        "task_statuses": TaskStatus.choices,
    }
    if may_write:
        context |= {
            "comment_form": CommentForm(),
            "link_form": LinkForm(),
            "task_form": TaskForm(services=_services(request, case)),
        }
    return render(request, "cooperation/case_detail.html", context)


def _services(request: HttpRequest, case: JointCase) -> list[tuple[str, str]]:
    names = service_names_for(request)
    return [(node, names.get(node, node)) for node in case.group.nodes]


def _comment(request: HttpRequest, case: JointCase, data: dict[str, Any]) -> None:
    case_actions.comment(actor=request.user, case=case, body=data["text"], request=request)


def _link(request: HttpRequest, case: JointCase, data: dict[str, Any]) -> None:
    case_actions.link_record(
        actor=request.user, case=case, kind=data["kind"], uid=str(data["uid"]), request=request
    )


def _task(request: HttpRequest, case: JointCase, data: dict[str, Any]) -> None:
    case_actions.add_task(actor=request.user, case=case, request=request, **data)


def _progress(request: HttpRequest, case: JointCase, data: dict[str, Any]) -> None:
    case_actions.report_progress(
        actor=request.user,
        case=case,
        task=str(data["task"]),
        status=data["status"],
        request=request,
    )


def _move(request: HttpRequest, case: JointCase, data: dict[str, Any]) -> None:
    case_actions.move_case(actor=request.user, case=case, status=data["status"], request=request)


STEPS = {
    "comment": (CommentForm, _comment),
    "link": (LinkForm, _link),
    "task": (TaskForm, _task),
    "progress": (ProgressForm, _progress),
    "move": (MoveForm, _move),
}


@login_required
@require_POST
def case_step(request: HttpRequest, uid: UUID, step: str) -> HttpResponse:
    """One change to the case from its page; a refusal or bad input is shown, nothing kept."""
    case = get_case_for_user(request.user, uid)
    if step not in STEPS:
        raise Http404
    require(request, Action.DISCLOSE, case if step == "move" else None, object_type="case")
    form_class, act = STEPS[step]
    extra = {"services": _services(request, case)} if form_class is TaskForm else {}
    form: Form = form_class(request.POST, **extra)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("cooperation:case", uid=case.uid)
    try:
        act(request, case, form.cleaned_data)
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
    else:
        messages.success(request, _("Saved."))
    return redirect("cooperation:case", uid=case.uid)


def _first_error(form: Form) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return _("Check the form.")

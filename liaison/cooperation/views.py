"""Working group pages: authorise by scoped lookup, validate, call one action, render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from liaison.cooperation import actions
from liaison.cooperation.forms import FollowUpForm, GroupForm, MeetingForm, MembersForm
from liaison.cooperation.models import MemberList, WorkingGroup
from liaison.cooperation.queries import (
    cases_visible_to,
    get_group_for_user,
    groups_visible_to,
    meetings_with_follow_ups,
    reports_for,
)
from liaison.exchange.queries import service_names_for
from liaison.policy import Action, decide, require
from liaison.refusals import Refused
from liaison.share_status import partner_choices


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="group")
    context = {
        "groups": groups_visible_to(request.user),
        "can_create": decide(request.user, Action.DISCLOSE).allowed,
    }
    return render(request, "cooperation/group_list.html", context)


@login_required
def group_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    group = get_group_for_user(request.user, uid, detailed=True)
    lists = {m.owner_node: m for m in group.member_lists.all()}
    context = {
        "group": group,
        "parts": [(node, lists.get(node)) for node in group.nodes],
        "here": settings.NODE_ID,
        "can_change": _may_convene(request, group),
        "can_set_members": _may_set_members(request, group),
        "cases": cases_visible_to(request.user).filter(group=group),
        "meetings": meetings_with_follow_ups(request.user, group),
        "reports": reports_for(request.user, group),
    }
    return render(request, "cooperation/group_detail.html", context)


def _may_convene(request: HttpRequest, group: WorkingGroup) -> bool:
    user = request.user
    return bool(decide(user, Action.CHANGE, group) and decide(user, Action.DISCLOSE, group))


def _may_set_members(request: HttpRequest, group: WorkingGroup) -> bool:
    return settings.NODE_ID in group.nodes and decide(request.user, Action.DISCLOSE).allowed


def _refused(form: Form, error: Exception) -> None:
    field = getattr(error, "field", "")
    form.add_error(field if field in form.fields else None, str(error))


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.DISCLOSE, object_type="group")
    form = GroupForm(request.POST or None, partners=partner_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            group = actions.create_group(actor=request.user, data=form.to_data(), request=request)
        except (Refused, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Working group set up."))
            return redirect("cooperation:detail", uid=group.uid)
    context = {"form": form, "title": _("New working group")}
    return render(request, "cooperation/group_form.html", context)


@login_required
def group_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    group = get_group_for_user(request.user, uid)
    require(request, Action.CHANGE, group, object_type="group")
    require(request, Action.DISCLOSE, group, object_type="group")
    form = GroupForm.for_group(group, request.POST or None, partner_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_group(
                actor=request.user, group=group, data=form.to_data(), request=request
            )
        except (Refused, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("cooperation:detail", uid=group.uid)
    context = {"form": form, "title": _("Change the working group"), "group": group}
    return render(request, "cooperation/group_form.html", context)


@login_required
def group_members(request: HttpRequest, uid: UUID) -> HttpResponse:
    """This service's members of the group and its lead (never another service's)."""
    group = get_group_for_user(request.user, uid)
    require(request, Action.DISCLOSE, object_type="group_members")
    ours = MemberList.objects.filter(group=group, owner_node=settings.NODE_ID).first()
    current = [
        actions.MemberData(m.name, m.function, m.is_lead)
        for m in (ours.members.order_by("id") if ours else [])
    ]
    form = MembersForm.for_members(current, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_members(
                actor=request.user, group=group, members=form.to_data(), request=request
            )
        except (Refused, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("cooperation:detail", uid=group.uid)
    context = {"form": form, "title": _("Our members of the group"), "group": group}
    return render(request, "cooperation/group_form.html", context)


@login_required
def group_meeting(request: HttpRequest, uid: UUID) -> HttpResponse:
    group = get_group_for_user(request.user, uid)
    require(request, Action.CHANGE, group, object_type="group")
    require(request, Action.DISCLOSE, group, object_type="group")
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values: dict[str, Any] = form.cleaned_data
        try:
            actions.record_meeting(actor=request.user, group=group, request=request, **values)
        except (Refused, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Meeting recorded."))
            return redirect("cooperation:detail", uid=group.uid)
    context = {"form": form, "title": _("Record a meeting"), "group": group}
    return render(request, "cooperation/group_form.html", context)


@login_required
def meeting_follow_up(request: HttpRequest, uid: UUID, meeting: UUID) -> HttpResponse:
    """A follow-up action of a meeting: a task in one of the group's cases (the convener's)."""
    group = get_group_for_user(request.user, uid)
    require(request, Action.CHANGE, group, object_type="group")
    require(request, Action.DISCLOSE, group, object_type="group")
    held = group.meetings.filter(uid=meeting).first()
    if held is None:
        raise Http404
    names = service_names_for(request)
    form = FollowUpForm(
        request.POST or None,
        cases=[(str(c.uid), c.title) for c in cases_visible_to(request.user).filter(group=group)],
        services=[(node, names.get(node, node)) for node in group.nodes],
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_follow_up(
                actor=request.user,
                group=group,
                meeting=str(held.uid),
                follow_up=form.to_data(),
                request=request,
            )
        except (Refused, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Follow-up action set."))
            return redirect("cooperation:detail", uid=group.uid)
    title = _("Follow-up action of the meeting of %(date)s") % {"date": f"{held.held_on:%Y-%m-%d}"}
    context = {"form": form, "title": title, "group": group}
    return render(request, "cooperation/group_form.html", context)

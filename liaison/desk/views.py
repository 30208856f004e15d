"""The desk: each user's home page, one per role; opening an item marks it read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liaison.accounts.roles import ROLE_LABELS
from liaison.desk import actions
from liaison.desk.queries import find_item, request_feeds, request_unread_counts, sections_for
from liaison.desk.sources import desk_source


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # login_required: a User, which the stubs cannot tell
    feeds = request_feeds(request)  # built once: the navbar's count uses them too
    counts = request_unread_counts(request, fresh=True)  # the desk is always exact
    sections = sections_for(user, counts, feeds=feeds)
    roles = [ROLE_LABELS.get(role, role) for role in user.roles]
    return render(request, "desk/desk.html", {"sections": sections, "user_roles": roles})


@login_required
@require_GET
def open_item(request: HttpRequest, source: str, key: UUID) -> HttpResponse:
    """Mark the item read and go to its record (whose page asks the purpose first)."""
    user: Any = request.user
    item = find_item(user, source, key)
    if item is None:
        raise Http404
    actions.mark_read(user=user, source=source, item=item)
    return redirect(item.url or "core:home")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    source = request.POST.get("source", "")
    chosen = desk_source(source) if source else None
    if source and (chosen is None or not chosen.may_see(user)):
        raise Http404
    count = actions.mark_all_read(user=user, source=source)
    messages.success(request, _("Marked read: %(n)d.") % {"n": count})
    return redirect("core:home")

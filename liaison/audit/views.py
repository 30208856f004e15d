from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liaison.audit.actions import log_event
from liaison.audit.choices import Action
from liaison.audit.decorators import capability_required
from liaison.audit.export import csv_lines
from liaison.audit.forms import AuditFilterForm
from liaison.audit.models import AuditEntry
from liaison.audit.queries import AUDIT_PERMISSION, entries_visible_to, filter_entries

PAGE_SIZE = 50


def _filtered(request: HttpRequest, form: AuditFilterForm) -> QuerySet[AuditEntry]:
    entries = entries_visible_to(request.user)
    return filter_entries(entries, **form.filters()) if form.is_valid() else entries.none()


@require_GET
@never_cache
@login_required
@capability_required(AUDIT_PERMISSION, object_type="audit_log")
def entry_list(request: HttpRequest) -> HttpResponse:
    """The auditor's view: filterable, paginated, newest first."""
    form = AuditFilterForm(request.GET)
    page = Paginator(_filtered(request, form), PAGE_SIZE).get_page(request.GET.get("page"))
    status = 200 if form.is_valid() else 400
    return render(request, "audit/entry_list.html", {"form": form, "page": page}, status=status)


@require_GET
@never_cache
@login_required
@capability_required(AUDIT_PERMISSION, object_type="audit_log")
def export_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered entries as CSV, up to this export's own (audited) entry."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/entry_list.html", {"form": form, "page": None}, status=400)
    own = log_event(
        action=Action.CONSULT,
        request=request,
        object_type="audit_log",
        detail={"export": "csv", "filters": form.described()},
    )
    entries = _filtered(request, form).filter(seq__lt=own.seq).order_by("seq")
    name = f"audit-{timezone.now():%Y%m%d-%H%M%S}.csv"
    return StreamingHttpResponse(
        csv_lines(entries, codes=request.GET.get("header") == "codes"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

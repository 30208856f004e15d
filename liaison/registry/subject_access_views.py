"""The subject access report page and its CSV (supervisors only; docs/registry.md)."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liaison.policy import Action, require
from liaison.registry.forms import SubjectAccessForm
from liaison.registry.models import Person
from liaison.registry.queries import get_person_for_user
from liaison.registry.subject_access import (
    SubjectAccessReport,
    csv_rows,
    record_production,
    subject_access_report,
)
from liaison.safecsv import SafeWriter


@require_GET
@never_cache
@login_required
def subject_access(request: HttpRequest, uid: UUID, fmt: str) -> HttpResponse:
    """Ask the request's purpose and reference; with them, audit and show (or send) the report."""
    require(request, Action.SUBJECT_ACCESS, object_type="person")
    person = get_person_for_user(request.user, uid)
    form = SubjectAccessForm(request.GET or None)
    if not form.is_valid():
        status = 400 if request.GET else 200
        context = {"person": person, "form": form}
        return render(request, "registry/subject_access.html", context, status=status)
    report = _produce(request, person, form, fmt)
    if fmt == "csv":
        return _csv_response(report)
    context = {"person": person, "form": form, "report": report, "query": request.GET.urlencode()}
    return render(request, "registry/subject_access.html", context)


def _produce(
    request: HttpRequest, person: Person, form: SubjectAccessForm, fmt: str
) -> SubjectAccessReport:
    production = record_production(
        actor=request.user,
        person=person,
        purpose=form.cleaned_data["purpose"],
        reference=form.cleaned_data["reference"],
        fmt=fmt,
        request=request,
    )
    return subject_access_report(request.user, person, production)


def _csv_response(report: SubjectAccessReport) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"subject-access-{report.person.uid}-{report.production.seq}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    SafeWriter(response).writerows(csv_rows(report))
    return response

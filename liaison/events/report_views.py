"""The event report: the page (printable), its CSV and its PDF. Reading it is a
consultation (the counts come from the lists' screenings), audited as such."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liaison.audit.actions import log_event
from liaison.events import report
from liaison.events.queries import get_event_for_user


def _report(request: HttpRequest, uid: UUID, form: str) -> report.EventReport:
    event = get_event_for_user(request.user, uid)
    found = report.build(request.user, event)
    log_event(
        action="consult",
        request=request,
        object_type="event",
        object_id=str(event.uid),
        detail={"report": form, "lists": [str(item.lst.uid) for item in found.lists]},
    )
    return found


@login_required
def event_report(request: HttpRequest, uid: UUID) -> HttpResponse:
    found = _report(request, uid, "page")
    return render(request, "events/report.html", {"report": found, "event": found.event})


@login_required
def event_report_csv(request: HttpRequest, uid: UUID) -> HttpResponse:
    found = _report(request, uid, "csv")
    response = HttpResponse(report.csv_text(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-report-{uid}.csv"'
    return response


@login_required
def event_report_pdf(request: HttpRequest, uid: UUID) -> HttpResponse:
    found = _report(request, uid, "pdf")
    response = HttpResponse(report.pdf(found), content_type=report.PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="event-report-{uid}.pdf"'
    return response

"""The plan's dashboard: the indicators as charts (SVG images) and tables, and the review
pack (XLSX, PDF) for a chosen period, in a chosen language. Seeing them needs
view_records, as the plan does."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override

from liaison.audit.actions import log_event
from liaison.audit.choices import Action as Audited
from liaison.plan import charts, indicators, review_pack, review_pdf
from liaison.plan.indicators import Period
from liaison.plan.queries import notable_cases
from liaison.policy import Action, require

# An SVG chart is a document of its own: its styles are inline (pygal's), it runs nothing
# and loads nothing.
CHART_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.NONE],
}


def _period(request: HttpRequest, *, warn: bool = False) -> Period:
    """The period asked (?from=2025-Q1&to=2026-Q4), or the last eight quarters."""
    first, last = request.GET.get("from", ""), request.GET.get("to", "")
    if not first and not last:
        return Period.recent()
    try:
        return Period.parse(first, last)
    except ValueError:
        if warn:
            messages.error(request, _("Give the period as two quarters, such as 2025-Q1."))
        return Period.recent()


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="indicators")
    period = _period(request, warn=True)
    context = {
        "period": period,
        "indicators": indicators.cached(request.user, period),
        "query": f"from={period.first}&to={period.last}",
    }
    return render(request, "plan/dashboard.html", context)


@login_required
@csp_override(CHART_CSP)
def chart(request: HttpRequest, key: str) -> HttpResponse:
    require(request, Action.LIST, object_type="indicators")
    found = {i.key: i for i in indicators.cached(request.user, _period(request))}
    if key not in found:
        raise Http404
    response = HttpResponse(charts.render(found[key]), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _language(request: HttpRequest) -> str:
    """The pack's language: ?lang= when it is one of the node's, else the reader's."""
    asked = request.GET.get("lang", "")
    known = {code for code, _name in settings.LANGUAGES}
    return asked if asked in known else translation.get_language()


def _attachment(
    request: HttpRequest, content: bytes, kind: str, name: str, period: Period
) -> HttpResponse:
    # A pack is a file that leaves the node's pages, naming the cases in it: an audited
    # consultation, like the audit log's own export.
    cases = notable_cases(request.user, period.start, period.end)
    log_event(
        action=Audited.CONSULT,
        request=request,
        object_type="indicators",
        detail={"export": name, "cases": [str(case.uid) for case in cases]},
    )
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def pack(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="indicators")
    period = _period(request)
    with translation.override(_language(request)):
        content = review_pack.xlsx(request.user, period)
    name = f"liaison-review-{period.first}-{period.last}.xlsx"
    return _attachment(request, content, review_pack.XLSX_TYPE, name, period)


@login_required
def pack_pdf(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="indicators")
    period, language = _period(request), _language(request)
    with translation.override(language):
        content = review_pdf.pdf(request.user, period)
    name = f"liaison-review-{period.first}-{period.last}-{language}.pdf"
    return _attachment(request, content, review_pdf.PDF_TYPE, name, period)

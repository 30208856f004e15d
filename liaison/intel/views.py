"""Report and consent pages: authorise by scoped lookup, validate, call one action, render."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from liaison.attachments import views as attachments
from liaison.attachments.parents import parent_named
from liaison.audit.actions import log_event
from liaison.audit.labels import changes_in_words
from liaison.exchange.queries import service_names_for, share_outcome
from liaison.intel import actions, conditions, entities, recipients
from liaison.intel.choices import ConsentKind
from liaison.intel.forms import (
    ConsentDecisionForm,
    ConsentRequestForm,
    PurposeForm,
    ReportFilterForm,
    ReportForm,
    StixImportForm,
)
from liaison.intel.models import ConsentRequest, Report, ReportVersion
from liaison.intel.queries import (
    ReportSearch,
    consents_visible_to,
    get_consent_for_user,
    get_mention_for_user,
    get_report_for_user,
    read_search,
    reports_visible_to,
    search_reports,
    with_reasons,
)
from liaison.policy import Action, decide, require
from liaison.refusals import Refused
from liaison.share_status import partner_choices, shared_before, sharing_context

PURPOSE_KEY = "intel_purpose"
PAGE_SIZE = 100


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    require(request, Action.LIST, object_type="report")
    form = ReportFilterForm(request.GET or None)
    reports = reports_visible_to(request.user)
    search = None
    if request.GET and form.is_valid():
        reports, search = _filtered(request, form.cleaned_data)
    elif request.GET:
        reports = Report.objects.none()
    page = list(reports[:PAGE_SIZE])
    context = {
        "form": form,
        "reports": page if search is None else with_reasons(page, search),
        "searched": search is not None,
        "can_create": decide(request.user, Action.WRITE_REPORT).allowed,
    }
    return render(request, "intel/report_list.html", context)


def _filtered(request: HttpRequest, data: dict[str, Any]) -> tuple[Any, ReportSearch | None]:
    reports = reports_visible_to(request.user)
    search = None
    if data["q"]:
        require(request, Action.SEARCH, object_type="report")
        search = read_search(request.user, data["q"])
        reports = search_reports(request.user, data["q"], search)
    if data["handling_code"]:
        reports = reports.filter(handling_code=data["handling_code"])
    if data["origin"] == "own":
        reports = reports.filter(owner_node=settings.NODE_ID)
    elif data["origin"] == "received":
        reports = reports.exclude(owner_node=settings.NODE_ID)
    if data["q"]:
        log_event(
            action="consult",
            request=request,
            object_type="report-search",
            purpose=data["purpose"],
            detail={"query": data["q"], "count": reports.count()},
        )
    return reports, search


def _purpose_for(request: HttpRequest, uid: str) -> dict[str, str] | None:
    """The purpose stated for this report (each report asks for its own)."""
    stated = request.session.get(PURPOSE_KEY)
    if isinstance(stated, dict) and stated.get("record") == uid:
        return stated
    return None


@login_required
def report_purpose(request: HttpRequest, uid: UUID) -> HttpResponse:
    """State why you open the report before it is shown (logged with the consultation)."""
    report = get_report_for_user(request.user, uid)
    form = PurposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        request.session[PURPOSE_KEY] = {**form.cleaned_data, "record": str(report.uid)}
        return redirect("intel:detail", uid=report.uid)
    return render(request, "intel/purpose.html", {"form": form, "report": report})


@login_required
def report_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    report = get_report_for_user(request.user, uid)
    stated = _purpose_for(request, str(report.uid))
    if stated is None:
        return redirect("intel:purpose", uid=report.uid)
    log_event(
        action="consult",
        request=request,
        object_type="report",
        object_id=str(report.uid),
        purpose=stated["purpose"],
        purpose_reference=stated.get("reference", ""),
    )
    return render(request, "intel/report_detail.html", _detail_context(request, report))


@login_required
def report_file(request: HttpRequest, uid: UUID, attachment_uid: UUID) -> HttpResponse:
    """Download one of the report's files: as for its page, a purpose is stated first (the
    download is audited as a consultation of the file)."""
    report = get_report_for_user(request.user, uid)
    if _purpose_for(request, str(report.uid)) is None:
        return redirect("intel:purpose", uid=report.uid)
    return attachments.download(request, uid, attachment_uid, parent_name="report")


def _detail_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    user = request.user
    consents = list(
        consents_visible_to(user).filter(report=report).order_by("-requested_on", "-id")
    )
    context: dict[str, Any] = {
        "report": report,
        "versions": [_version(v) for v in report.versions.all()],
        "consents": consents,
        "can_change": decide(user, Action.WRITE_REPORT, report).allowed,
        "conditions": {
            kind: conditions.refusal(report, kind, "", consents)
            for kind in (ConsentKind.EVIDENCE, ConsentKind.EXPORT)
        },
        "may_disclose": user.has_perm("accounts.disclose_records"),
        "mentions": entities.mentions_for(user, report),
        "may_suggest": decide(user, Action.SEARCH).allowed,
        "indicators": list(report.indicators.all()),
        "named_audiences": recipients.named(user, report),
    }
    if report.is_local and user.has_perm("accounts.disclose_records"):
        decision = decide(user, Action.DISCLOSE, report)
        context |= {"share_partners": partner_choices(request)} if decision else {}
        context |= {} if decision else {"share_refusal": decision.reason}
    elif not report.is_local:
        context["forward_partners"] = [
            p for p in partner_choices(request) if p[0] != report.owner_node
        ]
    context |= attachments.panel(request, parent_named("report"), report)
    return context | sharing_context(user, [("report", _("Report"), report)])


def _version(version: ReportVersion) -> ReportVersion:
    version.words = changes_in_words("report", version.changes)  # type: ignore[attr-defined]
    return version


@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.WRITE_REPORT, object_type="report")
    form = ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            report = actions.create_report(actor=request.user, data=form.to_data(), request=request)
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            request.session[PURPOSE_KEY] = {
                "purpose": _("Writing the report"),
                "reference": "",
                "record": str(report.uid),
            }
            return redirect("intel:detail", uid=report.uid)
    return render(request, "intel/report_form.html", {"form": form, "title": _("New report")})


@login_required
def report_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    report = get_report_for_user(request.user, uid)
    require(request, Action.WRITE_REPORT, report, object_type="report")
    form = ReportForm.for_report(report, request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_report(
                actor=request.user, report=report, data=form.to_data(), request=request
            )
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("intel:detail", uid=report.uid)
    context = {"form": form, "title": _("Change the report"), "report": report}
    return render(request, "intel/report_form.html", context)


def _refused(request: HttpRequest, error: Exception) -> None:
    messages.error(request, str(error) or _("You are not allowed to do this."))


@login_required
@require_POST
def report_share(request: HttpRequest, uid: UUID) -> HttpResponse:
    report = get_report_for_user(request.user, uid)
    partner = request.POST.get("partner", "")
    before = shared_before("report", report.uid, partner)
    try:
        actions.share_report(actor=request.user, report=report, partner=partner, request=request)
    except (Refused, PermissionDenied) as error:
        _refused(request, error)
    else:
        service = service_names_for(request).get(partner, partner)
        messages.success(request, share_outcome(before, service, report.version))
    return redirect("intel:detail", uid=report.uid)


@login_required
@require_POST
def report_forward(request: HttpRequest, uid: UUID) -> HttpResponse:
    report = get_report_for_user(request.user, uid)
    partner = request.POST.get("partner", "")
    try:
        actions.forward_report(actor=request.user, report=report, partner=partner, request=request)
    except (Refused, PermissionDenied) as error:
        _refused(request, error)
    else:
        service = service_names_for(request).get(partner, partner)
        messages.success(request, _("Forwarded to %(service)s.") % {"service": service})
    return redirect("intel:detail", uid=report.uid)


@login_required
@require_POST
def report_evidence(request: HttpRequest, uid: UUID) -> HttpResponse:
    report = get_report_for_user(request.user, uid)
    try:
        actions.mark_used_as_evidence(actor=request.user, report=report, request=request)
    except (Refused, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Marked as used in evidence."))
    return redirect("intel:detail", uid=report.uid)


def _download(
    request: HttpRequest, uid: UUID, export: Any, render_body: Any, content_type: str, suffix: str
) -> HttpResponse:
    """A report's export as a file, under the export rule (a refusal: back to the report)."""
    report = get_report_for_user(request.user, uid)
    try:
        exported = export(actor=request.user, report=report, request=request)
    except (Refused, PermissionDenied) as error:
        _refused(request, error)
        return redirect("intel:detail", uid=report.uid)
    response = HttpResponse(render_body(exported), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="report-{report.uid}.{suffix}"'
    return response


def _as_is(exported: str) -> str:
    return exported


@login_required
def report_export(request: HttpRequest, uid: UUID) -> HttpResponse:
    def as_json(document: Any) -> str:
        return json.dumps(document, ensure_ascii=False, indent=2, default=str)

    json_type = "application/json; charset=utf-8"
    return _download(request, uid, actions.export_report, as_json, json_type, "json")


@login_required
def report_stix(request: HttpRequest, uid: UUID) -> HttpResponse:
    """The report as a STIX 2.1 bundle, under the same rule as the JSON export."""
    stix_type = "application/stix+json;version=2.1"
    return _download(request, uid, actions.export_stix, _as_is, stix_type, "stix.json")


@login_required
def report_ftm(request: HttpRequest, uid: UUID) -> HttpResponse:
    """The persons and organisations the report names as FollowTheMoney entities (JSON
    lines)."""
    ftm_type = "application/x-ndjson; charset=utf-8"
    return _download(request, uid, actions.export_ftm, _as_is, ftm_type, "ftm.jsonl")


@login_required
def stix_import(request: HttpRequest) -> HttpResponse:
    """Upload a STIX 2.1 bundle; the result lists what was recorded and what was not."""
    require(request, Action.WRITE_REPORT, object_type="report")
    form = StixImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["bundle"].read()
        try:
            result = actions.import_stix(actor=request.user, raw=raw, request=request)
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
    return render(request, "intel/stix_import.html", {"form": form, "result": result})


@login_required
def consent_new(request: HttpRequest, uid: UUID) -> HttpResponse:
    report = get_report_for_user(request.user, uid)
    initial = {"kind": request.GET.get("kind", ""), "partner": request.GET.get("partner", "")}
    form = ConsentRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            asked = actions.request_consent(
                actor=request.user, report=report, request=request, **form.cleaned_data
            )
        except (Refused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your request is on its way to the originator."))
            return redirect("intel:consent", uid=asked.uid)
    return render(request, "intel/consent_form.html", {"form": form, "report": report})


@login_required
def consent_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    """A consent request with its decisions; the originator decides here."""
    asked = get_consent_for_user(request.user, uid)
    may_decide = _may_decide(request, asked)
    form = ConsentDecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            require(request, Action.DECIDE, asked, object_type="consentrequest")
            raise PermissionDenied(_("This request has a decision already."))
        if form.is_valid():
            try:
                actions.decide_consent(
                    actor=request.user, consent=asked, request=request, **form.cleaned_data
                )
            except (Refused, PermissionDenied) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your decision is on its way to the partner."))
                return redirect("intel:consent", uid=asked.uid)
    context = {"consent": asked, "decisions": list(asked.decisions.all()), "form": form}
    return render(request, "intel/consent_detail.html", context)


def _may_decide(request: HttpRequest, asked: ConsentRequest) -> bool:
    open_here = asked.is_incoming and asked.report.is_local and not asked.decisions.all()
    return open_here and decide(request.user, Action.DECIDE, asked).allowed


@login_required
@require_POST
def report_suggest(request: HttpRequest, uid: UUID) -> HttpResponse:
    """The "suggest persons" step: the registry persons the text names, for the analyst to
    confirm or reject."""
    report = get_report_for_user(request.user, uid)
    try:
        added = actions.suggest_persons(actor=request.user, report=report, request=request)
    except (Refused, PermissionDenied) as error:
        _refused(request, error)
    else:
        if added:
            messages.success(
                request,
                ngettext("%(count)d person suggested.", "%(count)d persons suggested.", len(added))
                % {"count": len(added)},
            )
        else:
            messages.info(request, _("No new person found in the text."))
    return redirect(f"{reverse('intel:detail', args=[report.uid])}#mentions")


def _decide_mention(request: HttpRequest, uid: UUID, pk: int, confirm: bool) -> HttpResponse:
    mention = get_mention_for_user(request.user, uid, pk)
    decide_it = actions.confirm_mention if confirm else actions.reject_mention
    try:
        decide_it(actor=request.user, mention=mention, request=request)
    except (Refused, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Link confirmed.") if confirm else _("Suggestion rejected."))
    return redirect(f"{reverse('intel:detail', args=[uid])}#mentions")


@login_required
@require_POST
def mention_confirm(request: HttpRequest, uid: UUID, pk: int) -> HttpResponse:
    return _decide_mention(request, uid, pk, confirm=True)


@login_required
@require_POST
def mention_reject(request: HttpRequest, uid: UUID, pk: int) -> HttpResponse:
    return _decide_mention(request, uid, pk, confirm=False)

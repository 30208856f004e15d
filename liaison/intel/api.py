"""Intelligence JSON API under /api/v1/reports and /api/v1/consents: the same actions and
scoped queries as the pages. Opening or searching reports states a purpose (logged)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictBool, StrictStr, model_validator

from liaison.attachments.api import add_attachment_routes
from liaison.audit.actions import log_event
from liaison.core.api_errors import error_responses
from liaison.core.api_input import ApiInput, ReviewDate
from liaison.core.field_rules import Line, Purpose, Text
from liaison.exchange.protocol import NODE_ID
from liaison.intel import actions, entities
from liaison.intel.choices import ConsentKind, IndicatorKind
from liaison.intel.models import MAX_TEXT, ConsentRequest, Report, ReportMention
from liaison.intel.queries import (
    consents_visible_to,
    get_consent_for_user,
    get_mention_for_user,
    get_report_for_user,
    read_search,
    reports_visible_to,
    search_reports,
    with_reasons,
)
from liaison.intel.recipients import MAX_NAMED
from liaison.policy import Action, HandlingCode, require

router = Router(tags=["intelligence"])
LIST_ERRORS = error_responses(400, 401, 403)
CREATE_ERRORS = error_responses(400, 401, 403, 413)
RECORD_ERRORS = error_responses(400, 401, 403, 404)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 413)
NodeId = Annotated[StrictStr, Field(pattern=NODE_ID)]
Grade = Annotated[StrictStr, Field(pattern=r"^[A-Z0-9]$")]
LIST_MAX = 200


class ReportIn(ApiInput):
    model_config = {"extra": "forbid"}

    title: Line = Field(min_length=1, max_length=200)
    summary: Text = Field("", max_length=2000)
    facts: Text = Field(min_length=1, max_length=MAX_TEXT)
    assessment: Text = Field("", max_length=MAX_TEXT)
    source_reference: Line = Field("", max_length=100)
    grading_scheme: StrictStr = Field("", max_length=16, description="admiralty or europol")
    source_reliability: Grade
    information_credibility: Grade
    recipients: list[NodeId] = Field(default_factory=list, max_length=20)
    recipient_groups: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_NAMED,
        description="Working groups this service takes part in (uids): their services are "
        "recipients too, as they are when the report is shared",
    )
    recipient_cases: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_NAMED,
        description="Joint cases this service takes part in (uids): the services of the "
        "case's group are recipients too",
    )
    handling_code: HandlingCode = HandlingCode.H2
    review_date: ReviewDate | None = None


class IndicatorOut(Schema):
    kind: IndicatorKind = Field(
        description="phone, email, document, plate, place (a name of the places gazetteer) "
        "or organisation"
    )
    value: str = Field(description="as written in the text")
    normalised: str = Field(description="E.164, lower case, or the place's name in the gazetteer")
    field: str = Field(description="the report field it was read from, or import (STIX)")


class MentionOut(Schema):
    id: int
    person: UUID
    person_name: str
    span: str
    field: str
    score: float
    state: str
    explanation: str
    evidence: dict[str, Any]


class MentionDecisionIn(ApiInput):
    model_config = {"extra": "forbid"}

    confirm: StrictBool = Field(description="true: the text names this person; false: not")


class ReportOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    tlp: str
    title: str
    summary: str
    facts: str
    assessment: str
    source_reference: str
    grading_scheme: str
    source_reliability: str
    information_credibility: str
    grading: str
    originator_service: str
    author: str
    recipients: list[str]
    recipient_groups: list[str] = Field(description="uids of the working groups named")
    recipient_cases: list[str] = Field(description="uids of the joint cases named")
    received_via: str
    review_date: date | None
    received_at: datetime | None
    used_as_evidence_at: datetime | None
    indicators: list[IndicatorOut]
    matched: list[str] = Field(
        default_factory=list,
        description="With a search (q): why it found the report, in words (the words in "
        "the title, summary or facts; an indicator; a person the report is linked to)",
    )


class StixSkippedOut(Schema):
    type: str
    id: str
    reason: str = Field(
        description="unknown-type, not-imported-type, person, marking or custom-properties"
    )
    words: str


class StixImportOut(Schema):
    bundle: str
    created: list[ReportOut]
    updated: list[ReportOut] = Field(
        description="Imported copies brought to the bundle's later version of their report"
    )
    already: list[str] = Field(
        description="STIX ids of reports this node holds not as imported copies (its own, a "
        "partner's): not imported"
    )
    older: list[str] = Field(
        description="STIX ids of reports whose imported copy here is as recent as the "
        "bundle's or more: not applied"
    )
    skipped: list[StixSkippedOut] = Field(description="Objects not imported, with the reason")


class PurposeQuery(ApiInput):
    purpose: Purpose = Field(max_length=300, description="Why you consult (logged).")
    reference: Line = Field("", max_length=100, description="Case or legal basis reference.")


class ReportQuery(ApiInput):
    q: Line = Field(
        "",
        max_length=200,
        description="Words in title, summary or facts; an indicator (phone, e-mail, "
        "document, plate, place, organisation); or a person's name, in any script.",
    )
    purpose: Purpose = Field("", max_length=300, description="Required with q (logged).")
    handling_code: HandlingCode | None = None
    received: bool | None = None

    @model_validator(mode="after")
    def _purpose_with_search(self) -> ReportQuery:
        if self.q and not self.purpose:
            raise ValueError("purpose: say why you search (it is logged)")
        return self


class PartnerIn(ApiInput):
    model_config = {"extra": "forbid"}

    partner: NodeId


class ReportShareOut(Schema):
    partner: str
    envelope: str


class ConsentIn(ApiInput):
    model_config = {"extra": "forbid"}

    kind: ConsentKind
    partner: NodeId | None = None
    reason: Text = Field(min_length=1, max_length=2000)


class ConsentDecisionIn(ApiInput):
    model_config = {"extra": "forbid"}

    granted: bool
    reason: Text = Field(min_length=1, max_length=2000)


class DecisionOut(Schema):
    uid: UUID
    owner_node: str
    granted: bool
    reason: str
    decided_by: str
    decided_on: datetime


class ConsentOut(Schema):
    uid: UUID
    owner_node: str
    report: UUID
    kind: str
    partner: str
    reason: str
    requested_by: str
    requested_on: datetime
    state: str
    decisions: list[DecisionOut]


def report_out(report: Report) -> dict[str, Any]:
    fields = [*actions.FIELDS, "uid", "owner_node", "version", "received_via", "review_date"]
    fields += ["received_at", "used_as_evidence_at"]
    values = {name: getattr(report, name) for name in fields}
    code = {"handling_code": report.effective_handling_code, "tlp": report.tlp_label}
    indicators = [
        {n: getattr(i, n) for n in ("kind", "value", "normalised", "field")}
        for i in report.indicators.all()
    ]
    return values | code | {"grading": report.grading_words, "indicators": indicators}


def mention_out(mention: ReportMention) -> dict[str, Any]:
    words = getattr(mention, "words", None)
    if words is None:
        words = entities.with_words(mention).words  # type: ignore[attr-defined]
    return {
        "id": mention.pk,
        "person": mention.person.uid,
        "person_name": str(mention.person),
        "span": mention.span,
        "field": mention.field,
        "score": mention.score,
        "state": mention.state,
        "explanation": words,
        "evidence": mention.evidence,
    }


def consent_out(asked: ConsentRequest) -> dict[str, Any]:
    fields = ["uid", "owner_node", "kind", "partner", "reason", "requested_by", "requested_on"]
    decisions = [
        {
            n: getattr(d, n)
            for n in ("uid", "owner_node", "granted", "reason", "decided_by", "decided_on")
        }
        for d in asked.decisions.all()
    ]
    values = {name: getattr(asked, name) for name in fields}
    return values | {"report": asked.report.uid, "state": asked.state(), "decisions": decisions}


def _data(payload: ReportIn) -> actions.ReportData:
    return actions.ReportData(**payload.model_dump())


@router.get(
    "/reports", response={200: list[ReportOut], **LIST_ERRORS}, summary="List or search reports"
)
def list_reports(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    require(request, Action.LIST, object_type="report")
    reports = reports_visible_to(request.user)
    search = None
    if query.q:
        require(request, Action.SEARCH, object_type="report")
        search = read_search(request.user, query.q)
        reports = search_reports(request.user, query.q, search)
    if query.handling_code:
        reports = reports.filter(handling_code=query.handling_code)
    if query.received is not None:
        reports = reports.filter(received_at__isnull=not query.received)
    page = list(reports.prefetch_related("indicators")[:LIST_MAX])
    if search is not None:
        page = with_reasons(page, search)
    found = [report_out(r) | {"matched": getattr(r, "reasons", [])} for r in page]
    if query.q:
        log_event(
            action="consult",
            request=request,
            object_type="report-search",
            purpose=query.purpose,
            detail={"query": query.q, "count": len(found)},
        )
    return found


@router.post("/reports", response={201: ReportOut, **CREATE_ERRORS}, summary="Write a report")
def create_report(request: HttpRequest, payload: ReportIn) -> Any:
    report = actions.create_report(actor=request.user, data=_data(payload), request=request)
    return Status(201, report_out(report))


@router.get("/reports/{uid}", response={200: ReportOut, **RECORD_ERRORS}, summary="Open a report")
def get_report(request: HttpRequest, uid: UUID, query: Query[PurposeQuery]) -> Any:
    report = get_report_for_user(request.user, uid)
    log_event(
        action="consult",
        request=request,
        object_type="report",
        object_id=str(report.uid),
        purpose=query.purpose,
        purpose_reference=query.reference,
    )
    return report_out(report)


@router.put("/reports/{uid}", response={200: ReportOut, **CHANGE_ERRORS}, summary="Change a report")
def update_report(request: HttpRequest, uid: UUID, payload: ReportIn) -> Any:
    report = get_report_for_user(request.user, uid)
    changed = actions.update_report(
        actor=request.user, report=report, data=_data(payload), request=request
    )
    return report_out(changed)


@router.get(
    "/reports/{uid}/persons",
    response={200: list[MentionOut], **RECORD_ERRORS},
    summary="Persons the report names: suggestions and confirmed links",
)
def list_mentions(request: HttpRequest, uid: UUID) -> Any:
    report = get_report_for_user(request.user, uid)
    return [mention_out(m) for m in entities.mentions_for(request.user, report)]


@router.post(
    "/reports/{uid}/persons/suggest",
    response={201: list[MentionOut], **RECORD_ERRORS},
    summary="Suggest the registry persons the report's text names",
)
def suggest_persons(request: HttpRequest, uid: UUID) -> Any:
    report = get_report_for_user(request.user, uid)
    added = actions.suggest_persons(actor=request.user, report=report, request=request)
    return Status(201, [mention_out(m) for m in added])


@router.post(
    "/reports/{uid}/persons/{mention_id}/decision",
    response={200: MentionOut, **CHANGE_ERRORS},
    summary="Confirm or reject a suggested person",
)
def decide_mention(
    request: HttpRequest, uid: UUID, mention_id: int, payload: MentionDecisionIn
) -> Any:
    mention = get_mention_for_user(request.user, uid, mention_id)
    decide_it = actions.confirm_mention if payload.confirm else actions.reject_mention
    return mention_out(decide_it(actor=request.user, mention=mention, request=request))


@router.post(
    "/reports/{uid}/shares",
    response={201: ReportShareOut, **CHANGE_ERRORS},
    summary="Share this node's report with one of its recipients",
)
def share_report(request: HttpRequest, uid: UUID, payload: PartnerIn) -> Any:
    report = get_report_for_user(request.user, uid)
    envelope = actions.share_report(
        actor=request.user, report=report, partner=payload.partner, request=request
    )
    return Status(201, {"partner": payload.partner, "envelope": envelope})


@router.post(
    "/reports/{uid}/forwards",
    response={201: ReportShareOut, **CHANGE_ERRORS},
    summary="Forward a partner's report to another partner (H2: with the originator's consent)",
)
def forward_report(request: HttpRequest, uid: UUID, payload: PartnerIn) -> Any:
    report = get_report_for_user(request.user, uid)
    envelope = actions.forward_report(
        actor=request.user, report=report, partner=payload.partner, request=request
    )
    return Status(201, {"partner": payload.partner, "envelope": envelope})


@router.get(
    "/reports/{uid}/export",
    response={200: dict[str, Any], **RECORD_ERRORS},
    summary="Export a report (H2: with the originator's consent)",
)
def export_report(request: HttpRequest, uid: UUID) -> Any:
    report = get_report_for_user(request.user, uid)
    return actions.export_report(actor=request.user, report=report, request=request)


@router.get(
    "/reports/{uid}/stix",
    response={200: None, **RECORD_ERRORS},
    summary="Export a report as a STIX 2.1 bundle (H2: with the originator's consent)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The STIX 2.1 bundle",
                "content": {"application/stix+json;version=2.1": {"schema": {"type": "object"}}},
            }
        }
    },
)
def export_stix(request: HttpRequest, uid: UUID) -> Any:
    report = get_report_for_user(request.user, uid)
    bundle = actions.export_stix(actor=request.user, report=report, request=request)
    return HttpResponse(bundle, content_type="application/stix+json;version=2.1")


@router.get(
    "/reports/{uid}/ftm",
    response={200: None, **RECORD_ERRORS},
    summary="The persons and organisations a report names, as FollowTheMoney (JSON lines)",
    openapi_extra={
        "responses": {
            200: {
                "description": "One FollowTheMoney entity (a JSON object) a line",
                "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_ftm(request: HttpRequest, uid: UUID) -> Any:
    report = get_report_for_user(request.user, uid)
    lines = actions.export_ftm(actor=request.user, report=report, request=request)
    return HttpResponse(lines, content_type="application/x-ndjson; charset=utf-8")


@router.post(
    "/stix-bundles",
    response={201: StixImportOut, **CREATE_ERRORS},
    summary="Import the reports of a STIX 2.1 bundle (the request body)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def import_stix(request: HttpRequest) -> Any:
    done = actions.import_stix(actor=request.user, raw=request.body, request=request)
    return Status(
        201,
        {
            "bundle": done.bundle_id,
            "created": [report_out(r) for r in done.created],
            "updated": [report_out(r) for r in done.updated],
            "already": done.already,
            "older": done.older,
            "skipped": [vars(s) | {"words": s.words} for s in done.skipped],
        },
    )


@router.post(
    "/reports/{uid}/evidence",
    response={200: ReportOut, **CHANGE_ERRORS},
    summary="Mark a report as used in evidence (H1, H2: with the originator's consent)",
)
def mark_evidence(request: HttpRequest, uid: UUID) -> Any:
    report = get_report_for_user(request.user, uid)
    marked = actions.mark_used_as_evidence(actor=request.user, report=report, request=request)
    return report_out(marked)


@router.post(
    "/reports/{uid}/consents",
    response={201: ConsentOut, **CHANGE_ERRORS},
    summary="Ask the originator's consent for a use its conditions refuse",
)
def request_consent(request: HttpRequest, uid: UUID, payload: ConsentIn) -> Any:
    report = get_report_for_user(request.user, uid)
    asked = actions.request_consent(
        actor=request.user,
        report=report,
        kind=payload.kind,
        partner=payload.partner or "",
        reason=payload.reason,
        request=request,
    )
    return Status(201, consent_out(asked))


@router.get("/consents", response={200: list[ConsentOut], **LIST_ERRORS}, summary="List consents")
def list_consents(request: HttpRequest) -> Any:
    require(request, Action.LIST, object_type="consentrequest")
    return [consent_out(c) for c in consents_visible_to(request.user)[:LIST_MAX]]


@router.post(
    "/consents/{uid}/decision",
    response={201: ConsentOut, **CHANGE_ERRORS},
    summary="Grant or refuse a partner's consent request (the originator)",
)
def decide_consent(request: HttpRequest, uid: UUID, payload: ConsentDecisionIn) -> Any:
    asked = get_consent_for_user(request.user, uid)
    actions.decide_consent(
        actor=request.user,
        consent=asked,
        granted=payload.granted,
        reason=payload.reason,
        request=request,
    )
    return Status(201, consent_out(get_consent_for_user(request.user, uid)))


# A report's files: /reports/{uid}/attachments (liaison/intel/files.py).
add_attachment_routes(router, "report", "reports")

"""Intelligence in the sharing contract (liaison/exchange/sharing.py): four record types.

- `report.upsert` / `report.withdraw`: the originator's report, facts and assessment as two
  members, its grading with the scheme, its handling code (the conditions);
- `report.forward`: a recipient forwards a partner's report to a third partner, once the
  originator consented; the body names the forwarding node and the consent decision;
- `consent.request`: owned by the asking node, goes to the report's originator;
- `consent.decision`: owned by the originator, goes back to the asking node.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import Field

from liaison.core.field_rules import Line, Text
from liaison.exchange.models import Peer, Share
from liaison.exchange.protocol import NODE_ID, ProtocolError, Reason
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import RecordType, owned_by_sender, register_record_type, shared_with
from liaison.intel import conditions, entities
from liaison.intel.actions import FIELDS, record_version, versioned_values
from liaison.intel.choices import ConsentKind
from liaison.intel.grading import SCHEMES
from liaison.intel.models import MAX_TEXT, ConsentDecision, ConsentRequest, Report
from liaison.intel.recipients import AUDIENCE_FIELDS, MAX_NAMED, partners_of
from liaison.intel.tasks import suggest_for_received
from liaison.policy import Action, decide
from liaison.records import (
    Shared,
    existing_copy,
    finder,
    held_back,
    received_fields,
    save_copy,
    shared_fields,
    superseded,
    withdraw_applier,
)

NodeId = Annotated[str, Field(pattern=NODE_ID)]
Grade = Annotated[str, Field(pattern=r"^[A-Z0-9]$")]


class ReportBody(Shared):
    title: Line = Field(min_length=1, max_length=200)
    summary: Text = Field(max_length=2000)
    facts: Text = Field(min_length=1, max_length=MAX_TEXT)
    assessment: Text = Field(max_length=MAX_TEXT)
    source_reference: Line = Field(max_length=100)
    grading_scheme: str = Field(max_length=16)
    source_reliability: Grade
    information_credibility: Grade
    originator_service: Line = Field(min_length=1, max_length=200)
    author: Line = Field(min_length=1, max_length=200)
    recipients: list[NodeId] = Field(max_length=20)
    # The working groups and joint cases it is for (uids). Absent from a sender that
    # predates them, and left out when empty so that such a node still takes the report.
    recipient_groups: list[UUID] = Field(default_factory=list, max_length=MAX_NAMED)
    recipient_cases: list[UUID] = Field(default_factory=list, max_length=MAX_NAMED)


def _dumped(body: ReportBody) -> dict[str, Any]:
    empty = {name for name in AUDIENCE_FIELDS if not getattr(body, name)}
    return body.model_dump(mode="json", exclude=empty)


class ForwardBody(ReportBody):
    """A partner's report forwarded with its originator's consent."""

    forwarded_by: NodeId
    consent: UUID | None = None  # the originator's decision (None: H0 or H1 needs none)


class ConsentRequestBody(Shared):
    report: UUID
    kind: ConsentKind
    partner: NodeId | None = None
    reason: Text = Field(min_length=1, max_length=2000)
    requested_by: Line = Field(min_length=1, max_length=200)
    requested_on: datetime


class ConsentDecisionBody(Shared):
    request: UUID
    granted: bool
    reason: Text = Field(min_length=1, max_length=2000)
    decided_by: Line = Field(min_length=1, max_length=200)
    decided_on: datetime


def _report_values(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in FIELDS}


def report_object(report: Report) -> dict[str, Any]:
    return _dumped(ReportBody(**shared_fields(report), **_report_values(report)))


def forward_object(report: Report) -> dict[str, Any]:
    granted = ConsentDecision.objects.filter(
        request__report=report, request__kind=ConsentKind.FORWARD, granted=True
    ).order_by("-decided_on")
    consent = next(iter(granted.values_list("uid", flat=True)[:1]), None)
    body = ForwardBody(
        **shared_fields(report),
        **_report_values(report),
        forwarded_by=settings.NODE_ID,
        consent=consent,
    )
    return _dumped(body)


def _write_report(sender: str, body: ReportBody, report: Report | None, via: str = "") -> None:
    if body.grading_scheme not in SCHEMES:
        raise ProtocolError(Reason.BAD_SCHEMA, f"unknown grading scheme {body.grading_scheme}")
    problems = SCHEMES[body.grading_scheme].check(
        body.source_reliability, body.information_credibility
    )
    if problems:
        raise ProtocolError(Reason.BAD_SCHEMA, problems[0])
    before = versioned_values(report) if report is not None else {}
    values = received_fields(body.owner, body) | {n: getattr(body, n) for n in FIELDS}
    values |= {n: sorted({str(u) for u in getattr(body, n)}) for n in AUDIENCE_FIELDS}
    copy = save_copy(Report, report, body.uid, values | ({"received_via": via} if via else {}))
    after = versioned_values(copy)
    changes = {k: [v, after[k]] for k, v in before.items() if v != after[k]}
    peer = Peer.objects.filter(node_id=sender).first()
    record_version(copy, changes, (peer.agency if peer is not None else "") or sender)
    # Its indicators now; the persons it names in the background, after the commit. Who
    # sees a suggestion is decided when it is shown (`entities.mentions_for`).
    entities.refresh_indicators(copy)
    transaction.on_commit(partial(suggest_for_received.enqueue, copy.pk))


def apply_report(sender: str, body: ReportBody) -> Applied:
    owned_by_sender(sender, body.owner)
    report = existing_copy(Report, sender, body.uid)
    if superseded(report, body):
        return Applied("unchanged", "report", str(body.uid), body.version)
    _write_report(sender, body, report)
    return Applied(
        "created" if report is None else "updated", "report", str(body.uid), body.version
    )


def apply_forward(sender: str, body: ForwardBody) -> Applied:
    """A copy of a third node's report, as forwarded by `sender` with the consent it names."""
    if body.forwarded_by != sender:
        raise ProtocolError(Reason.NOT_OWNER, f"{sender} forwarded as {body.forwarded_by}")
    if body.owner in (sender, settings.NODE_ID):
        raise ProtocolError(Reason.NOT_OWNER, "a forward carries a third node's report")
    report = existing_copy(Report, body.owner, body.uid)
    if superseded(report, body):
        return Applied("unchanged", "reportforward", str(body.uid), body.version)
    _write_report(sender, body, report, via=sender)
    effect = "created" if report is None else "updated"
    return Applied(effect, "reportforward", str(body.uid), body.version)


def apply_consent_request(sender: str, body: ConsentRequestBody) -> Applied:
    """A partner asks this node, the report's originator, for its consent."""
    owned_by_sender(sender, body.owner)
    report = Report.objects.filter(uid=body.report, owner_node=settings.NODE_ID).first()
    if report is None or not shared_with(sender, "report", report.uid):
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"report {body.report} was not shared")
    asked = existing_copy(ConsentRequest, sender, body.uid)
    if superseded(asked, body):
        return Applied("unchanged", "consentrequest", str(body.uid), body.version)
    values = received_fields(sender, body) | {
        "report": report,
        "kind": body.kind,
        "partner": body.partner or "",
        "reason": body.reason,
        "requested_by": body.requested_by,
        "requested_on": body.requested_on,
    }
    save_copy(ConsentRequest, asked, body.uid, values)
    effect = "created" if asked is None else "updated"
    return Applied(effect, "consentrequest", str(body.uid), body.version)


def apply_consent_decision(sender: str, body: ConsentDecisionBody) -> Applied:
    """The originator's decision on a request this node sent it."""
    owned_by_sender(sender, body.owner)
    asked = (
        ConsentRequest.objects.filter(uid=body.request, owner_node=settings.NODE_ID)
        .select_related("report")
        .first()
    )
    if asked is None or asked.report.owner_node != sender:
        raise ProtocolError(Reason.UNKNOWN_REFERENCE, f"request {body.request} was not sent")
    decision = existing_copy(ConsentDecision, sender, body.uid)
    if superseded(decision, body):
        return Applied("unchanged", "consentdecision", str(body.uid), body.version)
    values = received_fields(sender, body) | {
        "request": asked,
        "granted": body.granted,
        "reason": body.reason,
        "decided_by": body.decided_by,
        "decided_on": body.decided_on,
    }
    save_copy(ConsentDecision, decision, body.uid, values)
    effect = "created" if decision is None else "updated"
    return Applied(effect, "consentdecision", str(body.uid), body.version)


def consent_request_object(asked: ConsentRequest) -> dict[str, Any]:
    body = ConsentRequestBody(
        **shared_fields(asked),
        report=asked.report.uid,
        kind=ConsentKind(asked.kind),
        partner=asked.partner or None,
        reason=asked.reason,
        requested_by=asked.requested_by,
        requested_on=asked.requested_on,
    )
    return body.model_dump(mode="json")


def consent_decision_object(decision: ConsentDecision) -> dict[str, Any]:
    body = ConsentDecisionBody(
        **shared_fields(decision),
        request=decision.request.uid,
        granted=decision.granted,
        reason=decision.reason,
        decided_by=decision.decided_by,
        decided_on=decision.decided_on,
    )
    return body.model_dump(mode="json")


def report_refusal(share: Share, report: Report) -> str:
    """Why the report may no longer go to the partner (as its sharer, among its recipients:
    a resync skips a partner taken off them); "" if it may."""
    decision = decide(share.shared_by, Action.DISCLOSE, report)
    if not decision:
        return str(decision.reason)
    if share.peer.node_id not in partners_of(report):
        return _("no longer among the report's recipients")
    return ""


def forward_refusal(share: Share, report: Report) -> str:
    """A forward goes again (resync) only while the originator's consent stands."""
    return conditions.refusal(report, ConsentKind.FORWARD, share.peer.node_id)


def register() -> None:
    types = [
        RecordType(
            name="report",
            body=ReportBody,
            serialise=report_object,
            apply=apply_report,
            find=finder(Report),
            refusal=report_refusal,
            withdraw=withdraw_applier(Report, "report"),
            audience=partners_of,
        ),
        RecordType(
            name="reportforward",
            body=ForwardBody,
            serialise=forward_object,
            apply=apply_forward,
            find=finder(Report),
            refusal=forward_refusal,
            message="report.forward",
            resync_order=1,
        ),
        RecordType(
            name="consentrequest",
            body=ConsentRequestBody,
            serialise=consent_request_object,
            apply=apply_consent_request,
            find=finder(ConsentRequest),
            refusal=held_back,
            message="consent.request",
            resync_order=2,
        ),
        RecordType(
            name="consentdecision",
            body=ConsentDecisionBody,
            serialise=consent_decision_object,
            apply=apply_consent_decision,
            find=finder(ConsentDecision),
            refusal=held_back,
            message="consent.decision",
            resync_order=3,
        ),
    ]
    for kind in types:
        register_record_type(kind)

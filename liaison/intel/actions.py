"""Every change to intelligence reports and their consents: atomic, permission-checked,
versioned, audited, and sent to partners through the exchange's sharing contract.

The receiving node enforces the originator's conditions here (liaison/intel/conditions.py):
a forward, an export or a use as evidence that needs the originator's consent is refused,
and audited as refused, until a consent request is granted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor, User
from liaison.audit.actions import log_event
from liaison.exchange import sharing
from liaison.exchange.models import Peer
from liaison.exchange.protocol import NODE_ID
from liaison.intel import conditions, entities, ftm, stix
from liaison.intel.choices import ConsentKind, ConsentState, IndicatorKind
from liaison.intel.files import send_files
from liaison.intel.grading import SCHEMES
from liaison.intel.models import (
    ConsentDecision,
    ConsentRequest,
    MentionState,
    Report,
    ReportIndicator,
    ReportMention,
    ReportVersion,
)
from liaison.intel.queries import reports_visible_to
from liaison.intel.recipients import AUDIENCE_FIELDS, MAX_NAMED, not_nameable, partners_of
from liaison.policy import Action, HandlingCode, atomic_action, authorise, denial
from liaison.records import clean_or_refuse
from liaison.refusals import Refused
from liaison.registry.models import Person
from liaison.registry.queries import persons_visible_to

# What the originator writes and partners receive (besides the sharing contract's fields).
FIELDS = [
    "title",
    "summary",
    "facts",
    "assessment",
    "source_reference",
    "grading_scheme",
    "source_reliability",
    "information_credibility",
    "originator_service",
    "author",
    "recipients",
    *AUDIENCE_FIELDS,
]
VERSIONED = [*FIELDS, "handling_code", "review_date"]


class IntelError(Refused):
    """A change to a report or a consent that the rules refuse; the message says why."""


@dataclass
class ReportData:
    title: str
    facts: str
    source_reliability: str
    information_credibility: str
    summary: str = ""
    assessment: str = ""
    source_reference: str = ""
    grading_scheme: str = ""
    recipients: list[str] = field(default_factory=list)
    recipient_groups: list[str] = field(default_factory=list)
    recipient_cases: list[str] = field(default_factory=list)
    handling_code: str = "H0"
    review_date: date | None = None


def _values(data: ReportData, actor: Actor) -> dict[str, Any]:
    name = data.grading_scheme or settings.INTEL_GRADING_SCHEME
    scheme = SCHEMES.get(name)
    if scheme is None:
        raise IntelError(_("Unknown grading scheme %(scheme)s.") % {"scheme": name or "?"})
    problems = scheme.check(data.source_reliability, data.information_credibility)
    if problems:
        raise IntelError(" ".join(problems))
    named = {n.strip() for n in data.recipients if n.strip()}
    wrong = sorted(n for n in named if not re.fullmatch(NODE_ID, n))
    if wrong:
        raise IntelError(_("Not a node id: %(nodes)s.") % {"nodes": ", ".join(wrong)})
    texts = ("title", "summary", "facts", "assessment", "source_reference")
    return (
        {name: getattr(data, name).strip() for name in texts}
        | {
            "grading_scheme": name,
            "source_reliability": data.source_reliability,
            "information_credibility": data.information_credibility,
            "recipients": sorted(named - {settings.NODE_ID}),
            "handling_code": data.handling_code,
            "review_date": data.review_date,
        }
        | _audiences(data, actor)
    )


def _not_nameable(name: str, uids: list[str]) -> IntelError:
    if name == "recipient_cases":
        message = _("Not a joint case this service takes part in: %(uids)s.")
    else:
        message = _("Not a working group this service takes part in: %(uids)s.")
    return IntelError(message % {"uids": ", ".join(uids)})


def _audiences(data: ReportData, actor: Actor) -> dict[str, list[str]]:
    """The groups and cases the report names: only those held here that this node takes
    part in and the writer may see (recipients.not_nameable); anything else is refused."""
    values: dict[str, list[str]] = {}
    for name in AUDIENCE_FIELDS:
        uids = sorted({str(u).strip() for u in getattr(data, name) if str(u).strip()})
        if len(uids) > MAX_NAMED:
            raise IntelError(
                _("Name at most %(n)d working groups and %(n)d joint cases.") % {"n": MAX_NAMED}
            )
        wrong = not_nameable(actor, name, uids)
        if wrong:
            raise _not_nameable(name, wrong)
        values[name] = uids
    return values


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def record_version(report: Report, changes: dict[str, Any], by: str) -> None:
    """This node's history of the report: what each version changed (the first: nothing)."""
    plain = {k: [_plain(v) for v in pair] for k, pair in changes.items()}
    ReportVersion.objects.get_or_create(
        report=report, version=report.version, defaults={"changes": plain, "changed_by": by}
    )


def versioned_values(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in VERSIONED}


def _service(user: User) -> str:
    return user.agency.name if user.agency is not None else settings.NODE_ID


@atomic_action
def create_report(*, actor: Actor, data: ReportData, request: HttpRequest | None = None) -> Report:
    return _new_report(actor, data, request=request)


def _new_report(
    actor: Actor,
    data: ReportData,
    *,
    request: HttpRequest | None,
    originator_service: str = "",
    stix_id: str = "",
    stix_modified: datetime | None = None,
) -> Report:
    """The one writer of a new report: written here, or imported from a STIX bundle (its
    originator service then the bundle's, its STIX id the bundle's report's)."""
    user = authorise(
        actor,
        Action.WRITE_REPORT,
        handling_code=data.handling_code,
        request=request,
        object_type="report",
    )
    report = Report(
        owner_node=settings.NODE_ID,
        created_by=user,
        originator_service=originator_service or _service(user),
        author=user.get_full_name() or user.get_username(),
        stix_id=stix_id,
        stix_modified=stix_modified,
        **_values(data, user),
    )
    clean_or_refuse(report, IntelError)
    report.save()
    record_version(report, {}, report.author)
    entities.refresh_indicators(report)
    log_event(
        action="collect",
        request=request,
        actor=user,
        object_type="report",
        object_id=str(report.uid),
        detail={"import": "stix", "stix_id": stix_id} if stix_id else None,
    )
    return report


@atomic_action
def update_report(
    *, actor: Actor, report: Report, data: ReportData, request: HttpRequest | None = None
) -> Report:
    """Change this node's own report; partners holding it get the new version."""
    return _new_version(actor, report, _values(data, actor), request=request)


def _new_version(
    actor: Actor,
    report: Report,
    values: dict[str, Any],
    *,
    request: HttpRequest | None,
    detail: dict[str, Any] | None = None,
    stix_modified: datetime | None = None,
) -> Report:
    """The one writer of a report's next version (a change here, or a later version of the
    STIX report it was imported from): what changed is recorded, the text read again, and
    partners holding it get the new version. Nothing changed: nothing is written."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    user = authorise(
        actor,
        Action.WRITE_REPORT,
        report,
        handling_code=values["handling_code"],
        request=request,
        object_type="report",
    )
    before = versioned_values(report)
    for name, value in values.items():
        setattr(report, name, value)
    clean_or_refuse(report, IntelError)
    changes = {k: [v, getattr(report, k)] for k, v in before.items() if v != getattr(report, k)}
    if stix_modified is not None:
        report.stix_modified = stix_modified
    if not changes:
        if stix_modified is not None:
            report.save(update_fields=["stix_modified", "updated_at"])
        return report
    report.version += 1
    report.save()
    record_version(report, changes, user.get_full_name() or user.get_username())
    entities.refresh_indicators(report)
    sharing.push_update("report", report)
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type="report",
        object_id=str(report.uid),
        changes={k: [_plain(v) for v in pair] for k, pair in changes.items()},
        detail={"version": report.version} | (detail or {}),
    )
    return report


@atomic_action
def share_report(
    *, actor: Actor, report: Report, partner: str, request: HttpRequest | None = None
) -> str:
    """Send this node's report to `partner`, one of its recipients (a node it names, or a
    node of a group or case it names, as they are now), then its files; returns the
    report's envelope id (the worker delivers them, in that order)."""
    authorise(actor, Action.DISCLOSE, report, request=request, object_type="report")
    peer = sharing.peer_for(partner)
    report = Report.objects.get(pk=report.pk)
    if partner not in partners_of(report):
        raise IntelError(
            _("%(node)s is not among the report's recipients: add it first.") % {"node": partner}
        )
    row = sharing.send(peer, "report", report, actor=actor, request=request)
    send_files(report, partner, actor=actor)
    return str(row.envelope_id)


def _received(actor: Actor, action: Action, report: Report, request: HttpRequest | None) -> User:
    """The actor may do `action` (by role) and see the report."""
    user = authorise(actor, action, request=request, object_type="report")
    authorise(actor, Action.VIEW, report, request=request, object_type="report")
    return user


def _enforce(
    actor: Actor, report: Report, kind: ConsentKind, partner: str, request: HttpRequest | None
) -> None:
    why = conditions.refusal(report, kind, partner)
    if why:
        raise denial(actor, report, "report", why, request)


@atomic_action
def forward_report(
    *, actor: Actor, report: Report, partner: str, request: HttpRequest | None = None
) -> str:
    """Forward a partner's report to another partner: refused under H2 until its
    originator consents to that forward. Returns the envelope id."""
    _received(actor, Action.DISCLOSE, report, request)
    report = Report.objects.get(pk=report.pk)
    if report.is_local:
        raise IntelError(_("This node's own reports are shared, not forwarded."))
    if partner == report.owner_node:
        raise IntelError(_("The originator has this report already."))
    peer = sharing.peer_for(partner)
    _enforce(actor, report, ConsentKind.FORWARD, partner, request)
    detail = {"originator": report.owner_node}
    row = sharing.send(peer, "reportforward", report, actor=actor, request=request, detail=detail)
    return str(row.envelope_id)


def _may_export(
    actor: Actor, report: Report, request: HttpRequest | None, detail: dict[str, Any]
) -> User:
    """The one export rule (H2: the originator's consent), audited as a disclosure."""
    user = _received(actor, Action.VIEW, report, request)
    _enforce(actor, report, ConsentKind.EXPORT, "", request)
    log_event(
        action="disclose",
        request=request,
        actor=actor,
        object_type="report",
        object_id=str(report.uid),
        detail=detail | {"version": report.version},
    )
    return user


@atomic_action
def export_report(
    *, actor: Actor, report: Report, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The report as a document to take out of Liaison (audited as a disclosure): refused
    under H2 until the originator consents."""
    _may_export(actor, report, request, {"export": "json"})
    return document(report)


def _confirmed_persons(user: Actor, report: Report) -> tuple[list[Person], list[Person]]:
    """The persons the report names (confirmed links) that the user may see: those that may
    leave Liaison in an export, and those withheld (`may_leave_in_export`)."""
    mentions = entities.mentions_for(user, report)
    named = [m.person for m in mentions if m.state == MentionState.CONFIRMED]
    return (
        [p for p in named if may_leave_in_export(p)],
        [p for p in named if not may_leave_in_export(p)],
    )


def may_leave_in_export(person: Person) -> bool:
    """Whether a person named in a report may go with it into a file: the report's own rule
    does not cover the person's. A partner's H2 person may be passed on to no one without
    the partner's consent, as its H2 report may not (the consent covers a report, not the
    persons linked to it here). Our own persons go with their marking (H3: TLP:RED)."""
    theirs = person.owner_node != settings.NODE_ID
    return not (theirs and person.effective_handling_code == HandlingCode.H2)


def _export_detail(kind: str, persons: list[Person], withheld: list[Person]) -> dict[str, Any]:
    detail: dict[str, Any] = {"export": kind, "persons": [str(p.uid) for p in persons]}
    if withheld:
        detail["withheld"] = [str(p.uid) for p in withheld]
    return detail


@atomic_action
def export_stix(*, actor: Actor, report: Report, request: HttpRequest | None = None) -> str:
    """The report as a STIX 2.1 bundle (liaison/intel/stix.py), under the export rule."""
    persons, withheld = _confirmed_persons(actor, report)
    _may_export(actor, report, request, _export_detail("stix", persons, withheld))
    return stix.serialize(stix.bundle_for(stix_source(report, persons)))


@atomic_action
def export_ftm(*, actor: Actor, report: Report, request: HttpRequest | None = None) -> str:
    """The persons and organisations the report names as FollowTheMoney entities (JSON
    lines), linked to the report, under the export rule."""
    persons, withheld = _confirmed_persons(actor, report)
    organisations = list(
        report.indicators.filter(kind=IndicatorKind.ORGANISATION).values_list(
            "normalised", flat=True
        )
    )
    detail = _export_detail("ftm", persons, withheld)
    _may_export(actor, report, request, detail | {"organisations": organisations})
    rows = Person.objects.filter(pk__in=[p.pk for p in persons]).prefetch_related(
        "names", "birth_dates", "nationalities", "documents"
    )
    uid = str(report.uid)
    named = [ftm.person_entity(p, uid) for p in rows]
    named += [ftm.organisation_entity(name, uid) for name in organisations]
    return ftm.lines(ftm.report_entities(uid, report.title, named))


def stix_source(report: Report, persons: list[Person]) -> stix.ReportOut:
    values = {
        name: getattr(report, name)
        for name in FIELDS
        if name not in ("author", "recipients", *AUDIENCE_FIELDS)
    }
    return stix.ReportOut(
        stix_id=report.stix_id,
        uid=str(report.uid),
        owner_node=report.owner_node,
        version=report.version,
        handling_code=report.effective_handling_code,
        created=report.created_at,
        modified=report.updated_at,
        review_date=report.review_date,
        indicators=[(i.kind, i.normalised) for i in report.indicators.all()],
        persons=[
            stix.PersonOut(uid=str(p.uid), name=str(p), handling_code=p.effective_handling_code)
            for p in persons
        ],
        **values,
    )


@dataclass
class StixImport:
    """What an import did: reports recorded, imported copies brought to a later version,
    reports held already (not imported: this node's or a partner's), imported copies as
    recent as the bundle's or more (`older`), objects not imported."""

    bundle_id: str
    created: list[Report]
    already: list[str]
    skipped: list[stix.Skipped]
    updated: list[Report] = field(default_factory=list)
    older: list[str] = field(default_factory=list)


@atomic_action
def import_stix(*, actor: Actor, raw: bytes, request: HttpRequest | None = None) -> StixImport:
    """Record the reports of a STIX 2.1 bundle as this node's own; a bundle held already
    adds nothing (its STIX ids are known). A bundle that is not valid STIX 2.1 is refused
    whole; every object not imported is listed (and audited), never dropped unsaid."""
    user = authorise(actor, Action.WRITE_REPORT, request=request, object_type="report")
    try:
        reading = stix.read_bundle(raw)
    except stix.BundleError as error:
        raise IntelError(_("The bundle is refused: %(reason)s") % {"reason": error}) from None
    done = StixImport(reading.bundle_id, [], [], reading.skipped)
    for item in reading.reports:
        # Only a copy the importer may see counts: a hidden one must not tell it exists.
        held = reports_visible_to(user, Action.VIEW).filter(stix_id=item.stix_id)
        copy = held.filter(owner_node=settings.NODE_ID, stix_modified__isnull=False).first()
        if copy is None and not held.exists():
            done.created.append(_imported(user, item, request))
        elif copy is None:
            done.already.append(item.stix_id)  # this node's own report, or a partner's
        elif copy.stix_modified is not None and item.modified > copy.stix_modified:
            done.updated.append(_reimported(user, copy, item, request))
        else:
            done.older.append(item.stix_id)
    log_event(
        action="collect",
        request=request,
        actor=user,
        object_type="stix-bundle",
        object_id=reading.bundle_id,
        detail={
            "created": [str(r.uid) for r in done.created],
            "updated": [str(r.uid) for r in done.updated],
            "already": done.already,
            "older": done.older,
            "skipped": [vars(s) for s in done.skipped],
        },
    )
    return done


def _data_of(item: stix.ReportIn) -> ReportData:
    return ReportData(
        title=item.title[:200],
        summary=item.summary,
        facts=item.facts,
        assessment=item.assessment,
        source_reference=item.source_reference,
        grading_scheme=item.grading_scheme,
        source_reliability=item.source_reliability,
        information_credibility=item.information_credibility,
        handling_code=item.handling_code,
    )


def _imported(user: User, item: stix.ReportIn, request: HttpRequest | None) -> Report:
    report = _new_report(
        user,
        _data_of(item),
        request=request,
        originator_service=item.originator,
        stix_id=item.stix_id,
        stix_modified=item.modified,
    )
    _keep_bundle_indicators(report, item)
    return report


def _reimported(
    user: User, report: Report, item: stix.ReportIn, request: HttpRequest | None
) -> Report:
    """A later version of the STIX report this copy was imported from: its values become
    the copy's next version (its recipients, set here, are kept); the indicators only in
    the bundle are those of the new version."""
    values = _values(_data_of(item), user) | {
        "originator_service": item.originator,
        "recipients": report.recipients,
        "recipient_groups": report.recipient_groups,
        "recipient_cases": report.recipient_cases,
        "review_date": report.review_date,
    }
    detail = {"import": "stix", "stix_id": item.stix_id, "stix_modified": item.modified.isoformat()}
    report = _new_version(
        user, report, values, request=request, detail=detail, stix_modified=item.modified
    )
    ReportIndicator.objects.filter(report=report, field=ReportIndicator.IMPORTED).delete()
    _keep_bundle_indicators(report, item)
    return report


def _keep_bundle_indicators(report: Report, item: stix.ReportIn) -> None:
    """The bundle's indicators that the text does not give, kept as imported."""
    held = {(i.kind, i.normalised) for i in report.indicators.all()}
    ReportIndicator.objects.bulk_create(
        ReportIndicator(
            report=report, kind=k, value=v[:200], normalised=v[:200], field=ReportIndicator.IMPORTED
        )
        for k, v in dict.fromkeys(item.indicators)
        if (k, v) not in held
    )


def document(report: Report) -> dict[str, Any]:
    """What an export holds: facts and assessment as two members, never one."""
    values = {name: getattr(report, name) for name in FIELDS}
    return values | {
        "uid": str(report.uid),
        "owner": report.owner_node,
        "version": report.version,
        "handling_code": str(report.effective_handling_code),
        "tlp": report.tlp_label,
        "grading": report.grading_words,
        "review_date": _plain(report.review_date),
    }


@atomic_action
def mark_used_as_evidence(
    *, actor: Actor, report: Report, request: HttpRequest | None = None
) -> Report:
    """Note that this node used the report as evidence: refused under H1 and H2 until the
    originator consents."""
    _received(actor, Action.CREATE, report, request)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.used_as_evidence_at is not None:
        raise IntelError(_("This report is already marked as used in evidence."))
    _enforce(actor, report, ConsentKind.EVIDENCE, "", request)
    report.used_as_evidence_at = timezone.now()
    report.save(update_fields=["used_as_evidence_at", "updated_at"])
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type="report",
        object_id=str(report.uid),
        changes={"used_as_evidence_at": [None, report.used_as_evidence_at.isoformat()]},
    )
    return report


def _originator(report: Report) -> Peer:
    peer = Peer.objects.filter(node_id=report.owner_node).first()
    if peer is None:
        raise IntelError(
            _("%(node)s is no longer a partner: the request cannot reach it.")
            % {"node": report.owner_node}
        )
    return peer


def _check_request(report: Report, kind: str, partner: str, reason: str) -> ConsentKind:
    if report.is_local:
        raise IntelError(_("Only a partner's report needs its originator's consent."))
    if kind not in ConsentKind.values:
        raise IntelError(_("Unknown use %(kind)s.") % {"kind": kind or "?"})
    consent = ConsentKind(kind)
    if consent == ConsentKind.FORWARD:
        sharing.peer_for(partner)
        if partner == report.owner_node:
            raise IntelError(_("The originator has this report already."))
    if not reason.strip():
        raise IntelError(_("Say why you need the originator's consent."))
    if not conditions.refusal(report, consent, partner):
        raise IntelError(_("This use needs no further consent."))
    pending = ConsentRequest.objects.filter(report=report, kind=consent, partner=partner)
    if any(r.state() == ConsentState.PENDING for r in pending.prefetch_related("decisions")):
        raise IntelError(_("A request for this use is already waiting for the originator."))
    return consent


@atomic_action
def request_consent(
    *,
    actor: Actor,
    report: Report,
    kind: str,
    reason: str,
    partner: str = "",
    request: HttpRequest | None = None,
) -> ConsentRequest:
    """Ask the originator's consent for a use its conditions refuse; the request travels to
    the originator (`consent.request`), owned by this node."""
    user = _received(actor, Action.DISCLOSE, report, request)
    report = Report.objects.select_for_update().get(pk=report.pk)
    consent = _check_request(report, kind, partner if kind == ConsentKind.FORWARD else "", reason)
    peer = _originator(report)
    asked = ConsentRequest(
        report=report,
        kind=consent,
        partner=partner if consent == ConsentKind.FORWARD else "",
        reason=reason.strip(),
        requested_by=f"{user.get_username()} ({_service(user)})",
        requested_on=timezone.now(),
        owner_node=settings.NODE_ID,
        handling_code=report.effective_handling_code,
        created_by=user,
    )
    clean_or_refuse(asked, IntelError)
    asked.save()
    sharing.send(peer, "consentrequest", asked, actor=actor, request=request)
    log_event(
        action="collect",
        request=request,
        actor=actor,
        object_type="consentrequest",
        object_id=str(asked.uid),
        detail={"report": str(report.uid), "kind": consent, "partner": asked.partner},
    )
    return asked


@atomic_action
def decide_consent(
    *,
    actor: Actor,
    consent: ConsentRequest,
    granted: bool,
    reason: str,
    request: HttpRequest | None = None,
) -> ConsentDecision:
    """The originator grants or refuses a partner's request, with a reason; the decision
    goes back to the asking node (`consent.decision`), which then allows the use or not."""
    user = authorise(actor, Action.DECIDE, consent, request=request, object_type="consentrequest")
    consent = (
        ConsentRequest.objects.select_for_update(of=("self",))
        .select_related("report")
        .get(pk=consent.pk)
    )
    if not consent.is_incoming or not consent.report.is_local:
        raise IntelError(_("Only the originator of the report decides on a request."))
    if consent.decisions.exists():
        raise IntelError(_("This request has a decision already."))
    if not reason.strip():
        raise IntelError(_("Give the reason for your decision."))
    peer = Peer.objects.filter(node_id=consent.owner_node).first()
    if peer is None:
        raise IntelError(_("%(node)s is no longer a partner.") % {"node": consent.owner_node})
    decision = ConsentDecision(
        request=consent,
        granted=granted,
        reason=reason.strip(),
        decided_by=f"{user.get_username()} ({_service(user)})",
        decided_on=timezone.now(),
        owner_node=settings.NODE_ID,
        handling_code=consent.effective_handling_code,
        created_by=user,
    )
    clean_or_refuse(decision, IntelError)
    decision.save()
    sharing.send(peer, "consentdecision", decision, actor=actor, request=request)
    log_event(
        action="collect",
        request=request,
        actor=actor,
        object_type="consentdecision",
        object_id=str(decision.uid),
        detail={"consent": str(consent.uid), "granted": granted, "partner": peer.node_id},
    )
    return decision


# Persons named in the text (liaison/intel/entities.py). Finding them is a search of the
# registry (search_records, which analysts hold); confirming or rejecting one is the
# analyst's reading of the report, kept on this node only.


@atomic_action
def suggest_persons(
    *, actor: Actor, report: Report, request: HttpRequest | None = None
) -> list[ReportMention]:
    """Suggest the registry persons visible to the actor whose names the report's text
    gives, in any script or spelling; none already suggested, confirmed or rejected."""
    user = _received(actor, Action.SEARCH, report, request)
    report = Report.objects.get(pk=report.pk)
    scope = persons_visible_to(user, Action.SEARCH)
    added = entities.suggest(report, scope)
    log_event(
        action="consult",
        request=request,
        actor=user,
        object_type="report",
        object_id=str(report.uid),
        purpose=_("Persons named in the report"),
        detail={"suggested": len(added)},
    )
    return added


def _decide_mention(
    actor: Actor, mention: ReportMention, state: MentionState, request: HttpRequest | None
) -> ReportMention:
    user = _received(actor, Action.SEARCH, mention.report, request)
    authorise(user, Action.VIEW, mention.person, request=request, object_type="person")
    mention = ReportMention.objects.select_for_update().get(pk=mention.pk)
    if mention.state != MentionState.SUGGESTED:
        raise IntelError(_("This suggestion has been decided already."))
    mention.state = state
    mention.decided_by = user
    mention.decided_at = timezone.now()
    mention.save(update_fields=["state", "decided_by", "decided_at"])
    log_event(
        action="combine" if state == MentionState.CONFIRMED else "alter",
        request=request,
        actor=user,
        object_type="report",
        object_id=str(mention.report.uid),
        changes={"mention": [MentionState.SUGGESTED.value, state.value]},
        detail={"person": str(mention.person.uid)},
    )
    return mention


@atomic_action
def confirm_mention(
    *, actor: Actor, mention: ReportMention, request: HttpRequest | None = None
) -> ReportMention:
    """The report does name this person: the link shows on the person's page (to those
    who may see the report)."""
    return _decide_mention(actor, mention, MentionState.CONFIRMED, request)


@atomic_action
def reject_mention(
    *, actor: Actor, mention: ReportMention, request: HttpRequest | None = None
) -> ReportMention:
    """The report names someone else: the suggestion is not offered again for it."""
    return _decide_mention(actor, mention, MentionState.REJECTED, request)

"""Reports and consents through the actions and the appliers (one node, partners simulated)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.exchange.protocol import ProtocolError
from liaison.intel.actions import (
    IntelError,
    create_report,
    decide_consent,
    export_report,
    forward_report,
    mark_used_as_evidence,
    request_consent,
    share_report,
    update_report,
)
from liaison.intel.models import ConsentDecision, ConsentRequest, Report
from liaison.refusals import Refused
from tests.intel.conftest import ASSESSMENT, FACTS, partner_body, receive, report_data

pytestmark = pytest.mark.django_db


def _sent(kind: str) -> list[dict[str, Any]]:
    rows = OutboxEnvelope.objects.filter(message_type=kind).order_by("seq")
    return [row.payload["object"] for row in rows]


def test_an_officer_writes_a_graded_report_with_facts_and_assessment_apart(
    our_report: Report,
) -> None:
    report = Report.objects.get(pk=our_report.pk)
    assert (report.facts, report.assessment) == (FACTS, ASSESSMENT)
    assert (report.grading_scheme, report.grading) == ("admiralty", "B2")
    assert report.grading_words == "B2: source usually reliable; information probably true"
    assert (report.author, report.owner_node) == ("officer", "ma")
    assert [v.version for v in report.versions.all()] == [1]
    assert AuditEntry.objects.filter(action="collect", object_type="report").count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"source_reliability": "X"}, "not a source reliability grade"),
        ({"grading_scheme": "europol", "information_credibility": "6"}, "information credibility"),
        ({"grading_scheme": "nato"}, "Unknown grading scheme"),
        ({"recipients": ["not a node"]}, "Not a node id"),
    ],
)
def test_a_bad_grading_or_recipient_is_refused_and_nothing_is_saved(
    officer: User, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(IntelError, match=message):
        create_report(actor=officer, data=report_data(**extra))
    assert not Report.objects.exists()
    assert not AuditEntry.objects.filter(object_type="report").exists()


def test_a_change_is_a_new_version_that_says_what_changed(
    our_report: Report, officer: User
) -> None:
    update_report(actor=officer, report=our_report, data=report_data(information_credibility="1"))
    report = Report.objects.get(pk=our_report.pk)
    latest = report.versions.first()
    assert report.version == 2 and latest is not None
    assert latest.changes == {"information_credibility": ["2", "1"]}
    update_report(actor=officer, report=report, data=report_data(information_credibility="1"))
    assert Report.objects.get(pk=report.pk).version == 2  # nothing changed: no new version


def test_a_report_goes_only_to_its_recipients_with_facts_and_assessment_apart(
    our_report: Report, liaison: User, peers: dict[str, Peer]
) -> None:
    with pytest.raises(IntelError, match="not among the report's recipients"):
        share_report(actor=liaison, report=our_report, partner="es")
    assert not _sent("report.upsert")
    share_report(actor=liaison, report=our_report, partner="fr")
    [body] = _sent("report.upsert")
    assert (body["facts"], body["assessment"]) == (FACTS, ASSESSMENT)
    assert (body["handling_code"], body["grading_scheme"]) == ("H2", "admiralty")


def test_an_analyst_cannot_share(our_report: Report, analyst: User, peers: dict[str, Peer]) -> None:
    with pytest.raises(PermissionDenied):
        share_report(actor=analyst, report=our_report, partner="fr")
    assert not _sent("report.upsert")
    assert AuditEntry.objects.filter(action="permission_denied", object_type="report").exists()


def test_a_partners_report_arrives_graded_with_its_conditions(their_report: Report) -> None:
    assert (their_report.owner_node, their_report.handling_code) == ("fr", "H2")
    assert their_report.grading_scheme == "europol"
    assert "vrai" not in their_report.grading_words  # in words, in English here
    assert "corroborated" in their_report.grading_words
    assert their_report.facts != their_report.assessment


def test_a_change_by_the_partner_is_a_version_here_too(their_report: Report) -> None:
    body = partner_body(uid=str(their_report.uid), version=2, information_credibility="1")
    receive("fr", "report", body)
    versions = list(Report.objects.get(pk=their_report.pk).versions.all())
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].changes == {"information_credibility": ["3", "1"]}
    assert versions[0].changed_by == "fr police"


def test_a_report_with_a_grade_outside_its_scheme_is_rejected(peers: dict[str, Peer]) -> None:
    with pytest.raises(ProtocolError):
        receive("fr", "report", partner_body(source_reliability="F"))  # not a Europol grade
    assert not Report.objects.exists()


def test_the_receiver_refuses_to_forward_export_or_use_an_h2_report(
    their_report: Report, liaison: User
) -> None:
    with pytest.raises(PermissionDenied, match="forwarded without the originator's consent"):
        forward_report(actor=liaison, report=their_report, partner="es")
    with pytest.raises(PermissionDenied, match="exported"):
        export_report(actor=liaison, report=their_report)
    with pytest.raises(PermissionDenied, match="evidence"):
        mark_used_as_evidence(actor=liaison, report=their_report)
    assert not OutboxEnvelope.objects.exists()
    assert Report.objects.get(pk=their_report.pk).used_as_evidence_at is None
    refusals = AuditEntry.objects.filter(action="permission_denied", object_type="report")
    assert refusals.count() == 3


def test_an_h1_report_is_forwarded_freely_but_not_used_as_evidence(
    peers: dict[str, Peer], liaison: User
) -> None:
    body = partner_body(handling_code="H1")
    receive("fr", "report", body)
    report = Report.objects.get(uid=body["uid"])
    forward_report(actor=liaison, report=report, partner="es")
    [sent] = _sent("report.forward")
    assert (sent["owner"], sent["forwarded_by"], sent["consent"]) == ("fr", "ma", None)
    with pytest.raises(PermissionDenied):
        mark_used_as_evidence(actor=liaison, report=report)


def _grant(asked: ConsentRequest, *, granted: bool = True) -> None:
    receive(
        "fr",
        "consentdecision",
        {
            "uid": "0193b0a4-0000-7000-8000-000000000001",
            "owner": "fr",
            "version": 1,
            "handling_code": "H2",
            "request": str(asked.uid),
            "granted": granted,
            "reason": "Accordé pour l'enquête conjointe." if granted else "Source exposée.",
            "decided_by": "chef (Police nationale)",
            "decided_on": timezone.now().isoformat(),
        },
    )


def test_consent_requested_then_granted_lets_the_forward_go(
    their_report: Report, liaison: User
) -> None:
    asked = request_consent(
        actor=liaison, report=their_report, kind="forward", partner="es", reason="Enquête ES."
    )
    [body] = _sent("consent.request")
    assert (body["report"], body["kind"], body["partner"]) == (
        str(their_report.uid),
        "forward",
        "es",
    )
    with pytest.raises(IntelError, match="already waiting"):
        request_consent(
            actor=liaison, report=their_report, kind="forward", partner="es", reason="Encore."
        )
    with pytest.raises(PermissionDenied):
        forward_report(actor=liaison, report=their_report, partner="es")
    _grant(asked)
    assert ConsentRequest.objects.get(pk=asked.pk).state() == "granted"
    forward_report(actor=liaison, report=their_report, partner="es")
    [sent] = _sent("report.forward")
    assert (sent["facts"], sent["assessment"]) == (their_report.facts, their_report.assessment)
    assert sent["consent"] == "0193b0a4-0000-7000-8000-000000000001"
    # The consent was for es: export and evidence stay refused.
    with pytest.raises(PermissionDenied):
        export_report(actor=liaison, report=their_report)


def test_a_refused_consent_keeps_the_forward_refused(their_report: Report, liaison: User) -> None:
    asked = request_consent(
        actor=liaison, report=their_report, kind="forward", partner="es", reason="Enquête ES."
    )
    _grant(asked, granted=False)
    assert ConsentRequest.objects.get(pk=asked.pk).state() == "refused"
    with pytest.raises(PermissionDenied):
        forward_report(actor=liaison, report=their_report, partner="es")
    assert not _sent("report.forward")


@pytest.mark.parametrize(
    ("kind", "partner", "reason", "message"),
    [
        ("forward", "zz", "x", "not a partner node"),
        ("forward", "fr", "x", "originator has this report"),
        ("forward", "es", "  ", "Say why"),
        ("evidence-ish", "", "x", "Unknown use"),
    ],
)
def test_a_bad_consent_request_changes_nothing(
    their_report: Report, liaison: User, kind: str, partner: str, reason: str, message: str
) -> None:
    with pytest.raises(Refused, match=message):
        request_consent(
            actor=liaison, report=their_report, kind=kind, partner=partner, reason=reason
        )
    assert not ConsentRequest.objects.exists()
    assert not OutboxEnvelope.objects.exists()


def test_a_use_that_needs_no_consent_is_not_asked_for(
    our_report: Report, their_report: Report, liaison: User
) -> None:
    with pytest.raises(IntelError, match="Only a partner's report"):
        request_consent(actor=liaison, report=our_report, kind="evidence", reason="x")
    asked = request_consent(actor=liaison, report=their_report, kind="evidence", reason="Procès.")
    _grant(asked)
    with pytest.raises(IntelError, match="needs no further consent"):
        request_consent(actor=liaison, report=their_report, kind="evidence", reason="Encore.")
    mark_used_as_evidence(actor=liaison, report=their_report)
    assert Report.objects.get(pk=their_report.pk).used_as_evidence_at is not None


def _incoming(report: Report) -> ConsentRequest:
    receive(
        "fr",
        "consentrequest",
        {
            "uid": "0193b0a4-0000-7000-8000-0000000000aa",
            "owner": "fr",
            "version": 1,
            "handling_code": "H2",
            "report": str(report.uid),
            "kind": "forward",
            "partner": "es",
            "reason": "Enquête conjointe avec l'Espagne.",
            "requested_by": "lo (Police nationale)",
            "requested_on": timezone.now().isoformat(),
        },
    )
    return ConsentRequest.objects.get(uid="0193b0a4-0000-7000-8000-0000000000aa")


def test_the_originator_grants_a_request_and_the_decision_goes_back(
    our_report: Report, liaison: User, officer: User
) -> None:
    share_report(actor=liaison, report=our_report, partner="fr")
    asked = _incoming(our_report)
    assert asked.is_incoming and asked.state() == "pending"
    with pytest.raises(PermissionDenied):
        decide_consent(actor=officer, consent=asked, granted=True, reason="ok")
    with pytest.raises(IntelError, match="reason"):
        decide_consent(actor=liaison, consent=asked, granted=True, reason=" ")
    assert not ConsentDecision.objects.exists()
    decide_consent(actor=liaison, consent=asked, granted=True, reason="Accordé.")
    [body] = _sent("consent.decision")
    assert (body["request"], body["granted"], body["owner"]) == (str(asked.uid), True, "ma")
    with pytest.raises(IntelError, match="decision already"):
        decide_consent(actor=liaison, consent=asked, granted=False, reason="Non.")
    assert AuditEntry.objects.filter(action="collect", object_type="consentdecision").count() == 1


def test_a_request_about_a_report_not_shared_with_the_partner_is_rejected(
    our_report: Report, peers: dict[str, Peer]
) -> None:
    with pytest.raises(ProtocolError):
        _incoming(our_report)
    assert not ConsentRequest.objects.exists()


def test_a_forwarded_copy_names_the_node_it_came_through(peers: dict[str, Peer]) -> None:
    body = partner_body(owner="es", forwarded_by="fr", consent=None)
    receive("fr", "reportforward", body)
    copy = Report.objects.get(uid=body["uid"])
    assert (copy.owner_node, copy.received_via) == ("es", "fr")
    with pytest.raises(ProtocolError):
        receive("fr", "reportforward", partner_body(owner="es", forwarded_by="es"))
    with pytest.raises(ProtocolError):
        receive("fr", "reportforward", partner_body(owner="fr", forwarded_by="fr"))


def test_the_demo_reports_are_graded_in_arabic_and_in_french(officer: User) -> None:
    from liaison.intel.demo_data import seed_reports

    assert seed_reports(actor=officer, node_id="ma") == 2
    assert seed_reports(actor=officer, node_id="ma") == 0  # once
    Report.objects.all().delete()
    assert seed_reports(actor=officer, node_id="fr") == 1
    Report.objects.all().delete()
    seed_reports(actor=officer, node_id="ma")
    schemes = sorted(Report.objects.values_list("grading_scheme", "handling_code"))
    assert schemes == [("admiralty", "H2"), ("europol", "H1")]
    assert all("\u0600" <= r.facts[0] <= "\u06ff" for r in Report.objects.all())


# Analysts write reports (write_reports), without creating registry records.


def test_an_analyst_writes_and_changes_a_report_but_creates_no_person(
    analyst: User, officer: User
) -> None:
    from liaison.registry.actions import create_person
    from tests.registry.conftest import person_data

    report = create_report(actor=analyst, data=report_data())
    assert (report.created_by, report.version) == (analyst, 1)
    changed = update_report(actor=analyst, report=report, data=report_data(title="Autre titre"))
    assert Report.objects.get(pk=report.pk).title == "Autre titre" == changed.title
    with pytest.raises(PermissionDenied):
        create_person(actor=analyst, data=person_data("Youssef Cherif"))
    with pytest.raises(PermissionDenied):  # H3 stays a supervisor's decision
        create_report(actor=analyst, data=report_data(handling_code="H3"))
    assert Report.objects.count() == 1


def test_an_auditor_writes_no_report_and_an_analyst_no_partners_report(
    make_user: Callable[..., User], analyst: User, their_report: Report
) -> None:
    auditor = make_user("audit", "auditor")
    with pytest.raises(PermissionDenied):
        create_report(actor=auditor, data=report_data())
    with pytest.raises(PermissionDenied):
        update_report(actor=analyst, report=their_report, data=report_data(title="Autre"))
    assert Report.objects.get(pk=their_report.pk).title == "Faux documents à Marseille"
    assert Report.objects.count() == 1

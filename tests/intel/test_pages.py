"""Report and consent pages, and the API: permissions, purpose, bad input, query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.intel.models import ConsentRequest, Report
from tests.conftest import AUDIT_ENTRY_QUERIES
from tests.intel.conftest import ASSESSMENT, FACTS

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
JSON = "application/json"

FORM = {
    "title": "Filière de Tanger Med",
    "summary": "",
    "facts": FACTS,
    "assessment": ASSESSMENT,
    "source_reference": "MA-SRC-1",
    "grading_scheme": "admiralty",
    "source_reliability": "B",
    "information_credibility": "2",
    "recipients": "fr",
    "handling_code": "H2",
    "review_date": "",
}


def _open(client: Client, report: Report, purpose: str = "Enquête conjointe 2026") -> Any:
    client.post(f"/intel/{report.uid}/purpose/", {"purpose": purpose})
    return client.get(f"/intel/{report.uid}/")


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


# Pages


def test_an_officer_writes_a_report_on_the_form(officer: User, login: Login) -> None:
    response = login(officer).post("/intel/new/", FORM)
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/intel/{report.uid}/"
    assert (report.facts, report.assessment, report.grading) == (FACTS, ASSESSMENT, "B2")


def test_a_grade_outside_the_scheme_is_an_error_beside_its_field(
    officer: User, login: Login
) -> None:
    response = login(officer).post(
        "/intel/new/", FORM | {"grading_scheme": "europol", "source_reliability": "E"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_source_reliability_error"' in html and "not a grade of" in html
    assert not Report.objects.exists()


def test_an_auditor_may_not_write(make_user: Callable[..., User], login: Login) -> None:
    client = login(make_user("audit", "auditor"))
    assert client.get("/intel/new/").status_code == 403
    assert client.post("/intel/new/", FORM).status_code == 403
    assert not Report.objects.exists()


def test_a_report_opens_after_its_purpose_and_the_consultation_is_logged(
    our_report: Report, officer: User, login: Login
) -> None:
    client = login(officer)
    response = client.get(f"/intel/{our_report.uid}/")
    assert response.status_code == 302 and response["Location"].endswith("/purpose/")
    assert client.post(f"/intel/{our_report.uid}/purpose/", {"purpose": ""}).status_code == 200
    response = _open(client, our_report)
    html = response.content.decode()
    assert response.status_code == 200
    facts = html.index('id="facts"')
    assessment = html.index('id="assessment"')
    assert FACTS in html[facts:assessment] and ASSESSMENT not in html[facts:assessment]
    assert "source usually reliable; information probably true" in html
    entry = AuditEntry.objects.filter(action="consult", object_type="report").get()
    assert entry.purpose == "Enquête conjointe 2026"


def test_an_h3_report_is_a_404_for_those_not_named(
    officer: User, supervisor: User, login: Login
) -> None:
    from liaison.intel.actions import create_report
    from tests.intel.conftest import report_data

    report = create_report(actor=supervisor, data=report_data(handling_code="H3"))
    client = login(officer)
    assert client.get(f"/intel/{report.uid}/purpose/").status_code == 404
    assert "Filière" not in client.get("/intel/").content.decode()


def test_the_receiver_page_refuses_the_forward_and_says_why(
    their_report: Report, liaison: User, login: Login
) -> None:
    client = login(liaison)
    _open(client, their_report)
    response = client.post(f"/intel/{their_report.uid}/forward/", {"partner": "es"}, follow=True)
    assert "may not be forwarded without the originator" in response.content.decode()
    assert not OutboxEnvelope.objects.exists()
    response = client.get(f"/intel/{their_report.uid}/export/", follow=True)
    assert "may not be exported" in response.content.decode()
    response = client.post(f"/intel/{their_report.uid}/evidence/", follow=True)
    assert "may not be used as evidence" in response.content.decode()
    assert Report.objects.get(pk=their_report.pk).used_as_evidence_at is None


def test_a_consent_request_on_the_page(their_report: Report, liaison: User, login: Login) -> None:
    client = login(liaison)
    url = f"/intel/{their_report.uid}/consent/"
    response = client.post(url, {"kind": "forward", "partner": "", "reason": "Enquête ES"})
    assert response.status_code == 200 and 'id="id_partner_error"' in response.content.decode()
    assert not ConsentRequest.objects.exists()
    response = client.post(url, {"kind": "forward", "partner": "es", "reason": "Enquête ES"})
    asked = ConsentRequest.objects.get()
    assert response["Location"] == f"/intel/consents/{asked.uid}/"
    page = client.get(response["Location"]).content.decode()
    assert "waiting for the originator" in page and 'id="decision-form"' not in page
    assert client.post(response["Location"], {"granted": "yes", "reason": "x"}).status_code == 403
    assert OutboxEnvelope.objects.filter(message_type="consent.request").count() == 1


def test_an_officer_without_the_disclose_role_cannot_ask(
    their_report: Report, officer: User, login: Login
) -> None:
    url = f"/intel/{their_report.uid}/consent/"
    response = login(officer).post(url, {"kind": "evidence", "reason": "Procès"})
    assert response.status_code == 200 and "role does not allow" in response.content.decode()
    assert not ConsentRequest.objects.exists()


def test_a_text_search_needs_a_purpose_and_is_logged(
    our_report: Report, their_report: Report, analyst: User, login: Login
) -> None:
    client = login(analyst)
    response = client.get("/intel/", {"q": "camions"})
    assert 'id="id_purpose_error"' in response.content.decode()
    assert not AuditEntry.objects.filter(object_type="report-search").exists()
    html = client.get("/intel/", {"q": "camions tanger", "purpose": "Recherche ES"}).content
    assert our_report.title in html.decode() and their_report.title not in html.decode()
    entry = AuditEntry.objects.get(object_type="report-search")
    assert (entry.purpose, entry.detail["count"]) == ("Recherche ES", 1)
    # The assessment is an opinion: not searched.
    html = client.get("/intel/", {"q": "estimons", "purpose": "Recherche ES"}).content
    assert our_report.title not in html.decode()


def test_filters_by_origin(
    our_report: Report, their_report: Report, analyst: User, login: Login
) -> None:
    client = login(analyst)
    html = client.get("/intel/", {"origin": "received"}).content.decode()
    assert their_report.title in html and our_report.title not in html


# Query counts

LIST_QUERIES = 11
DETAIL_QUERIES = 20 + AUDIT_ENTRY_QUERIES  # + mentions, indicators, files


def test_the_list_costs_a_fixed_number_of_queries(
    officer: User, login: Login, django_assert_num_queries: Any, peers: dict[str, Peer]
) -> None:
    from liaison.intel.actions import create_report
    from tests.intel.conftest import report_data

    client = login(officer)
    for n in (1, 10):
        for i in range(n):
            create_report(actor=officer, data=report_data(title=f"R{n}-{i}"))
        with django_assert_num_queries(LIST_QUERIES):
            assert client.get("/intel/").status_code == 200


def test_the_report_page_costs_a_fixed_number_of_queries(
    their_report: Report, liaison: User, login: Login, django_assert_num_queries: Any
) -> None:
    from liaison.intel.actions import request_consent

    client = login(liaison)
    _open(client, their_report)
    request_consent(actor=liaison, report=their_report, kind="evidence", reason="Procès")
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(f"/intel/{their_report.uid}/").status_code == 200
    request_consent(actor=liaison, report=their_report, kind="export", reason="Rapport")
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(f"/intel/{their_report.uid}/").status_code == 200


# API

API_REPORT = {k: v for k, v in FORM.items() if k not in ("recipients", "review_date")} | {
    "recipients": ["fr"]
}


def test_the_api_writes_and_opens_a_report_with_a_purpose(officer: User) -> None:
    client = _api(officer)
    response = client.post("/api/v1/reports", API_REPORT, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["facts"], body["assessment"], body["tlp"]) == (
        FACTS,
        ASSESSMENT,
        "TLP:AMBER+STRICT",
    )
    assert client.get(f"/api/v1/reports/{body['uid']}").status_code == 400  # no purpose
    opened = client.get(f"/api/v1/reports/{body['uid']}", {"purpose": "Enquête conjointe"})
    assert opened.status_code == 200 and opened.json()["grading"].startswith("B2: source usually")


@pytest.mark.parametrize(
    "change",
    [
        {"source_reliability": "Z"},
        {"grading_scheme": "europol", "information_credibility": "5"},
        {"facts": ""},
        {"facts_and_assessment": "merged"},
        {"recipients": ["not a node"]},
    ],
)
def test_the_api_refuses_bad_input_and_saves_nothing(officer: User, change: dict[str, Any]) -> None:
    response = _api(officer).post("/api/v1/reports", API_REPORT | change, content_type=JSON)
    assert response.status_code == 400, response.content
    assert not Report.objects.exists()


def test_the_api_refuses_the_forward_until_consent(their_report: Report, liaison: User) -> None:
    client = _api(liaison)
    url = f"/api/v1/reports/{their_report.uid}"
    assert client.post(f"{url}/forwards", {"partner": "es"}, content_type=JSON).status_code == 403
    assert client.get(f"{url}/export").status_code == 403
    assert client.post(f"{url}/evidence").status_code == 403
    response = client.post(
        f"{url}/consents", {"kind": "forward", "partner": "es", "reason": "ES"}, content_type=JSON
    )
    assert response.status_code == 201 and response.json()["state"] == "pending"
    assert client.get("/api/v1/consents").json()[0]["kind"] == "forward"
    assert not OutboxEnvelope.objects.filter(message_type="report.forward").exists()


def test_the_api_search_needs_a_purpose(our_report: Report, analyst: User) -> None:
    client = _api(analyst)
    assert client.get("/api/v1/reports", {"q": "camions"}).status_code == 400
    found = client.get("/api/v1/reports", {"q": "camions", "purpose": "Recherche conjointe"}).json()
    assert [r["uid"] for r in found] == [str(our_report.uid)]


def test_an_outsider_gets_nothing(our_report: Report, make_user: Callable[..., User]) -> None:
    from liaison.accounts.models import Agency

    other = Agency.objects.create(name="Other", country="FR", node_id="fr")
    outsider = make_user("outsider", "liaison_officer", agency=other)
    client = _api(outsider)
    assert client.get("/api/v1/reports").status_code == 403
    assert (
        client.get(
            f"/api/v1/reports/{our_report.uid}", {"purpose": "Enquête conjointe"}
        ).status_code
        == 404
    )
    assert Client().get("/api/v1/reports").status_code == 401


def test_the_openapi_document_lists_the_intelligence_endpoints(officer: User) -> None:
    paths = _api(officer).get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/reports",
        "/api/v1/reports/{uid}",
        "/api/v1/reports/{uid}/forwards",
        "/api/v1/reports/{uid}/consents",
        "/api/v1/consents/{uid}/decision",
    ):
        assert path in paths


def test_a_partners_request_waits_on_the_desk_and_is_decided_on_its_page(
    our_report: Report, liaison: User, login: Login
) -> None:
    from liaison.intel.actions import share_report
    from tests.intel.test_actions import _incoming

    share_report(actor=liaison, report=our_report, partner="fr")
    asked = _incoming(our_report)
    client = login(liaison)
    desk = client.get("/").content.decode()
    assert "A partner asks your consent: forward to another partner service" in desk
    url = f"/intel/consents/{asked.uid}/"
    assert 'id="decision-form"' in client.get(url).content.decode()
    response = client.post(url, {"granted": "yes", "reason": ""})
    assert response.status_code == 200 and 'id="id_reason_error"' in response.content.decode()
    assert not asked.decisions.exists()
    response = client.post(url, {"granted": "no", "reason": "La source serait exposée."})
    assert response.status_code == 302
    decision = asked.decisions.get()
    assert (decision.granted, decision.owner_node) == (False, "ma")
    assert OutboxEnvelope.objects.filter(message_type="consent.decision").count() == 1
    assert "consent request has a decision" not in client.get(url).content.decode()
    assert client.post(url, {"granted": "yes", "reason": "Finalement oui."}).status_code == 403
    assert asked.decisions.count() == 1


def test_a_change_on_the_form_shows_in_the_version_history_in_words(
    our_report: Report, officer: User, login: Login
) -> None:
    client = login(officer)
    url = f"/intel/{our_report.uid}/edit/"
    form = FORM | {"information_credibility": "1", "recipients": "fr"}
    assert client.post(url, form | {"information_credibility": "9"}).status_code == 200
    assert Report.objects.get(pk=our_report.pk).version == 1
    assert client.post(url, form).status_code == 302
    html = _open(client, our_report).content.decode()
    history = html[html.index('id="versions"') :]
    change = 'information credibility: <span dir="auto">2</span> → <span dir="auto">1</span>'
    assert "Version 2" in history and change in history


def test_audit_entries_about_reports_read_in_words() -> None:
    from liaison.audit.labels import field_label, object_type_label

    assert object_type_label("report") == "intelligence report"
    assert object_type_label("consentrequest") == "consent request"
    assert field_label("report", "information_credibility") == "information credibility"


CONSENT_QUERIES = 13


def test_the_consent_page_costs_a_fixed_number_of_queries(
    their_report: Report, liaison: User, login: Login, django_assert_num_queries: Any
) -> None:
    from liaison.intel.actions import request_consent
    from tests.intel.test_actions import _grant

    asked = request_consent(
        actor=liaison, report=their_report, kind="forward", partner="es", reason="Enquête ES"
    )
    client = login(liaison)
    with django_assert_num_queries(CONSENT_QUERIES):
        assert client.get(f"/intel/consents/{asked.uid}/").status_code == 200
    _grant(asked)
    with django_assert_num_queries(CONSENT_QUERIES):
        assert client.get(f"/intel/consents/{asked.uid}/").status_code == 200


def test_an_analyst_writes_a_report_on_the_form(analyst: User, login: Login) -> None:
    client = login(analyst)
    assert 'href="/intel/new/"' in client.get("/intel/").content.decode()
    response = client.post("/intel/new/", FORM)
    report = Report.objects.get()
    assert response.status_code == 302 and report.created_by == analyst
    assert client.get(f"/intel/{report.uid}/edit/").status_code == 200

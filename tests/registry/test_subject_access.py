"""The subject access report (LED art. 14): who may produce it, what it holds, its audit."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.chain import timestamp
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.exchange.protocol import Receipt, Status, uuid7
from liaison.exchange.worker import record_receipts
from liaison.registry.actions import create_person, create_warrant
from liaison.registry.models import Person
from liaison.registry.sharing.share import share_person
from liaison.registry.subject_access import (
    CSV_HEADER,
    ConsultationKind,
    DeliveryState,
    record_production,
    subject_access_report,
)
from tests.conftest import AUDIT_ENTRY_QUERIES
from tests.registry.conftest import person_data, warrant_data

pytestmark = pytest.mark.django_db

REQUEST = {"purpose": "Data subject access request", "reference": "SAR-2026-017"}
LOOKUP = {"purpose": "Identity check at Tanger Med", "reference": "CASE-7"}
# session, user, roles; person and parts; its audit entry; records; log; service names;
# the navbar's unread desk count (one query, liaison/desk/context_processors.py)
QUERIES = 26 + AUDIT_ENTRY_QUERIES
ROLES = ["officer", "analyst", "liaison_officer", "supervisor", "auditor", "node_admin"]


def page_url(person: Person) -> str:
    return f"/registry/persons/{person.uid}/access/"


def csv_url(person: Person) -> str:
    return f"/registry/persons/{person.uid}/access.csv"


def reports() -> list[AuditEntry]:
    return [e for e in AuditEntry.objects.filter(action="consult") if "subject_access" in e.detail]


def csv_table(response: object) -> list[dict[str, str]]:
    text = response.content.decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def cast(make_user: Callable[..., User]) -> dict[str, User]:
    """One user of this node's agency per role; the supervisor is `supervisor`."""
    return {role: make_user(role, role) for role in ROLES}


@pytest.fixture
def karim(cast: dict[str, User]) -> Person:
    return create_person(
        actor=cast["officer"],
        data=person_data(
            "كريم التازي",
            "Karim Tazi",
            birth_dates=["1984-03-12"],
            nationalities=["MA"],
        ),
    )


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)


# Who may


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", [page_url, csv_url])
def test_only_the_supervisor_may_produce_the_report(
    role: str,
    url: Callable[[Person], str],
    cast: dict[str, User],
    karim: Person,
    login: Callable[[User], Client],
) -> None:
    response = login(cast[role]).get(url(karim), REQUEST)
    if role == "supervisor":
        assert response.status_code == 200
        assert len(reports()) == 1
    else:
        assert response.status_code == 403
        assert reports() == []
        denied = AuditEntry.objects.get(action="permission_denied", actor_username=role)
        assert denied.detail["attempted"] == "subject_access"


@pytest.mark.parametrize("url", [page_url, csv_url])
def test_it_sends_anonymous_users_to_sign_in_and_logs_no_report(
    url: Callable[[Person], str], karim: Person
) -> None:
    response = Client().get(url(karim), REQUEST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert reports() == []


@pytest.mark.parametrize("url", [page_url, csv_url])
def test_an_h3_person_the_supervisor_is_not_named_on_is_not_found(
    url: Callable[[Person], str],
    cast: dict[str, User],
    make_user: Callable[..., User],
    login: Callable[[User], Client],
) -> None:
    other = make_user("other_supervisor", "supervisor")
    hidden = create_person(actor=other, data=person_data("Nour Haddad", handling_code="H3"))
    response = login(cast["supervisor"]).get(url(hidden), REQUEST)
    assert response.status_code == 404
    assert reports() == []


def test_a_named_supervisor_gets_the_report_on_an_h3_person(
    cast: dict[str, User], make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    other = make_user("other_supervisor", "supervisor")
    person = create_person(actor=other, data=person_data("Nour Haddad", handling_code="H3"))
    person.restricted_to.add(cast["supervisor"])
    response = login(cast["supervisor"]).get(page_url(person), REQUEST)
    assert response.status_code == 200 and "Nour Haddad" in response.content.decode()


def test_the_person_page_links_to_the_report_for_supervisors_only(
    cast: dict[str, User], karim: Person, login: Callable[[User], Client]
) -> None:
    for role, linked in (("supervisor", True), ("officer", False), ("liaison_officer", False)):
        client = login(cast[role])
        client.post("/registry/purpose/", LOOKUP)
        page = client.get(f"/registry/persons/{karim.uid}/").content.decode()
        assert ('id="subject-access-link"' in page) is linked, role


# Asking the purpose


def test_without_a_purpose_it_asks_for_one_and_logs_nothing(
    cast: dict[str, User], karim: Person, login: Callable[[User], Client]
) -> None:
    client = login(cast["supervisor"])
    page = client.get(page_url(karim))
    assert page.status_code == 200 and 'id="subject-access-form"' in page.content.decode()
    assert reports() == []


@pytest.mark.parametrize(
    "query",
    [
        {"purpose": "SAR", "reference": "SAR-1"},  # too short
        {"purpose": "Data subject access request"},  # no reference
        {"purpose": "Data subject access request", "reference": "x" * 101},
    ],
)
@pytest.mark.parametrize("url", [page_url, csv_url])
def test_bad_purpose_or_reference_is_refused_with_a_message_and_logs_nothing(
    query: dict[str, str],
    url: Callable[[Person], str],
    cast: dict[str, User],
    karim: Person,
    login: Callable[[User], Client],
) -> None:
    response = login(cast["supervisor"]).get(url(karim), query)
    assert response.status_code == 400
    assert "text-danger" in response.content.decode()
    assert reports() == []


# What it holds


def test_the_report_holds_the_person_in_every_script_with_its_records(
    cast: dict[str, User], karim: Person, login: Callable[[User], Client]
) -> None:
    create_warrant(actor=cast["officer"], person=karim, data=warrant_data())
    page = login(cast["supervisor"]).get(page_url(karim), REQUEST).content.decode()
    for expected in ("كريم التازي", "Karim Tazi", "1984-03-12", "MA-2026-0042", "H0", "TLP:GREEN"):
        assert expected in page


def test_the_report_lists_a_consultation_by_another_user_with_its_purpose(
    cast: dict[str, User], karim: Person, login: Callable[[User], Client]
) -> None:
    analyst = login(cast["analyst"])
    analyst.post("/registry/purpose/", LOOKUP)
    assert analyst.get(f"/registry/persons/{karim.uid}/").status_code == 200
    opened = AuditEntry.objects.get(action="consult", object_id=str(karim.uid))

    response = login(cast["supervisor"]).get(page_url(karim), REQUEST)
    page = response.content.decode()
    assert "analyst" in page and LOOKUP["purpose"] in page and LOOKUP["reference"] in page
    assert opened.at.strftime("%Y-%m-%d %H:%M") in page
    [consultation] = response.context["report"].consultations
    assert (consultation.user, consultation.kind) == ("analyst", ConsultationKind.OPENED)
    assert consultation.purpose == LOOKUP["purpose"]


def test_the_report_lists_searches_and_exports_that_returned_the_person(
    cast: dict[str, User], karim: Person, login: Callable[[User], Client]
) -> None:
    other = create_person(actor=cast["officer"], data=person_data("Nour Haddad"))
    officer = login(cast["officer"])
    assert officer.get("/registry/", {"name": "Karim Tazi", **LOOKUP}).status_code == 200
    assert officer.get("/registry/", {"name": "Nour Haddad", **LOOKUP}).status_code == 200
    export = {"name": "Karim Tazi", "purpose": "Monthly list for the border post"}
    assert officer.get("/registry/export.csv", export).status_code == 200

    production = record_production(actor=cast["supervisor"], person=karim, fmt="html", **REQUEST)
    report = subject_access_report(cast["supervisor"], karim, production)
    kinds = [(c.kind, c.purpose) for c in report.consultations]
    assert kinds == [
        (ConsultationKind.SEARCH, LOOKUP["purpose"]),
        (ConsultationKind.EXPORT, export["purpose"]),
    ]
    other_report = subject_access_report(cast["supervisor"], other, production)
    assert [c.kind for c in other_report.consultations] == [ConsultationKind.SEARCH]


def test_the_report_lists_a_disclosure_to_a_partner_with_its_time_and_delivery(
    cast: dict[str, User], karim: Person, fr: Peer, login: Callable[[User], Client]
) -> None:
    share_person(actor=cast["liaison_officer"], person=karim, partner="fr")
    sent = AuditEntry.objects.get(action="disclose", object_id=str(karim.uid))
    row = OutboxEnvelope.objects.get(object_uid=str(karim.uid))
    receipt = Receipt(
        v=1,
        id=uuid7(),
        envelope=row.envelope_id,
        from_="fr",
        to="ma",
        status=Status.APPLIED,
        received_at=timezone.now(),
    )
    record_receipts(fr, [(row, receipt, b"signed-receipt")])
    delivered_at = OutboxEnvelope.objects.get(pk=row.pk).delivered_at
    assert delivered_at is not None

    client = login(cast["supervisor"])
    response = client.get(page_url(karim), REQUEST)
    [disclosure] = response.context["report"].disclosures
    assert (disclosure.partner, disclosure.at, disclosure.user) == (
        "fr",
        sent.at,
        "liaison_officer",
    )
    assert (disclosure.delivery, disclosure.receipt) == (DeliveryState.DELIVERED, "applied")
    page = response.content.decode()
    assert sent.at.strftime("%Y-%m-%d %H:%M") in page
    assert "person (new or changed)" in page and "person.upsert" not in page  # in words

    rows = csv_table(client.get(csv_url(karim), REQUEST))
    [sent_row] = [r for r in rows if r["section"] == "disclosure"]
    assert (sent_row["partner"], sent_row["at"]) == ("fr", timestamp(sent.at))
    assert sent_row["delivery"] == f"delivered {timestamp(delivered_at)} applied"
    [copy] = [r for r in rows if r["section"] == "partner_copy"]
    assert copy["partner"] == "fr"


def test_a_withdrawal_is_listed_after_the_send(
    cast: dict[str, User], karim: Person, fr: Peer
) -> None:
    warrant = create_warrant(actor=cast["officer"], person=karim, data=warrant_data())
    share_person(actor=cast["liaison_officer"], person=karim, partner="fr")
    from liaison.registry.actions import set_warrant_status

    set_warrant_status(
        actor=cast["officer"], warrant=warrant, status="withdrawn", reason="Court annulled it."
    )
    production = record_production(actor=cast["supervisor"], person=karim, fmt="html", **REQUEST)
    report = subject_access_report(cast["supervisor"], karim, production)
    assert [d.message_type for d in report.disclosures] == [
        "person.upsert",
        "warrant.upsert",
        "warrant.withdraw",
    ]
    assert {d.delivery for d in report.disclosures} == {DeliveryState.PENDING}
    assert [c.object_type for c in report.partner_copies] == ["person"]


def test_a_child_record_restricted_to_others_stays_out_of_the_report(
    cast: dict[str, User], karim: Person, make_user: Callable[..., User]
) -> None:
    other = make_user("other_supervisor", "supervisor")
    review = timezone.localdate() + timedelta(days=30)
    create_warrant(
        actor=other,
        person=karim,
        data=warrant_data(handling_code="H3", reference="SECRET-1", review_date=review),
    )
    production = record_production(actor=cast["supervisor"], person=karim, fmt="csv", **REQUEST)
    report = subject_access_report(cast["supervisor"], karim, production)
    assert report.warrants == []


# Its own audit


@pytest.mark.parametrize(("url", "fmt"), [(page_url, "html"), (csv_url, "csv")])
def test_producing_the_report_is_audited_with_the_request_purpose_and_reference(
    url: Callable[[Person], str],
    fmt: str,
    cast: dict[str, User],
    karim: Person,
    login: Callable[[User], Client],
) -> None:
    assert login(cast["supervisor"]).get(url(karim), REQUEST).status_code == 200
    [entry] = AuditEntry.objects.filter(action="consult", object_id=str(karim.uid))
    assert (entry.actor_username, entry.object_type) == ("supervisor", "person")
    assert (entry.purpose, entry.purpose_reference) == (REQUEST["purpose"], REQUEST["reference"])
    assert entry.detail == {"subject_access": fmt}


def test_a_later_report_lists_the_earlier_one_but_not_itself(
    cast: dict[str, User], karim: Person, login: Callable[[User], Client]
) -> None:
    client = login(cast["supervisor"])
    client.get(page_url(karim), REQUEST)
    response = client.get(page_url(karim), {**REQUEST, "reference": "SAR-2026-018"})
    [earlier] = response.context["report"].consultations
    assert (earlier.kind, earlier.reference) == (ConsultationKind.REPORT, "SAR-2026-017")
    assert len(reports()) == 2


# The CSV


def test_the_csv_has_its_header_and_a_row_per_fact(
    cast: dict[str, User], karim: Person, login: Callable[[User], Client]
) -> None:
    response = login(cast["supervisor"]).get(csv_url(karim), REQUEST)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.splitlines()[0] == ",".join(CSV_HEADER)
    rows = csv_table(response)
    held = {(r["field"], r["value"]) for r in rows if r["section"] == "held"}
    assert ("name", "كريم التازي [arab, primary]") in held
    assert ("date_of_birth", "1984-03-12") in held and ("nationality", "MA") in held
    assert ("handling_code", "H0 (TLP:GREEN)") in held
    [produced] = [r for r in rows if r["section"] == "report"]
    assert produced["reference"] == "SAR-2026-017" and produced["user"] == "supervisor"


def test_formula_cells_in_the_csv_are_neutralised(
    cast: dict[str, User], login: Callable[[User], Client]
) -> None:
    person = create_person(
        actor=cast["officer"],
        data=person_data("=HYPERLINK(1) Tazi", distinguishing_marks="+scar on the left hand"),
    )
    request = {"purpose": "@SUM(A1) request", "reference": "-1"}
    rows = csv_table(login(cast["supervisor"]).get(csv_url(person), request))
    values = {r["field"]: r["value"] for r in rows if r["section"] == "held"}
    assert values["name"].startswith("'=HYPERLINK")
    assert values["distinguishing_marks"] == "'+scar on the left hand"
    [produced] = [r for r in rows if r["section"] == "report"]
    assert (produced["purpose"], produced["reference"]) == ("'@SUM(A1) request", "'-1")


def test_the_page_reads_right_to_left_in_arabic(
    cast: dict[str, User], karim: Person, login: Callable[[User], Client]
) -> None:
    client = login(cast["supervisor"])
    client.post("/i18n/setlang/", {"language": "ar"})
    page = client.get(page_url(karim), REQUEST).content.decode()
    assert 'dir="rtl"' in page and "كريم التازي" in page and "data-print" in page


# The API


def api_client(user: User) -> Client:
    from liaison.accounts.tokens import create_api_token

    _row, raw = create_api_token(user=user, name="sar")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize("role", ROLES)
def test_only_the_supervisor_gets_the_report_from_the_api(
    role: str, cast: dict[str, User], karim: Person
) -> None:
    response = api_client(cast[role]).get(f"/api/v1/persons/{karim.uid}/access", REQUEST)
    if role != "supervisor":
        assert response.status_code == 403 and "detail" in response.json()
        assert reports() == []
        return
    assert response.status_code == 200
    body = response.json()
    assert body["person"] == str(karim.uid)
    assert {"record": f"person:{karim.uid}", "field": "date_of_birth", "value": "1984-03-12"} in (
        body["held"]
    )
    assert body["produced"]["reference"] == REQUEST["reference"]
    [entry] = reports()
    assert entry.detail == {"subject_access": "json"} and entry.object_id == str(karim.uid)


def test_the_api_answers_anonymous_clients_401_and_hides_h3_persons(
    cast: dict[str, User], make_user: Callable[..., User]
) -> None:
    other = make_user("other_supervisor", "supervisor")
    hidden = create_person(actor=other, data=person_data("Nour Haddad", handling_code="H3"))
    url = f"/api/v1/persons/{hidden.uid}/access"
    assert Client().get(url, REQUEST).status_code == 401
    assert api_client(cast["supervisor"]).get(url, REQUEST).status_code == 404
    assert reports() == []


@pytest.mark.parametrize(
    "query", [{"purpose": "Data subject access request"}, {"purpose": "SAR", "reference": "1"}]
)
def test_the_api_refuses_a_report_without_purpose_and_reference(
    query: dict[str, str], cast: dict[str, User], karim: Person
) -> None:
    response = api_client(cast["supervisor"]).get(f"/api/v1/persons/{karim.uid}/access", query)
    assert response.status_code in (400, 422) and "detail" in response.json()
    assert reports() == []


def test_the_report_page_reads_a_fixed_number_of_queries(
    cast: dict[str, User],
    karim: Person,
    fr: Peer,
    login: Callable[[User], Client],
    django_assert_num_queries: Callable[..., Any],
) -> None:
    create_warrant(actor=cast["officer"], person=karim, data=warrant_data())
    share_person(actor=cast["liaison_officer"], person=karim, partner="fr")
    client = login(cast["supervisor"])
    client.get(page_url(karim), REQUEST)  # the session settles (last activity, language)
    with django_assert_num_queries(QUERIES):
        assert client.get(page_url(karim), REQUEST).status_code == 200
    # More consultations, disclosures and partner copies: not one query more.
    share_person(actor=cast["liaison_officer"], person=karim, partner="fr")
    analyst = login(cast["analyst"])
    analyst.post("/registry/purpose/", LOOKUP)
    analyst.get(f"/registry/persons/{karim.uid}/")
    with django_assert_num_queries(QUERIES):
        response = client.get(page_url(karim), REQUEST)
    assert len(response.context["report"].disclosures) == 4

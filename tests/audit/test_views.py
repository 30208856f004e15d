from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.actions import log_event
from liaison.audit.models import AuditEntry
from tests.audit.conftest import sql

# The audit list page, whatever the number of entries: the session, the user and its roles,
# the entries of the page, their count, the partners' service names (pinned exactly: a
# new query per row shows here).
LIST_PAGE_QUERIES = 12  # + the navbar's desk count

pytestmark = pytest.mark.django_db

SECRET_OLD, SECRET_NEW = "Benali-old-surname", "Benaliya-new-surname"


@pytest.fixture
def events(officer: User, analyst: User) -> None:
    log_event(
        action="consult",
        actor=officer,
        object_type="person",
        object_id="42",
        purpose="Locate fugitive",
        purpose_reference="CASE-2025-7",
    )
    log_event(
        action="consult",
        actor=analyst,
        object_type="person",
        object_id="42",
        purpose="Link analysis",
    )
    log_event(
        action="consult",
        actor=officer,
        object_type="person",
        object_id="43",
        purpose="Routine check",
    )
    log_event(
        action="alter",
        actor=officer,
        object_type="person",
        object_id="42",
        changes={"surname": [SECRET_OLD, SECRET_NEW]},
        purpose="Correction",
    )
    log_event(
        action="disclose",
        actor=officer,
        peer_node="fr",
        object_type="warrant",
        object_id="7",
        purpose="Extradition request",
    )


@pytest.fixture
def auditor_client(auditor: User, login: Callable[[User], Client]) -> Client:
    return login(auditor)


def _seqs(client: Client, query: str = "") -> list[int]:
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    return [entry.seq for entry in response.context["page"]]


def _export(
    client: Client, query: str = "", header: str = "codes", lang: str = "en"
) -> list[dict[str, str]]:
    """The export's rows by column; `header="codes"` is the form for scripts."""
    response = client.get(f"/audit/export.csv?{query}&header={header}", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_auditor_sees_the_log_newest_first(events: None, auditor_client: Client) -> None:
    seqs = _seqs(auditor_client)
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("user=analyst", [2]),
        ("object_type=person&object_id=42", [4, 2, 1]),
        ("action=disclose", [5]),
        ("purpose=fugitive", [1]),
        ("purpose=FUGITIVE", [1]),
        ("user=officer&action=consult", [3, 1]),
    ],
)
def test_filters_narrow_the_log(
    events: None, auditor_client: Client, query: str, expected: list[int]
) -> None:
    assert _seqs(auditor_client, query) == expected


def test_who_consulted_this_person(events: None, auditor_client: Client) -> None:
    response = auditor_client.get("/audit/?object_type=person&action=consult&object_id=42")
    names = [entry.actor_username for entry in response.context["page"]]
    assert names == ["analyst", "officer"]
    assert 'id="audit-consulted"' in response.content.decode()


def test_the_time_range_filter(events: None, auditor_client: Client) -> None:
    sql("UPDATE audit_auditentry SET at = %s WHERE seq = 1", [timezone.now() - timedelta(days=10)])
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    recent = _seqs(auditor_client, f"since={since}")
    assert 1 not in recent and {2, 3, 4, 5} <= set(recent)  # the rest still shown
    until = (timezone.now() - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    assert _seqs(auditor_client, f"until={until}") == [1]


def test_an_invalid_filter_is_a_400_with_the_error(auditor_client: Client) -> None:
    response = auditor_client.get("/audit/?since=yesterday")
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_the_log_is_paginated(auditor: User, auditor_client: Client) -> None:
    for n in range(60):
        log_event(action="consult", object_type="warrant", object_id=str(n))
    first = _seqs(auditor_client, "object_type=warrant")
    second = _seqs(auditor_client, "object_type=warrant&page=2")
    assert len(first) == 50 and len(second) == 10 and not set(first) & set(second)


def _list_page_queries(client: Client) -> tuple[int, list[int]]:
    with CaptureQueriesContext(connection) as queries:
        seqs = _seqs(client)
    return len(queries.captured_queries), seqs


def test_the_list_page_runs_a_fixed_number_of_queries(events: None, auditor_client: Client) -> None:
    for n in range(10):
        log_event(action="consult", object_type="warrant", object_id=str(n))
    log_event(action="receive", peer_node="fr", object_type="person", object_id="1")
    few, shown = _list_page_queries(auditor_client)
    for n in range(60):
        log_event(action="consult", object_type="warrant", object_id=str(n))
        log_event(action="receive", peer_node=f"p{n}", object_type="person", object_id=str(n))
    many, full_page = _list_page_queries(auditor_client)
    assert len(shown) < 50 and len(full_page) == 50  # one short page, then a full one
    assert few == many == LIST_PAGE_QUERIES, (few, many)


def test_the_csv_export_holds_the_filtered_entries(events: None, auditor_client: Client) -> None:
    rows = _export(auditor_client, "object_type=person&object_id=42")
    assert [row["seq"] for row in rows] == ["1", "2", "4"]
    assert rows[0]["purpose_reference"] == "CASE-2025-7"
    assert rows[2]["changed_fields"] == "surname"


def test_the_default_export_is_in_words_in_the_readers_language(
    events: None, auditor_client: Client
) -> None:
    rows = _export(auditor_client, "object_type=person&object_id=42", header="", lang="fr")
    columns = list(rows[0])
    assert columns[0] == "numéro d'ordre" and columns[3] == "utilisateur"
    assert columns[7] == "type d'objet" and "seq" not in columns and "object_type" not in columns
    altered = rows[2]
    # Codes become words: the action's legal name, the object type's verbose name.
    assert "Modification" in altered.values()
    assert "personne" in altered.values()
    assert "alter" not in altered.values() and "person" not in altered.values()


def test_the_export_is_itself_audited(events: None, auditor: User, auditor_client: Client) -> None:
    _export(auditor_client, "action=disclose")
    entry = AuditEntry.objects.filter(actor_username="auditor", object_type="audit_log").get()
    assert entry.action == "consult"
    assert entry.detail == {"export": "csv", "filters": {"action": "disclose"}}


def test_no_record_content_leaks_to_the_auditor(events: None, auditor_client: Client) -> None:
    page = auditor_client.get("/audit/").content.decode()
    body = "".join(str(row) for row in _export(auditor_client))
    for text in (page, body):
        assert "surname" in text
        assert SECRET_OLD not in text and SECRET_NEW not in text


def test_spreadsheet_formulas_are_neutralised_in_the_export(auditor_client: Client) -> None:
    log_event(action="consult", purpose='=HYPERLINK("http://evil")')
    assert _export(auditor_client, "purpose=HYPERLINK")[0]["purpose"].startswith("'=")


@pytest.mark.parametrize("role", ["officer", "analyst", "node_admin"])
@pytest.mark.parametrize("path", ["/audit/", "/audit/export.csv"])
def test_other_roles_are_refused_and_the_refusal_is_logged(
    request: pytest.FixtureRequest, login: Callable[[User], Client], role: str, path: str
) -> None:
    user = request.getfixturevalue(role)
    assert login(user).get(path).status_code == 403
    denied = AuditEntry.objects.get(action="permission_denied")
    assert denied.actor_username == role and denied.origin.endswith(path)
    assert not AuditEntry.objects.filter(object_type="audit_log", action="consult").exists()


@pytest.mark.parametrize("path", ["/audit/", "/audit/export.csv"])
def test_anonymous_users_are_sent_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

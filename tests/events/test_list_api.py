"""Accreditation lists and the review queue through the JSON API: the pages' scoping,
permissions, audit and four-eyes rule; in the OpenAPI document; fixed query counts."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import Agency, User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.events.accreditation import map_columns, upload_list
from liaison.events.actions import EventData, create_event
from liaison.events.models import AccreditationList, Candidate, CandidateStatus, Event
from liaison.events.review import set_four_eyes
from liaison.events.tables import Mapping
from liaison.registry.actions import AlertData, NameData, PersonData, create_alert, create_person
from liaison.registry.models import Hit, Person
from tests.conftest import AUDIT_ENTRY_QUERIES

pytestmark = pytest.mark.django_db

JSON = "application/json"
ROWS = "name,dob\nKarim Benali,1984-03-12\nYoussef Idrissi,1979-11-02\nNadia Tazi,1990\n"
LISTS_QUERIES, CANDIDATES_QUERIES = 7, 13 + AUDIT_ENTRY_QUERIES


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _screen(user: User, event: Event, capture: Any, data: str = ROWS) -> AccreditationList:
    lst = upload_list(
        actor=user,
        event=event,
        name="Staff",
        purpose="Accreditation",
        file_name="s.csv",
        data=data.encode(),
    )
    with capture(execute=True):
        map_columns(actor=user, lst=lst, mapping=Mapping(names=[0], date_of_birth=1))
    lst.refresh_from_db()
    return lst


@pytest.fixture
def screened(
    officer: User,
    supervisor: User,
    event: Event,
    watched: Callable[..., Person],
    django_capture_on_commit_callbacks: Any,
) -> AccreditationList:
    watched("Karim Benali", dob="1984-03-12")
    watched("Youssef Idrissi", dob="1979-11-02")
    hidden = create_person(
        actor=supervisor,
        data=PersonData(category="wanted", names=[NameData("Nadia Tazi")], handling_code="H3"),
    )
    alert = AlertData(alert_type="locate", action_on_hit="Inform the liaison officer.")
    create_alert(actor=supervisor, person=hidden, data=alert)
    lst = _screen(officer, event, django_capture_on_commit_callbacks)
    assert lst.candidates.count() == 3
    return lst


def _base(lst: AccreditationList) -> str:
    return f"/api/v1/events/{lst.event.uid}/lists"


def _hidden(lst: AccreditationList) -> Candidate:
    return lst.candidates.get(person__names__full_name="Nadia Tazi")


def _karim(lst: AccreditationList) -> Candidate:
    return lst.candidates.get(person__names__full_name="Karim Benali")


def test_the_lists_and_a_list_show_their_progress_and_what_the_reader_may_see(
    officer: User, supervisor: User, screened: AccreditationList
) -> None:
    response = _api(officer).get(_base(screened))
    assert response.status_code == 200
    (found,) = response.json()
    assert (found["uid"], found["status"], found["rows_total"], found["rows_screened"]) == (
        str(screened.uid),
        "done",
        3,
        3,
    )
    assert (found["candidates"], found["pending"], found["proposed"]) == (2, 2, 0)
    assert found["percent"] == 100 and found["four_eyes"] is False
    # No node-wide count that takes in persons hidden from the reader.
    assert not {"watchlist_size", "already_decided"} & set(found)
    one = _api(officer).get(f"{_base(screened)}/{screened.uid}").json()
    assert one == found
    assert _api(supervisor).get(f"{_base(screened)}/{screened.uid}").json()["candidates"] == 3


def test_the_candidates_come_with_score_explanation_evidence_and_are_audited(
    officer: User, screened: AccreditationList
) -> None:
    response = _api(officer).get(f"{_base(screened)}/{screened.uid}/candidates")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next_offset"] is None
    names = {c["applicant"]["names"][0] for c in body["candidates"]}
    assert names == {"Karim Benali", "Youssef Idrissi"}  # not Nadia Tazi's (H3)
    first = body["candidates"][0]
    assert first["score"] >= body["candidates"][1]["score"]
    assert first["explanation"] and first["evidence"] and first["status"] == "pending"
    assert first["person"]["names"] and first["hit"] is None
    entry = AuditEntry.objects.filter(action="consult", object_id=str(screened.uid)).get()
    assert entry.purpose == "Accreditation"
    assert sorted(entry.detail["candidates"]) == sorted(c["id"] for c in body["candidates"])
    paged = _api(officer).get(f"{_base(screened)}/{screened.uid}/candidates?limit=1").json()
    assert (len(paged["candidates"]), paged["next_offset"]) == (1, 1)
    wrong = _api(officer).get(f"{_base(screened)}/{screened.uid}/candidates?status=nope")
    assert wrong.status_code == 400


def test_decisions_through_the_api_follow_four_eyes(
    officer: User, make_user: Callable[..., User], screened: AccreditationList
) -> None:
    second = make_user("officer-2", "officer")
    set_four_eyes(actor=officer, event=screened.event, four_eyes=True)
    karim = _karim(screened)
    url = f"{_base(screened)}/{screened.uid}/candidates/{karim.pk}"
    proposed = _api(officer).post(f"{url}/confirm")
    assert proposed.status_code == 200 and proposed.json()["status"] == "proposed"
    assert proposed.json()["proposed_by"] == "officer" and not Hit.objects.exists()
    listed = _api(officer).get(f"{_base(screened)}/{screened.uid}/candidates?status=proposed")
    assert [c["id"] for c in listed.json()["candidates"]] == [karim.pk]

    refused = _api(officer).post(f"{url}/confirm")
    assert refused.status_code == 403
    assert Candidate.objects.get(pk=karim.pk).status == CandidateStatus.PROPOSED
    assert not Hit.objects.exists()
    assert AuditEntry.objects.filter(action="permission_denied", object_id=str(karim.pk)).exists()

    assert _api(second).post(f"{url}/reject", {}, JSON).status_code == 400
    rejected = _api(second).post(f"{url}/reject", {"reason": "Not him"}, JSON)
    assert rejected.status_code == 200 and rejected.json()["rejection"] == "Not him"
    assert rejected.json()["status"] == "pending" and rejected.json()["rejected_by"] == "officer-2"

    assert _api(second).post(f"{url}/propose").json()["status"] == "proposed"
    confirmed = _api(officer).post(f"{url}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["hit"] == str(Hit.objects.get().uid)


def test_clearing_through_the_api_needs_a_reason(
    officer: User, screened: AccreditationList
) -> None:
    karim = _karim(screened)
    url = f"{_base(screened)}/{screened.uid}/candidates/{karim.pk}/clear"
    assert _api(officer).post(url, {"reason": ""}, JSON).status_code == 400
    assert _api(officer).post(url, {"reason": "x", "more": 1}, JSON).status_code == 400
    assert Candidate.objects.get(pk=karim.pk).status == CandidateStatus.PENDING
    cleared = _api(officer).post(url, {"reason": "Born in Oujda"}, JSON)
    assert cleared.status_code == 200 and cleared.json()["status"] == "cleared"
    assert _api(officer).post(url, {"reason": "again"}, JSON).status_code == 400


DECISIONS = [
    ("confirm", None),
    ("propose", None),
    ("reject", {"reason": "r"}),
    ("clear", {"reason": "r"}),
]


@pytest.mark.parametrize(("step", "body"), DECISIONS)
def test_an_analyst_reads_but_may_not_decide_and_nothing_changes(
    analyst: User, screened: AccreditationList, step: str, body: dict[str, str] | None
) -> None:
    client = _api(analyst)
    assert client.get(f"{_base(screened)}/{screened.uid}/candidates").status_code == 200
    karim = _karim(screened)
    url = f"{_base(screened)}/{screened.uid}/candidates/{karim.pk}/{step}"
    response = client.post(url, body or {}, JSON)
    assert response.status_code == 403
    assert Candidate.objects.get(pk=karim.pk).status == CandidateStatus.PENDING
    assert AuditEntry.objects.filter(action="permission_denied", actor_username="analyst").exists()


@pytest.mark.parametrize(("step", "body"), [("confirm", {}), ("clear", {"reason": "r"})])
def test_the_pages_too_answer_404_for_a_candidate_on_a_person_the_user_may_not_see(
    officer: User,
    screened: AccreditationList,
    login: Callable[[User], Client],
    step: str,
    body: dict[str, str],
) -> None:
    hidden = _hidden(screened)
    url = f"/events/{screened.event.uid}/lists/{screened.uid}/candidates/{hidden.pk}/{step}/"
    assert login(officer).post(url, body).status_code == 404
    assert Candidate.objects.get(pk=hidden.pk).status == CandidateStatus.PENDING


@pytest.mark.parametrize(("step", "body"), DECISIONS)
def test_a_candidate_on_a_person_the_user_may_not_see_is_a_404(
    officer: User, screened: AccreditationList, step: str, body: dict[str, str] | None
) -> None:
    hidden = _hidden(screened)
    url = f"{_base(screened)}/{screened.uid}/candidates/{hidden.pk}/{step}"
    assert _api(officer).post(url, body or {}, JSON).status_code == 404
    assert Candidate.objects.get(pk=hidden.pk).status == CandidateStatus.PENDING


def _urls(lst: AccreditationList) -> list[tuple[str, str]]:
    base, pk = f"{_base(lst)}/{lst.uid}", lst.candidates.order_by("pk").first().pk  # type: ignore[union-attr]
    return [
        ("get", _base(lst)),
        ("get", base),
        ("get", f"{base}/candidates"),
        *[("post", f"{base}/candidates/{pk}/{step}") for step, _b in DECISIONS],
        ("put", f"/api/v1/events/{lst.event.uid}/four-eyes"),
        ("post", f"{base}/columns"),
        ("post", _base(lst)),
    ]


def _send(client: Client, method: str, url: str) -> int:
    """A valid request to `url`, so that only the permission can refuse it."""
    if method == "get":
        return int(client.get(url).status_code)
    if url.endswith("/lists"):
        upload = io.BytesIO(b"name\nA B\n")
        upload.name = "a.csv"
        return int(client.post(url, {"purpose": "P", "file": upload}).status_code)
    body: dict[str, Any] = {"reason": "r"}
    body = {"four_eyes": True} if url.endswith("four-eyes") else body
    body = {"names": [0]} if url.endswith("columns") else body
    return int(getattr(client, method)(url, body, JSON).status_code)


def test_every_endpoint_refuses_anonymous_auditors_and_other_nodes(
    screened: AccreditationList, make_user: Callable[..., User], partner_agency: Agency
) -> None:
    auditor = _api(make_user("auditor-2", "auditor"))
    stranger = _api(make_user("stranger", "officer", agency=partner_agency))
    for method, url in _urls(screened):
        for client, refused in [(Client(), {401}), (auditor, {403, 404}), (stranger, {403, 404})]:
            assert _send(client, method, url) in refused, url
    assert not Candidate.objects.exclude(status=CandidateStatus.PENDING).exists()
    assert Event.objects.get(pk=screened.event.pk).four_eyes is None
    assert AccreditationList.objects.count() == 1


def test_an_h3_event_hides_its_lists_from_the_api(
    officer: User,
    supervisor: User,
    watched: Callable[..., Person],
    django_capture_on_commit_callbacks: Any,
) -> None:
    watched("Karim Benali", dob="1984-03-12")
    data = EventData(
        name="Secret",
        starts_on=date(2030, 6, 1),
        ends_on=date(2030, 7, 1),
        host_node="ma",
        handling_code="H3",
    )
    secret = create_event(actor=supervisor, data=data)
    lst = _screen(supervisor, secret, django_capture_on_commit_callbacks)
    for method, url in _urls(lst):
        assert _send(_api(officer), method, url) == 404, url
    assert _api(supervisor).get(_base(lst)).status_code == 200


def test_the_four_eyes_rule_is_set_through_the_api_by_who_may_change_the_event(
    officer: User, analyst: User, supervisor: User, event: Event
) -> None:
    url = f"/api/v1/events/{event.uid}/four-eyes"
    assert _api(analyst).put(url, {"four_eyes": True}, JSON).status_code == 403
    assert Event.objects.get(pk=event.pk).four_eyes is None
    response = _api(officer).put(url, {"four_eyes": True}, JSON)
    assert response.status_code == 200 and response.json() == {"four_eyes": True, "effective": True}
    # Off again (the node's setting is off) only by a supervisor.
    assert _api(officer).put(url, {"four_eyes": None}, JSON).status_code == 403
    assert Event.objects.get(pk=event.pk).four_eyes is True
    assert _api(supervisor).put(url, {"four_eyes": None}, JSON).json()["four_eyes"] is None


def test_the_endpoints_are_in_the_openapi_document(officer: User) -> None:
    paths = _api(officer).get("/api/v1/openapi.json").json()["paths"]
    base = "/api/v1/events/{uid}/lists"
    for path in [
        base,
        f"{base}/{{list_uid}}",
        f"{base}/{{list_uid}}/candidates",
        *[f"{base}/{{list_uid}}/candidates/{{pk}}/{step}" for step, _b in DECISIONS],
        "/api/v1/events/{uid}/four-eyes",
    ]:
        assert path in paths, path


@pytest.mark.parametrize("extra", [0, 3])
def test_the_list_and_candidate_endpoints_cost_a_fixed_number_of_queries(
    officer: User,
    screened: AccreditationList,
    watched: Callable[..., Person],
    django_capture_on_commit_callbacks: Any,
    django_assert_num_queries: Any,
    extra: int,
) -> None:
    for i in range(extra):
        _screen(
            officer,
            screened.event,
            django_capture_on_commit_callbacks,
            ROWS + f"Karim Benali {i},1984-03-12\n",
        )
    client, base = _api(officer), _base(screened)
    with django_assert_num_queries(LISTS_QUERIES):
        assert len(client.get(base).json()) == 1 + extra
    with django_assert_num_queries(CANDIDATES_QUERIES):
        assert client.get(f"{base}/{screened.uid}/candidates").json()["count"] == 2
    with django_assert_num_queries(CANDIDATES_QUERIES):  # one candidate costs as much as two
        assert (
            len(client.get(f"{base}/{screened.uid}/candidates?limit=1").json()["candidates"]) == 1
        )


def test_a_list_is_uploaded_mapped_and_screened_through_the_api(
    officer: User,
    event: Event,
    watched: Callable[..., Person],
    django_capture_on_commit_callbacks: Any,
) -> None:
    watched("Karim Benali", dob="1984-03-12")
    client, base = _api(officer), f"/api/v1/events/{event.uid}/lists"
    upload = io.BytesIO("Nom,Prénom,Naissance,Catégorie\nBenali,Karim,1984-03-12,Presse\n".encode())
    upload.name = "media.csv"
    response = client.post(base, {"purpose": "Accreditation", "name": "Media", "file": upload})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["columns"], body["name"]) == (
        "mapping",
        ["Nom", "Prénom", "Naissance", "Catégorie"],
        "Media",
    )
    url = f"{base}/{body['uid']}/columns"
    assert client.post(url, {"names": []}, JSON).status_code == 400
    assert client.post(url, {"names": [9]}, JSON).status_code == 400
    lst = AccreditationList.objects.get(uid=body["uid"])
    assert lst.status == "mapping" and not lst.rows.exists()
    mapping = {"names": [1, 0], "date_of_birth": 2, "category": 3}
    with django_capture_on_commit_callbacks(execute=True):
        mapped = client.post(url, mapping, JSON)
    assert mapped.status_code == 200 and mapped.json()["mapping"]["category"] == 3
    done = client.get(f"{base}/{body['uid']}").json()
    assert (done["status"], done["rows_screened"], done["candidates"]) == ("done", 1, 1)
    assert lst.rows.get().category == "media"
    assert client.post(url, mapping, JSON).status_code == 400  # already mapped


def test_uploading_through_the_api_is_refused_as_on_the_page(
    officer: User, analyst: User, event: Event, settings: Any
) -> None:
    base = f"/api/v1/events/{event.uid}/lists"

    def post(client: Client, data: bytes, **form: str) -> int:
        upload = io.BytesIO(data)
        upload.name = "a.csv"
        fields: dict[str, Any] = {"purpose": "Accreditation", "file": upload} | form
        return int(client.post(base, fields).status_code)

    assert post(_api(analyst), b"name\nA B\n") == 403
    assert post(_api(officer), b"\x00\x01binary") == 400
    assert post(_api(officer), b"name\nA B\n", purpose="") == 400
    settings.LIST_MAX_BYTES = 8
    assert post(_api(officer), b"name\nA B\n") == 413
    assert not AccreditationList.objects.exists()
    assert AuditEntry.objects.filter(action="permission_denied", actor_username="analyst").exists()

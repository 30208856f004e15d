"""Screening in chunks (immediate task backend), the review queue, and re-screening."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client

from liaison.accounts.models import User
from liaison.events.accreditation import (
    ListError,
    cancel_screening,
    map_columns,
    screen_again,
    upload_list,
)
from liaison.events.demo_data import VOLUNTEERS, seed_events
from liaison.events.models import (
    AccreditationList,
    Candidate,
    CandidateStatus,
    Decision,
    Event,
    ListStatus,
)
from liaison.events.review import clear_candidate, confirm_candidate
from liaison.events.tables import Mapping
from liaison.exchange.models import OutboxEnvelope
from liaison.registry.models import Hit, Person
from tests.conftest import AUDIT_ENTRY_QUERIES

pytestmark = pytest.mark.django_db

HEADER = "Nom,Prénom,Date de naissance\n"
MAPPING = Mapping(names=[1, 0], date_of_birth=2)
# The queue: 19 with the prefetch of the persons' bans in force (a candidate says its ban),
# the pages counted from the tab's count.
QUEUE_QUERIES, LIST_QUERIES, PROGRESS_QUERIES = 19 + AUDIT_ENTRY_QUERIES, 13, 12


@pytest.fixture
def persons(watched: Callable[..., Person]) -> tuple[Person, Person]:
    return (
        watched("كريم بنعلي", "Karim Benali", dob="1984-03-12"),
        watched("Youssef El Idrissi", dob="1979-11-02"),
    )


def _screened(
    user: User, event: Event, rows: str, capture: Any, name: str = "Staff"
) -> AccreditationList:
    lst = upload_list(
        actor=user,
        event=event,
        name=name,
        purpose="Accreditation",
        file_name="staff.csv",
        data=(HEADER + rows).encode(),
    )
    with capture(execute=True):
        map_columns(actor=user, lst=lst, mapping=MAPPING)
    lst.refresh_from_db()
    return lst


ROWS = "".join(f"Lefebvre{i},Jean,1970-07-07\n" for i in range(5)) + (
    "Benali,Karim,1984-03-12\n"  # the 6th row
    "Idrissi,Youssef,1979-11-02\n"
)


def test_a_list_is_screened_in_chunks_and_candidates_are_raised(
    officer: User,
    event: Event,
    persons: tuple[Person, Person],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.SCREENING_CHUNK_ROWS = 3
    lst = _screened(officer, event, ROWS, django_capture_on_commit_callbacks)
    assert (lst.status, lst.rows_screened, lst.chunks_done) == (ListStatus.DONE, 7, 3)
    assert lst.watchlist_size == 2 and lst.task_id
    found = {(c.applicant.line, c.person_id) for c in Candidate.objects.filter(list=lst)}
    assert found == {(7, persons[0].pk), (8, persons[1].pk)}
    assert lst.candidates_found == 2


def test_confirming_records_a_hit_and_clearing_is_remembered_for_the_event(
    officer: User,
    event: Event,
    persons: tuple[Person, Person],
    django_capture_on_commit_callbacks: Any,
) -> None:
    lst = _screened(officer, event, ROWS, django_capture_on_commit_callbacks)
    karim = Candidate.objects.get(list=lst, person=persons[0])
    youssef = Candidate.objects.get(list=lst, person=persons[1])
    confirm_candidate(actor=officer, candidate=karim)
    hit = Hit.objects.get()
    assert (hit.person_id, hit.context, hit.encountered_name) == (
        persons[0].pk,
        "event_screening",
        "Karim Benali",
    )
    with pytest.raises(ListError, match="why"):
        clear_candidate(actor=officer, candidate=youssef, reason=" ")
    clear_candidate(actor=officer, candidate=youssef, reason="Another man: born in Oujda")
    karim.refresh_from_db()
    assert (karim.status, karim.hit_id) == (CandidateStatus.CONFIRMED, hit.pk)
    assert Decision.objects.filter(event=event).count() == 2
    with pytest.raises(ListError, match="already"):
        confirm_candidate(actor=officer, candidate=youssef)
    assert Hit.objects.count() == 1

    # An updated list: the same two people and a new one; only the new pair is raised.
    updated = ROWS + "Benaly,Karim,1984-03-12\n"
    second = _screened(officer, event, updated, django_capture_on_commit_callbacks, "Staff v2")
    raised = list(Candidate.objects.filter(list=second).values_list("applicant__line", flat=True))
    assert raised == [9] and second.candidates_known == 2
    # Screening the first list again raises nothing: both were decided.
    with django_capture_on_commit_callbacks(execute=True):
        screen_again(actor=officer, lst=lst)
    lst.refresh_from_db()
    assert (lst.run, lst.status, lst.candidates_found, lst.candidates_known) == (2, "done", 0, 2)
    assert Candidate.objects.filter(list=lst).count() == 2  # the decided ones stay


def test_an_analyst_reads_the_queue_but_may_not_decide(
    officer: User,
    analyst: User,
    event: Event,
    persons: tuple[Person, Person],
    django_capture_on_commit_callbacks: Any,
) -> None:
    lst = _screened(officer, event, ROWS, django_capture_on_commit_callbacks)
    candidate = Candidate.objects.filter(list=lst).first()
    assert candidate is not None
    with pytest.raises(PermissionDenied):
        confirm_candidate(actor=analyst, candidate=candidate)
    with pytest.raises(PermissionDenied):
        clear_candidate(actor=analyst, candidate=candidate, reason="no")
    with pytest.raises(PermissionDenied):
        screen_again(actor=analyst, lst=lst)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING and not Hit.objects.exists()


def test_a_cancelled_list_stops_and_only_a_running_one_can_be_cancelled(
    officer: User, event: Event, persons: tuple[Person, Person]
) -> None:
    lst = upload_list(
        actor=officer,
        event=event,
        name="S",
        purpose="Accreditation",
        file_name="s.csv",
        data=(HEADER + ROWS).encode(),
    )
    map_columns(actor=officer, lst=lst, mapping=MAPPING)  # queued: the commit never comes
    cancel_screening(actor=officer, lst=lst)
    lst.refresh_from_db()
    assert lst.status == ListStatus.CANCELLED
    from liaison.events.screening import run_screening

    run_screening(lst.pk, lst.run)  # a worker that takes it now does nothing
    lst.refresh_from_db()
    assert (lst.rows_screened, lst.status) == (0, ListStatus.CANCELLED)
    with pytest.raises(ListError):
        cancel_screening(actor=officer, lst=lst)


def test_the_review_queue_page_shows_evidence_side_by_side_and_decides(
    officer: User,
    event: Event,
    persons: tuple[Person, Person],
    django_capture_on_commit_callbacks: Any,
    login: Callable[[User], Client],
) -> None:
    lst = _screened(officer, event, ROWS, django_capture_on_commit_callbacks)
    client = login(officer)
    base = f"/events/{event.uid}/lists/{lst.uid}/"
    page = client.get(f"{base}candidates/")
    text = page.content.decode()
    assert page.status_code == 200 and "كريم بنعلي" in text and "1984-03-12" in text
    assert [c.score for c, _ in page.context["rows"]] == sorted(
        (c.score for c, _ in page.context["rows"]), reverse=True
    )
    assert all(words for _, words in page.context["rows"])
    candidate = Candidate.objects.get(list=lst, person=persons[1])
    response = client.post(f"{base}candidates/{candidate.pk}/clear/", {"reason": "Not him"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.reason) == ("cleared", "Not him")
    progress = client.get(base, headers={"HX-Request": "true"})
    assert b'id="progress"' in progress.content and b"<html" not in progress.content


def _many(n: int) -> str:
    return "".join(f"Benali,Karim,1984-03-{12 if i == 0 else 10 + i:02d}\n" for i in range(n))


@pytest.mark.parametrize("rows", [1, 4])
def test_the_review_queue_and_list_pages_cost_a_fixed_number_of_queries(
    officer: User,
    event: Event,
    persons: tuple[Person, Person],
    django_capture_on_commit_callbacks: Any,
    django_assert_num_queries: Any,
    login: Callable[[User], Client],
    rows: int,
) -> None:
    lst = _screened(officer, event, _many(rows), django_capture_on_commit_callbacks)
    assert Candidate.objects.filter(list=lst).count() == rows
    client = login(officer)
    base = f"/events/{event.uid}/lists/{lst.uid}/"
    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(client.get(f"{base}candidates/").context["rows"]) == rows
    with django_assert_num_queries(LIST_QUERIES):
        client.get(base)
    with django_assert_num_queries(PROGRESS_QUERIES):
        client.get(base, headers={"HX-Request": "true"})


def test_the_screening_command_shows_the_progress(
    officer: User,
    event: Event,
    persons: tuple[Person, Person],
    django_capture_on_commit_callbacks: Any,
) -> None:
    lst = _screened(officer, event, ROWS, django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("screening", str(lst.uid), "--follow", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == (
        "Staff: Screened, 7/7 rows screened in 1 chunks, 2 candidates (0 already decided), "
        "0 bad rows\n"
    )
    with pytest.raises(CommandError, match="no accreditation list"):
        call_command("screening", "not-a-uid")


def test_a_confirmed_candidate_on_a_partners_person_goes_to_that_partner_as_a_hit(
    officer: User, event: Event, partner_wanted: Person, django_capture_on_commit_callbacks: Any
) -> None:
    person = partner_wanted
    lst = _screened(officer, event, "Dupont,Jean,1980-01-02\n", django_capture_on_commit_callbacks)
    candidate = Candidate.objects.get(list=lst)
    assert candidate.person_id == person.pk  # received persons are on the watchlist too
    with django_capture_on_commit_callbacks(execute=True):
        confirm_candidate(actor=officer, candidate=candidate)
    sent = OutboxEnvelope.objects.get(message_type="hit.notify")
    assert (sent.peer.node_id, sent.payload["object"]["person"]) == ("fr", str(person.uid))
    assert sent.payload["object"]["context"] == "event_screening"


def test_the_demo_seeds_a_list_on_the_first_event_screened_by_the_worker(
    officer: User, persons: tuple[Person, Person], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert seed_events(actor=officer, node_id="ma") == 2
    lst = AccreditationList.objects.get()
    assert lst.event.name == "Coupe d'Afrique des Nations 2025"
    assert (lst.status, lst.rows_total) == (ListStatus.DONE, len(VOLUNTEERS) + 2)
    assert [b["line"] for b in lst.bad_rows] == [len(VOLUNTEERS) + 4]
    assert {c.person_id for c in Candidate.objects.filter(list=lst)} == {p.pk for p in persons}

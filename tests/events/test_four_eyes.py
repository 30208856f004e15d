"""Four-eyes confirmations: a first confirmation proposes, a second, different officer
confirms (the hit is recorded and the partner told as without four-eyes) or rejects the
proposal (back to the queue, with the reason); the proposer can never be the second."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.desk.models import DeskRead
from liaison.events.accreditation import ListError, map_columns, upload_list
from liaison.events.models import AccreditationList, Candidate, CandidateStatus, Decision, Event
from liaison.events.review import (
    clear_candidate,
    confirm_candidate,
    four_eyes,
    propose_confirmation,
    reject_proposal,
    set_four_eyes,
)
from liaison.events.tables import Mapping
from liaison.exchange.models import OutboxEnvelope
from liaison.registry.models import Hit, Person
from tests.conftest import AUDIT_ENTRY_QUERIES

pytestmark = pytest.mark.django_db

QUEUE_QUERIES = 19 + AUDIT_ENTRY_QUERIES  # as tests/events/test_screening.py: bans prefetched


def _screened(user: User, event: Event, rows: str, capture: Any) -> AccreditationList:
    lst = upload_list(
        actor=user,
        event=event,
        name="Staff",
        purpose="Accreditation",
        file_name="staff.csv",
        data=("Nom,Prénom,Date de naissance\n" + rows).encode(),
    )
    with capture(execute=True):
        map_columns(actor=user, lst=lst, mapping=Mapping(names=[1, 0], date_of_birth=2))
    lst.refresh_from_db()
    return lst


@pytest.fixture
def second(make_user: Callable[..., User]) -> User:
    return make_user("officer-2", "officer")


@pytest.fixture
def candidate(
    officer: User,
    event: Event,
    watched: Callable[..., Person],
    django_capture_on_commit_callbacks: Any,
) -> Candidate:
    watched("Karim Benali", dob="1984-03-12")
    set_four_eyes(actor=officer, event=event, four_eyes=True)
    lst = _screened(officer, event, "Benali,Karim,1984-03-12\n", django_capture_on_commit_callbacks)
    return Candidate.objects.get(list=lst)


def _state(candidate: Candidate) -> tuple[Any, ...]:
    c = Candidate.objects.get(pk=candidate.pk)
    fields = (c.status, c.proposed_by_id, c.hit_id, c.rejected_by_id, c.rejection, c.decided_by_id)
    return (*fields, Hit.objects.count(), Decision.objects.count())


def _alters(candidate: Candidate) -> list[Any]:
    entries = AuditEntry.objects.filter(action="alter", object_id=str(candidate.pk)).order_by("seq")
    return [e.changes["status"] for e in entries]


def test_a_first_confirmation_proposes_and_a_second_officer_confirms(
    officer: User, second: User, candidate: Candidate
) -> None:
    proposed = confirm_candidate(actor=officer, candidate=candidate)
    assert (proposed.status, proposed.proposed_by_id) == (CandidateStatus.PROPOSED, officer.pk)
    assert Hit.objects.count() == 0 and Decision.objects.count() == 0

    confirmed = confirm_candidate(actor=second, candidate=candidate)
    hit = Hit.objects.get()
    assert (confirmed.status, confirmed.hit_id, confirmed.decided_by_id) == (
        CandidateStatus.CONFIRMED,
        hit.pk,
        second.pk,
    )
    assert Candidate.objects.get(pk=candidate.pk).proposed_by_id == officer.pk
    assert Decision.objects.get().outcome == CandidateStatus.CONFIRMED
    assert _alters(candidate) == [["pending", "proposed"], ["proposed", "confirmed"]]
    last = AuditEntry.objects.filter(action="alter", object_id=str(candidate.pk)).last()
    assert last is not None and last.detail["proposed_by"] == "officer"
    assert last.actor_username == "officer-2"


@pytest.mark.parametrize("step", ["confirm", "reject"])
def test_the_proposer_may_never_be_the_second_officer(
    officer: User, candidate: Candidate, step: str
) -> None:
    confirm_candidate(actor=officer, candidate=candidate)
    before, denied = _state(candidate), AuditEntry.objects.filter(action="permission_denied")
    with pytest.raises(PermissionDenied, match="second officer"):
        if step == "confirm":
            confirm_candidate(actor=officer, candidate=candidate)
        else:
            reject_proposal(actor=officer, candidate=candidate, reason="Changed my mind")
    assert _state(candidate) == before
    assert before[:3] == (CandidateStatus.PROPOSED, officer.pk, None)
    entry = denied.get()
    assert (entry.actor_username, entry.object_id) == ("officer", str(candidate.pk))
    assert entry.detail["attempted"] == "second_confirmation"


def test_a_second_officer_rejects_the_proposal_with_a_reason_back_to_the_queue(
    officer: User, second: User, candidate: Candidate
) -> None:
    confirm_candidate(actor=officer, candidate=candidate)
    before = _state(candidate)
    with pytest.raises(ListError, match="why"):
        reject_proposal(actor=second, candidate=candidate, reason="  ")
    assert _state(candidate) == before
    rejected = reject_proposal(actor=second, candidate=candidate, reason="Born in Fès, not him")
    assert _state(rejected) == (
        CandidateStatus.PENDING,
        None,
        None,
        second.pk,
        "Born in Fès, not him",
        None,
        0,
        0,
    )
    assert _alters(candidate) == [["pending", "proposed"], ["proposed", "pending"]]
    # Back in the queue: proposed again (by the second officer this time), then confirmed
    # by the first, who is now the other officer.
    confirm_candidate(actor=second, candidate=candidate)
    confirm_candidate(actor=officer, candidate=candidate)
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.CONFIRMED


def test_a_proposal_is_neither_cleared_nor_proposed_again(
    officer: User, second: User, candidate: Candidate
) -> None:
    confirm_candidate(actor=officer, candidate=candidate)
    before = _state(candidate)
    with pytest.raises(ListError, match="second confirmation"):
        clear_candidate(actor=second, candidate=candidate, reason="Not him")
    with pytest.raises(ListError, match="second confirmation"):
        propose_confirmation(actor=second, candidate=candidate)
    assert _state(candidate) == before


def test_rejecting_needs_a_proposal(second: User, candidate: Candidate) -> None:
    before = _state(candidate)
    with pytest.raises(ListError, match="already been decided"):
        reject_proposal(actor=second, candidate=candidate, reason="Not him")
    assert _state(candidate) == before


def test_an_analyst_may_not_propose_confirm_or_reject(
    officer: User, analyst: User, candidate: Candidate
) -> None:
    with pytest.raises(PermissionDenied):
        confirm_candidate(actor=analyst, candidate=candidate)
    confirm_candidate(actor=officer, candidate=candidate)
    before = _state(candidate)
    with pytest.raises(PermissionDenied):
        confirm_candidate(actor=analyst, candidate=candidate)
    with pytest.raises(PermissionDenied):
        reject_proposal(actor=analyst, candidate=candidate, reason="Not him")
    assert _state(candidate) == before
    assert AuditEntry.objects.filter(action="permission_denied", actor_username="analyst").count()


def test_without_four_eyes_one_officer_confirms_but_may_still_ask_a_second(
    officer: User, second: User, supervisor: User, candidate: Candidate
) -> None:
    set_four_eyes(actor=supervisor, event=candidate.list.event, four_eyes=False)
    proposed = propose_confirmation(actor=officer, candidate=candidate)
    assert proposed.status == CandidateStatus.PROPOSED
    with pytest.raises(PermissionDenied):
        confirm_candidate(actor=officer, candidate=candidate)  # a proposal needs a second
    confirm_candidate(actor=second, candidate=candidate)
    assert Hit.objects.count() == 1


def test_the_node_setting_applies_unless_the_event_sets_its_own(
    officer: User, supervisor: User, event: Event, settings: Any
) -> None:
    settings.EVENT_FOUR_EYES = True
    assert event.four_eyes is None and four_eyes(event)
    event = set_four_eyes(actor=supervisor, event=event, four_eyes=False)
    assert not four_eyes(event)
    settings.EVENT_FOUR_EYES = False
    event = set_four_eyes(actor=officer, event=event, four_eyes=True)
    assert four_eyes(event)
    event = set_four_eyes(actor=supervisor, event=event, four_eyes=None)
    assert not four_eyes(Event.objects.get(pk=event.pk))


@pytest.mark.parametrize(
    ("node", "on", "off"), [(False, True, False), (False, True, None), (True, None, False)]
)
def test_only_a_supervisor_switches_four_eyes_off(
    officer: User,
    supervisor: User,
    event: Event,
    login: Callable[[User], Client],
    settings: Any,
    node: bool,
    on: bool | None,
    off: bool | None,
) -> None:
    """Else the officer who wants to confirm alone switches it off first."""
    settings.EVENT_FOUR_EYES = node
    if on is not None:
        set_four_eyes(actor=officer, event=event, four_eyes=on)
    with pytest.raises(PermissionDenied):
        set_four_eyes(actor=officer, event=event, four_eyes=off)
    choice = {None: "node", True: "on", False: "off"}[off]
    client = login(officer)
    page = client.post(f"/events/{event.uid}/four-eyes/", {"four_eyes": choice}, follow=True)
    assert "Only a supervisor may switch four-eyes" in page.content.decode()
    saved = Event.objects.get(pk=event.pk)
    assert saved.four_eyes is on and four_eyes(saved)
    denied = AuditEntry.objects.filter(action="permission_denied", object_id=str(event.uid))
    assert denied.count() == 2
    assert "supervisor" in denied.first().detail["reason"]
    set_four_eyes(actor=supervisor, event=event, four_eyes=off)
    saved = Event.objects.get(pk=event.pk)
    assert saved.four_eyes is off and not four_eyes(saved)
    entry = AuditEntry.objects.filter(action="alter", object_id=str(event.uid)).latest("seq")
    assert entry.changes == {"four_eyes": [on, off]} and entry.actor_user_id == supervisor.pk


def test_only_who_may_change_the_event_sets_its_rule(
    officer: User, analyst: User, event: Event, login: Callable[[User], Client]
) -> None:
    version = event.version
    with pytest.raises(PermissionDenied):
        set_four_eyes(actor=analyst, event=event, four_eyes=True)
    url = f"/events/{event.uid}/four-eyes/"
    assert login(analyst).post(url, {"four_eyes": "on"}).status_code == 403
    assert Event.objects.get(pk=event.pk).four_eyes is None
    assert AuditEntry.objects.filter(action="permission_denied", object_type="event").count() == 2

    client = login(officer)
    assert client.post(url, {"four_eyes": "on"}).status_code == 302
    saved = Event.objects.get(pk=event.pk)
    assert saved.four_eyes is True and saved.version == version  # not shared, not a version
    entry = AuditEntry.objects.filter(action="alter", object_id=str(event.uid)).get()
    assert entry.changes == {"four_eyes": [None, True]}
    assert client.post(url, {"four_eyes": "maybe"}).status_code == 302
    assert Event.objects.get(pk=event.pk).four_eyes is True
    page = client.get(f"/events/{event.uid}/").content.decode()
    assert "need a second officer (four-eyes)" in page


def test_a_partners_event_follows_the_node_setting_and_cannot_be_set_here(
    officer: User, event: Event, settings: Any
) -> None:
    Event.objects.filter(pk=event.pk).update(owner_node="fr", received_at=timezone.now())
    copy = Event.objects.get(pk=event.pk)
    with pytest.raises(PermissionDenied):
        set_four_eyes(actor=officer, event=copy, four_eyes=True)
    settings.EVENT_FOUR_EYES = True
    assert four_eyes(Event.objects.get(pk=event.pk))


def test_the_queue_pages_propose_show_the_proposer_and_let_a_second_officer_decide(
    officer: User,
    second: User,
    candidate: Candidate,
    login: Callable[[User], Client],
    django_assert_num_queries: Any,
) -> None:
    lst = candidate.list
    base = f"/events/{lst.event.uid}/lists/{lst.uid}/candidates/"
    first = login(officer)
    assert "Propose confirmation" in first.get(base).content.decode()
    response = first.post(f"{base}{candidate.pk}/confirm/", follow=True)
    assert "Proposed: a second officer must confirm it." in response.content.decode()
    own = first.get(f"{base}?status=proposed").content.decode()
    assert "Awaiting second confirmation" in own and "proposed by officer" in own
    assert "A second officer must confirm or reject your proposal." in own
    assert f"{candidate.pk}/reject/" not in own
    # The proposer's confirmation through the page is refused, nothing changes.
    before = _state(candidate)
    response = first.post(f"{base}{candidate.pk}/confirm/", follow=True)
    assert "a second officer must decide" in response.content.decode()
    assert _state(candidate) == before

    other = login(second)
    with django_assert_num_queries(QUEUE_QUERIES):
        page = other.get(f"{base}?status=proposed")
    text = page.content.decode()
    assert "proposed by officer" in text and f"{candidate.pk}/reject/" in text
    assert other.post(f"{base}{candidate.pk}/reject/", {"reason": ""}).status_code == 302
    assert _state(candidate) == before
    other.post(f"{base}{candidate.pk}/reject/", {"reason": "Another man"})
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.PENDING
    text = other.get(base).content.decode()
    assert "Proposal rejected by officer-2" in text and "Another man" in text


def test_a_partners_person_is_told_of_the_hit_only_once_confirmed_by_the_second(
    officer: User,
    second: User,
    event: Event,
    partner_wanted: Person,
    django_capture_on_commit_callbacks: Any,
) -> None:
    set_four_eyes(actor=officer, event=event, four_eyes=True)
    lst = _screened(officer, event, "Dupont,Jean,1980-01-02\n", django_capture_on_commit_callbacks)
    candidate = Candidate.objects.get(list=lst)
    sent = OutboxEnvelope.objects.filter(message_type="hit.notify")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_candidate(actor=officer, candidate=candidate)
    assert not sent.exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirm_candidate(actor=second, candidate=candidate)
    envelope = sent.get()
    assert (envelope.peer.node_id, envelope.payload["object"]["person"]) == (
        "fr",
        str(partner_wanted.uid),
    )


def test_a_proposal_waits_on_the_desk_of_the_other_officers_until_decided(
    officer: User,
    second: User,
    candidate: Candidate,
    make_user: Callable[..., User],
    login: Callable[[User], Client],
) -> None:
    lst = candidate.list
    queue = f"/events/{lst.event.uid}/lists/{lst.uid}/candidates/?status=proposed"
    waiting = "1 confirmation proposed by another officer"
    proposer, other = login(officer), login(second)
    analyst = login(make_user("analyst-1", "analyst"))
    assert waiting not in other.get("/").content.decode()  # nothing proposed yet
    confirm_candidate(actor=officer, candidate=candidate)

    desk = other.get("/").content.decode()
    assert "Confirmations awaiting a second officer" in desk and waiting in desk
    assert escape(f"{lst.event.name} · {lst.name}") in desk
    opened = reverse("desk:open", args=("event-proposals", lst.uid))
    assert opened in desk
    assert other.get(opened)["Location"] == queue
    assert DeskRead.objects.get(user=second, key=lst.uid).version == 1  # one waits
    # Not for the proposer, who may not decide, nor for a role that reviews no candidate.
    assert waiting not in proposer.get("/").content.decode()
    assert "awaiting a second officer" not in analyst.get("/").content.decode()

    confirm_candidate(actor=second, candidate=candidate)
    assert waiting not in other.get("/").content.decode()

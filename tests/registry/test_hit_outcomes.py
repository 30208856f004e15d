"""What became of the person after a confirmed hit: recorded by the hit's recorder (this
node, on fr's person), one step at a time with its date, sent to the person's owner with
the hit, audited; refused otherwise with nothing changed. Pages and API too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.registry import actions
from liaison.registry.actions import RegistryError
from liaison.registry.models import Hit, Person
from liaison.registry.sharing import records
from liaison.registry.sharing.share import share_person
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
JSON = "application/json"


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency="Police nationale"
    )


@pytest.fixture
def hit(officer: User, partner_person: Person) -> Hit:
    """Our hit on fr's person, met ten days ago; not confirmed yet."""
    data = actions.HitData(
        encountered_name="Jean Dupont",
        encountered_on=timezone.now() - timedelta(days=10),
        place="Casablanca airport",
        context="border_check",
    )
    return actions.record_hit(actor=officer, person=partner_person, data=data)


def confirm_by_owner(hit: Hit) -> None:
    """fr, the person's owner, confirms our hit: its decision is applied here."""
    body = records.HitDecisionBody(
        uid=uuid.uuid4(),
        owner="fr",
        version=1,
        handling_code="H0",
        hit=hit.uid,
        decision="confirmed",
        message="C'est lui : interpellez-le.",
        decided_by_name="fr-lo",
        decided_on=timezone.now(),
    )
    records.apply_hit_decision("fr", body)


def _sent_hits() -> list[dict[str, Any]]:
    rows = OutboxEnvelope.objects.filter(message_type="hit.notify").order_by("seq")
    return [row.payload["object"] for row in rows]


def _state(hit: Hit) -> tuple[int, str, date | None, date | None]:
    row = Hit.objects.get(pk=hit.pk)
    return row.version, row.outcome, row.outcome_on, row.arrested_on


def test_the_recorder_follows_a_confirmed_hit_to_the_extradition_and_the_owner_is_told(
    officer: User, hit: Hit
) -> None:
    confirm_by_owner(hit)
    day = TODAY() - timedelta(days=8)
    actions.record_hit_outcome(actor=officer, hit=hit, outcome="arrested", on=day)
    actions.record_hit_outcome(
        actor=officer, hit=hit, outcome="extradition_requested", on=day + timedelta(days=2)
    )
    actions.record_hit_outcome(actor=officer, hit=hit, outcome="extradited", on=TODAY())

    # The arrest's date stays whatever followed; the latest outcome and its date are kept.
    assert _state(hit) == (4, "extradited", TODAY(), day)
    sent = _sent_hits()
    assert [(h["version"], h["outcome"]) for h in sent] == [
        (1, ""),
        (2, "arrested"),
        (3, "extradition_requested"),
        (4, "extradited"),
    ]
    assert sent[-1]["arrested_on"] == day.isoformat()
    assert sent[-1]["outcome_on"] == TODAY().isoformat()
    steps = AuditEntry.objects.filter(action="alter", object_type="hit", object_id=str(hit.uid))
    assert [e.changes["outcome"] for e in steps.order_by("seq")] == [
        ["", "arrested"],
        ["arrested", "extradition_requested"],
        ["extradition_requested", "extradited"],
    ]


def test_an_outcome_on_a_hit_not_confirmed_is_refused_and_nothing_changes(
    officer: User, hit: Hit
) -> None:
    with pytest.raises(RegistryError, match="confirmed hit only"):
        actions.record_hit_outcome(actor=officer, hit=hit, outcome="arrested", on=TODAY())
    assert _state(hit) == (1, "", None, None)
    assert len(_sent_hits()) == 1
    # Its recorder's own confirmation is enough.
    actions.dispose_hit(actor=officer, hit=hit, disposition="confirmed", reason="Empreintes.")
    actions.record_hit_outcome(actor=officer, hit=hit, outcome="located", on=TODAY())
    assert _state(hit) == (3, "located", TODAY(), None)


@pytest.mark.parametrize(
    ("outcome", "days_ago", "problem"),
    [
        ("arrested", -1, "in the future"),
        ("arrested", 11, "before the hit"),
        ("extradited", 1, "first outcome is located or arrested"),
        ("released", 1, "first outcome is located or arrested"),
        ("jailed", 1, "Unknown outcome"),
    ],
)
def test_bad_outcomes_and_dates_are_refused_and_nothing_changes(
    officer: User, hit: Hit, outcome: str, days_ago: int, problem: str
) -> None:
    confirm_by_owner(hit)
    on = TODAY() - timedelta(days=days_ago)
    with pytest.raises(RegistryError, match=problem):
        actions.record_hit_outcome(actor=officer, hit=hit, outcome=outcome, on=on)
    assert _state(hit) == (1, "", None, None)
    assert len(_sent_hits()) == 1
    assert not AuditEntry.objects.filter(action="alter", object_type="hit").exists()


def test_a_closed_follow_up_and_an_outcome_before_the_last_are_refused(
    officer: User, hit: Hit
) -> None:
    confirm_by_owner(hit)
    actions.record_hit_outcome(actor=officer, hit=hit, outcome="arrested", on=TODAY())
    with pytest.raises(RegistryError, match="before the last outcome"):
        actions.record_hit_outcome(
            actor=officer, hit=hit, outcome="released", on=TODAY() - timedelta(days=1)
        )
    with pytest.raises(RegistryError, match="cannot move to"):
        actions.record_hit_outcome(actor=officer, hit=hit, outcome="located", on=TODAY())
    actions.record_hit_outcome(actor=officer, hit=hit, outcome="surrendered", on=TODAY())
    with pytest.raises(RegistryError, match="closed"):
        actions.record_hit_outcome(actor=officer, hit=hit, outcome="released", on=TODAY())
    assert _state(hit) == (3, "surrendered", TODAY(), TODAY())


def test_a_released_person_arrested_again_keeps_the_first_arrest(officer: User, hit: Hit) -> None:
    confirm_by_owner(hit)
    first = TODAY() - timedelta(days=5)
    actions.record_hit_outcome(actor=officer, hit=hit, outcome="arrested", on=first)
    actions.record_hit_outcome(actor=officer, hit=hit, outcome="released", on=first)
    actions.record_hit_outcome(actor=officer, hit=hit, outcome="arrested", on=TODAY())
    assert _state(hit) == (4, "arrested", TODAY(), first)


def test_the_owner_of_the_person_cannot_record_an_outcome_on_a_partners_hit(
    make_user: Callable[..., User], fr: Peer
) -> None:
    """On our person, fr's hit (a read-only copy here): only fr records its outcome."""
    lo = make_user("lo", "liaison_officer")
    person = actions.create_person(actor=lo, data=person_data("Karim Tazi"))
    share_person(actor=lo, person=person, partner="fr")
    body = records.HitBody(
        uid=uuid.uuid4(),
        owner="fr",
        version=1,
        handling_code="H0",
        person=person.uid,
        alert=None,
        encountered_name="Karim Tazi",
        encountered_on=timezone.now(),
        place="Marseille",
        context="border_check",
        recorded_by_name="fr-officer",
        score=None,
        disposition="confirmed",
        action_taken="",
    )
    records.apply_hit("fr", body)
    theirs = Hit.objects.get(uid=body.uid)
    with pytest.raises((PermissionDenied, RegistryError)):
        actions.record_hit_outcome(actor=lo, hit=theirs, outcome="arrested", on=TODAY())
    assert _state(theirs) == (1, "", None, None)
    assert actions.outcome_refusal(theirs).startswith("Only the service that recorded")


def test_a_read_only_colleague_cannot_record_an_outcome(
    make_user: Callable[..., User], hit: Hit
) -> None:
    confirm_by_owner(hit)
    auditor = make_user("aud", "auditor")
    with pytest.raises(PermissionDenied):
        actions.record_hit_outcome(actor=auditor, hit=hit, outcome="arrested", on=TODAY())
    assert _state(hit) == (1, "", None, None)
    assert AuditEntry.objects.filter(action="permission_denied").exists()


# Pages


def test_the_person_page_offers_the_outcome_once_confirmed_and_shows_it(
    officer: User, hit: Hit, login: Callable[[User], Client]
) -> None:
    client = login(officer)
    assert "hit-outcome" not in _person_page(client, hit)
    assert client.get(f"/registry/hits/{hit.uid}/outcome/").status_code == 302  # refused
    confirm_by_owner(hit)
    assert "hit-outcome" in _person_page(client, hit)
    url = f"/registry/hits/{hit.uid}/outcome/"
    form = client.get(url).content.decode()
    assert 'value="arrested"' in form and 'value="extradited"' not in form
    tomorrow = (TODAY() + timedelta(days=1)).isoformat()
    response = client.post(url, {"outcome": "arrested", "on": tomorrow})
    assert response.status_code == 200 and "in the future" in response.content.decode()
    assert _state(hit) == (1, "", None, None)
    response = client.post(url, {"outcome": "arrested", "on": TODAY().isoformat()})
    assert response.status_code == 302
    assert _state(hit) == (2, "arrested", TODAY(), TODAY())
    shown = _person_page(client, hit)
    assert "hit-outcome-recorded" in shown and TODAY().isoformat() in shown


def test_our_hit_on_a_partners_person_offers_its_follow_up_to_whom_may_change_it(
    officer: User, hit: Hit, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    # The person is fr's (not ours to change); the hit is ours.
    page = _person_page(login(officer), hit)
    assert f'href="/registry/hits/{hit.uid}/update/"' in page
    assert f'action="/registry/hits/{hit.uid}/disposition/"' in page
    analyst = make_user("ana", "analyst")  # sees the person, changes nothing
    page = _person_page(login(analyst), hit)
    assert "hit-update" not in page and "/disposition/" not in page


def _person_page(client: Client, hit: Hit) -> str:
    """The person page, opened for a stated purpose."""
    page = f"/registry/persons/{hit.person.uid}/"
    purpose = {"purpose": "Suivi du signalement", "reference": "CASE-7", "next": page}
    response = client.post("/registry/purpose/", purpose, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_the_api_records_an_outcome_and_lists_it(officer: User, hit: Hit) -> None:
    _row, raw = create_api_token(user=officer, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    url = f"/api/v1/hits/{hit.uid}/outcome"
    response = client.post(url, {"outcome": "arrested", "on": str(TODAY())}, content_type=JSON)
    assert response.status_code == 400, response.content  # not confirmed
    assert _state(hit) == (1, "", None, None)
    confirm_by_owner(hit)
    bad = client.post(url, {"outcome": "arrested", "on": "soon"}, content_type=JSON)
    assert bad.status_code == 400 and _state(hit) == (1, "", None, None)
    response = client.post(url, {"outcome": "arrested", "on": str(TODAY())}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert (response.json()["outcome"], response.json()["arrested_on"]) == (
        "arrested",
        str(TODAY()),
    )
    [listed] = client.get("/api/v1/hits").json()
    assert (listed["outcome"], listed["outcome_on"]) == ("arrested", str(TODAY()))


def test_the_api_refuses_an_outcome_to_a_read_only_user_and_to_the_anonymous(
    make_user: Callable[..., User], hit: Hit
) -> None:
    confirm_by_owner(hit)
    _row, raw = create_api_token(user=make_user("aud", "auditor"), name="t")
    body = {"outcome": "arrested", "on": str(TODAY())}
    url = f"/api/v1/hits/{hit.uid}/outcome"
    auditor = Client(headers={"Authorization": f"Bearer {raw}"})
    assert auditor.post(url, body, content_type=JSON).status_code in (403, 404)
    assert Client().post(url, body, content_type=JSON).status_code == 401
    assert _state(hit) == (1, "", None, None)

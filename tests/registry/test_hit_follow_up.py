"""Hit follow-up between services (SIRENE "form G"), reasons for final steps, and what
partners' copies become: the actions, the envelopes they queue, and the receiving side."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.protocol import ProtocolError
from liaison.registry import actions
from liaison.registry.actions import RegistryError
from liaison.registry.models import Alert, Hit, HitDecision, Person, Warrant
from liaison.registry.sharing import records
from liaison.registry.sharing.share import holders, share_person
from tests.registry.conftest import person_data, warrant_data

pytestmark = pytest.mark.django_db

MESSAGE = "Identity confirmed by fingerprints: arrest him, extradition is sought."
REASON = "Arrested at Tanger Med on 30 November."
FR_SERVICE = "Police nationale (FR)"


@pytest.fixture
def lo(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(
        node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64, agency=FR_SERVICE
    )


@pytest.fixture
def shared(lo: User, fr: Peer) -> dict[str, Any]:
    """Our wanted person with a warrant and a locate alert, shared with fr."""
    person = actions.create_person(actor=lo, data=person_data("Karim Tazi", "كريم التازي"))
    warrant = actions.create_warrant(actor=lo, person=person, data=warrant_data())
    alert = actions.create_alert(
        actor=lo,
        person=person,
        data=actions.AlertData(alert_type="locate", action_on_hit="Inform Rabat at once."),
    )
    share_person(actor=lo, person=person, partner="fr")
    return {"person": person, "warrant": warrant, "alert": alert}


def _partner_hit(person: Person, alert: Alert | None, **extra: Any) -> Hit:
    """fr's hit on our person arrives as fr's envelope would bring it."""
    body = records.HitBody(
        uid=extra.pop("uid", uuid.uuid4()),
        owner="fr",
        version=extra.pop("version", 1),
        handling_code="H0",
        person=person.uid,
        alert=alert.uid if alert else None,
        encountered_name="Karim Tazi",
        encountered_on=timezone.now(),
        place="Marseille, port",
        context="border_check",
        recorded_by_name="fr-officer",
        score=0.97,
        disposition="pending",
        action_taken=extra.pop("action_taken", "Held for checks."),
    )
    records.apply_hit("fr", body)
    return Hit.objects.get(uid=body.uid)


def _sent(message_type: str) -> list[dict[str, Any]]:
    rows = OutboxEnvelope.objects.filter(message_type=message_type).order_by("seq")
    return [row.payload["object"] for row in rows]


def test_the_owner_confirms_a_partner_hit_the_decision_goes_back_and_the_alert_is_located(
    lo: User, shared: dict[str, Any]
) -> None:
    hit = _partner_hit(shared["person"], shared["alert"])
    before = OutboxEnvelope.objects.count()
    decision = actions.decide_hit(actor=lo, hit=hit, decision="confirmed", message=MESSAGE)

    stored = HitDecision.objects.get(hit=hit)
    assert stored.pk == decision.pk and stored.owner_node == "ma" and stored.received_at is None
    assert (stored.decision, stored.message, stored.decided_by_name) == ("confirmed", MESSAGE, "lo")
    assert stored.decided_by_agency == lo.agency.name
    [sent] = _sent("hitdecision.upsert")
    assert sent["hit"] == str(hit.uid) and sent["decision"] == "confirmed"
    assert sent["message"] == MESSAGE and sent["owner"] == "ma"
    # The alert is located here and the partner holding it gets the new status.
    alert = Alert.objects.get(pk=shared["alert"].pk)
    assert alert.status == "located" and alert.version == 2 and "Marseille" in alert.status_reason
    located = [a for a in _sent("alert.upsert") if a["uid"] == str(alert.uid)]
    assert [a["status"] for a in located] == ["active", "located"]
    assert OutboxEnvelope.objects.count() == before + 2
    # Audited: the decision, its disclosure to fr, and the alert's move.
    assert AuditEntry.objects.filter(
        action="collect", object_type="hitdecision", object_id=str(stored.uid)
    ).exists()
    assert AuditEntry.objects.filter(
        action="disclose", peer_node="fr", object_type="hitdecision"
    ).exists()
    moved = AuditEntry.objects.get(action="alter", object_type="alert")
    assert moved.changes == {"status": ["active", "located"]}


def test_needs_more_information_leaves_the_alert_active(lo: User, shared: dict[str, Any]) -> None:
    hit = _partner_hit(shared["person"], shared["alert"])
    actions.decide_hit(
        actor=lo, hit=hit, decision="more_information", message="Send the passport scan."
    )
    assert Alert.objects.get(pk=shared["alert"].pk).status == "active"
    assert [d["decision"] for d in _sent("hitdecision.upsert")] == ["more_information"]


@pytest.mark.parametrize("role", ["officer", "supervisor", "analyst", "auditor"])
def test_only_a_liaison_officer_decides_and_a_refusal_changes_nothing(
    make_user: Callable[..., User], shared: dict[str, Any], role: str
) -> None:
    hit = _partner_hit(shared["person"], shared["alert"])
    user = make_user(f"{role}-user", role)
    before = OutboxEnvelope.objects.count()
    with pytest.raises(PermissionDenied):
        actions.decide_hit(actor=user, hit=hit, decision="confirmed", message=MESSAGE)
    assert not HitDecision.objects.exists()
    assert OutboxEnvelope.objects.count() == before
    assert Alert.objects.get(pk=shared["alert"].pk).status == "active"
    assert AuditEntry.objects.filter(
        action="permission_denied", actor_username=user.username
    ).exists()


@pytest.mark.parametrize(
    ("decision", "message", "error"),
    [
        ("confirmed", "   ", "Write a message"),
        ("maybe", MESSAGE, "Unknown decision"),
        ("confirmed", "bad\x00byte", r"U\+0000"),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(
    lo: User, shared: dict[str, Any], decision: str, message: str, error: str
) -> None:
    hit = _partner_hit(shared["person"], shared["alert"])
    before = OutboxEnvelope.objects.count()
    with pytest.raises(RegistryError, match=error):
        actions.decide_hit(actor=lo, hit=hit, decision=decision, message=message)
    assert not HitDecision.objects.exists() and OutboxEnvelope.objects.count() == before
    assert Alert.objects.get(pk=shared["alert"].pk).status == "active"


def test_our_own_hits_get_a_disposition_not_a_decision(lo: User, shared: dict[str, Any]) -> None:
    data = actions.HitData(
        encountered_name="Karim Tazi",
        encountered_on=timezone.now(),
        place="Tanger",
        context="border_check",
    )
    own = actions.record_hit(actor=lo, person=shared["person"], data=data)
    with pytest.raises(RegistryError, match="Only a hit recorded by a partner"):
        actions.decide_hit(actor=lo, hit=own, decision="confirmed", message=MESSAGE)
    assert not HitDecision.objects.exists()


# The recorder's side (this node recorded a hit on a partner's person)


def test_the_recorder_adds_details_and_disposes_and_each_change_goes_to_the_owner(
    make_user: Callable[..., User], partner_person: Person
) -> None:
    officer = make_user("officer", "officer")
    data = actions.HitData(
        encountered_name="Jean Dupont",
        encountered_on=timezone.now(),
        place="Casablanca airport",
        context="border_check",
    )
    hit = actions.record_hit(actor=officer, person=partner_person, data=data)
    actions.update_hit(actor=officer, hit=hit, action_taken="Passport FR 12AB34567 copied.")
    with pytest.raises(RegistryError, match="reason"):
        actions.dispose_hit(actor=officer, hit=hit, disposition="confirmed")
    assert Hit.objects.get(pk=hit.pk).disposition == "pending"
    actions.dispose_hit(actor=officer, hit=hit, disposition="confirmed", reason="Owner confirmed.")
    stored = Hit.objects.get(pk=hit.pk)
    assert (stored.version, stored.disposition, stored.status_reason) == (
        3,
        "confirmed",
        "Owner confirmed.",
    )
    sent = _sent("hit.notify")
    assert [(h["version"], h["disposition"]) for h in sent] == [
        (1, "pending"),
        (2, "pending"),
        (3, "confirmed"),
    ]
    assert sent[1]["action_taken"] == "Passport FR 12AB34567 copied."
    with pytest.raises(RegistryError, match="Say what was done"):
        actions.update_hit(actor=officer, hit=hit, action_taken="  ")
    assert Hit.objects.get(pk=hit.pk).version == 3


def test_the_owners_decision_is_applied_to_the_hit_we_sent(
    make_user: Callable[..., User], partner_person: Person, fr: Peer
) -> None:
    officer = make_user("officer", "officer")
    data = actions.HitData(
        encountered_name="Jean Dupont",
        encountered_on=timezone.now(),
        place="Casablanca airport",
        context="border_check",
    )
    hit = actions.record_hit(actor=officer, person=partner_person, data=data)
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
    applied = records.apply_hit_decision("fr", body)
    assert applied.effect == "created"
    copy = HitDecision.objects.get(uid=body.uid)
    assert (copy.hit_id, copy.owner_node, copy.decided_by_agency) == (hit.pk, "fr", FR_SERVICE)
    assert copy.received_at is not None and copy.message == "C'est lui : interpellez-le."
    assert records.apply_hit_decision("fr", body).effect == "unchanged"
    # Only the hit's addressee, about a hit it was sent, may send one.
    other = Peer.objects.create(node_id="es", url="http://127.0.0.1:9", fingerprint="1" * 64)
    with pytest.raises(ProtocolError):
        records.apply_hit_decision(other.node_id, body.model_copy(update={"owner": "es"}))
    Share.objects.filter(object_type="hit").delete()
    with pytest.raises(ProtocolError):
        records.apply_hit_decision("fr", body.model_copy(update={"uid": uuid.uuid4()}))
    # A hit gone here (its person's copy withdrawn, or lost before a resync): absent.
    gone = body.model_copy(update={"uid": uuid.uuid4(), "hit": uuid.uuid4()})
    assert records.apply_hit_decision("fr", gone).effect == "absent"
    assert HitDecision.objects.count() == 1


# Final steps need a reason; what partners' copies become


def test_executing_a_warrant_updates_the_partners_copy_and_withdrawing_withdraws_it(
    lo: User, shared: dict[str, Any]
) -> None:
    person = shared["person"]
    other = actions.create_warrant(
        actor=lo, person=person, data=warrant_data(reference="W-OTHER-2")
    )
    share_person(actor=lo, person=person, partner="fr")
    warrant = shared["warrant"]
    with pytest.raises(RegistryError, match="reason"):
        actions.set_warrant_status(actor=lo, warrant=warrant, status="executed", reason=" ")
    assert Warrant.objects.get(pk=warrant.pk).status == "active"
    actions.set_warrant_status(actor=lo, warrant=warrant, status="executed", reason=REASON)
    actions.set_warrant_status(actor=lo, warrant=other, status="withdrawn", reason="Annulled.")
    stored = Warrant.objects.get(pk=warrant.pk)
    assert (stored.status, stored.status_reason) == ("executed", REASON)
    last = OutboxEnvelope.objects.filter(object_uid=str(warrant.uid)).order_by("-seq").first()
    assert last is not None and last.message_type == "warrant.upsert"
    assert last.payload["object"]["status"] == "executed"
    assert Share.objects.filter(object_uid=warrant.uid).exists()
    gone = OutboxEnvelope.objects.filter(object_uid=str(other.uid)).order_by("-seq").first()
    assert gone is not None and gone.message_type == "warrant.withdraw"
    assert not Share.objects.filter(object_uid=other.uid).exists()
    entry = AuditEntry.objects.filter(action="alter", object_type="warrant").order_by("seq")[0]
    assert entry.detail["reason"] == REASON


@pytest.mark.parametrize("status", ["closed", "withdrawn"])
def test_closing_an_alert_needs_a_reason(lo: User, shared: dict[str, Any], status: str) -> None:
    alert = shared["alert"]
    with pytest.raises(RegistryError, match="reason"):
        actions.set_alert_status(actor=lo, alert=alert, status=status)
    assert Alert.objects.get(pk=alert.pk).version == 1
    actions.set_alert_status(actor=lo, alert=alert, status=status, reason="Person arrested.")
    assert Alert.objects.get(pk=alert.pk).status_reason == "Person arrested."


def test_a_reversible_step_needs_no_reason(lo: User, shared: dict[str, Any]) -> None:
    moved = actions.set_alert_status(actor=lo, alert=shared["alert"], status="located")
    assert moved.status == "located"


# Review extension


def test_a_supervisor_extends_a_warrant_and_a_past_date_is_named(
    supervisor: User, officer: User, shared: dict[str, Any]
) -> None:
    warrant = shared["warrant"]
    past = timezone.localdate() - timedelta(days=3)
    with pytest.raises(RegistryError, match=past.isoformat()):
        actions.extend_review(
            actor=supervisor,
            record=warrant,
            new_date=past,
            justification="The case is still open in Rabat court.",
        )
    later = timezone.localdate() + timedelta(days=2000)
    with pytest.raises(PermissionDenied):
        actions.extend_review(
            actor=officer,
            record=warrant,
            new_date=later,
            justification="The case is still open in Rabat court.",
        )
    assert Warrant.objects.get(pk=warrant.pk).version == 1
    actions.extend_review(
        actor=supervisor,
        record=warrant,
        new_date=later,
        justification="The case is still open in Rabat court.",
    )
    assert Warrant.objects.get(pk=warrant.pk).review_date == later


def test_the_services_holding_a_copy_are_named_or_given_by_node(
    shared: dict[str, Any], fr: Peer
) -> None:
    person = shared["person"]
    es = Peer.objects.create(node_id="es", url="http://127.0.0.1:9", fingerprint="1" * 64)
    Share.objects.create(peer=es, object_type="person", object_uid=person.uid)
    assert holders("person", person.uid) == [FR_SERVICE, "es"]
    assert holders("person", uuid.uuid4()) == []


def _hit_data(**extra: Any) -> actions.HitData:
    return actions.HitData(
        encountered_name="Karim Tazi",
        encountered_on=timezone.now(),
        place="Tanger Med",
        context="border_check",
        **extra,
    )


def test_a_hit_on_a_partners_person_goes_to_its_owner_unless_h3_or_not_received(
    lo: User, supervisor: User, fr: Peer
) -> None:
    received = Person.objects.create(
        owner_node="fr", received_at=timezone.now(), category="wanted", handling_code="H0"
    )
    hit = actions.record_hit(actor=lo, person=received, data=_hit_data())
    sent = OutboxEnvelope.objects.filter(object_uid=str(hit.uid))
    assert [(e.peer.node_id, e.message_type) for e in sent] == [("fr", "hit.notify")]

    restricted = actions.record_hit(
        actor=supervisor, person=received, data=_hit_data(handling_code="H3")
    )
    assert Hit.objects.get(pk=restricted.pk).handling_code == "H3"
    assert not OutboxEnvelope.objects.filter(object_uid=str(restricted.uid)).exists()

    # A copy that did not come from its owner (no received_at) is not reported back.
    unreceived = Person.objects.create(owner_node="fr", category="wanted", handling_code="H0")
    other = actions.record_hit(actor=lo, person=unreceived, data=_hit_data())
    assert not OutboxEnvelope.objects.filter(object_uid=str(other.uid)).exists()
    assert OutboxEnvelope.objects.count() == 1

"""share_person: the policy, the outbox rows in the same transaction, the audit entries."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.outbox import enqueue, remember_share
from liaison.exchange.sharing import ExchangeError
from liaison.registry.actions import (
    create_alert,
    create_person,
    create_warrant,
    set_warrant_status,
)
from liaison.registry.models import Person
from liaison.registry.sharing.share import share_person
from tests.registry.conftest import arrest_alert, person_data, warrant_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def make_person(officer: User) -> Callable[..., Person]:
    def make(name: str, actor: User, **extra: object) -> Person:
        return create_person(actor=actor, data=person_data(name, **extra))

    return make


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)


def test_sharing_writes_one_envelope_per_record_in_sequence_and_audits_it(
    officer: User, fr: Peer, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Tazi", actor=officer)
    warrant = create_warrant(actor=officer, person=person, data=warrant_data())
    create_alert(actor=officer, person=person, data=arrest_alert(warrant))
    result = share_person(actor=officer, person=person, partner="fr")
    rows = list(OutboxEnvelope.objects.order_by("seq"))
    assert [(r.seq, r.message_type) for r in rows] == [
        (1, "person.upsert"),
        (2, "warrant.upsert"),
        (3, "alert.upsert"),
    ]
    assert len(result.envelopes) == 3 and result.skipped == []
    assert AuditEntry.objects.filter(action="disclose", peer_node="fr").count() == 3
    assert Share.objects.filter(peer=fr).count() == 3

    # Executed: the partner's copy is updated, not withdrawn (it learns of the arrest).
    set_warrant_status(actor=officer, warrant=warrant, status="executed", reason="Arrested.")
    last = OutboxEnvelope.objects.order_by("-seq").first()
    assert last is not None and last.message_type == "warrant.upsert" and last.seq == 4
    assert last.payload["object"]["status"] == "executed"
    assert Share.objects.filter(object_uid=warrant.uid).exists()


def test_it_refuses_flagged_persons_and_skips_h3_attachments_with_the_reason(
    officer: User, fr: Peer, make_person: Callable[..., Person]
) -> None:
    flagged = make_person("Flagged Person", actor=officer, neutrality_flag=True)
    with pytest.raises(PermissionDenied, match="never shared"):
        share_person(actor=officer, person=flagged, partner="fr")
    assert AuditEntry.objects.filter(action="permission_denied").exists()
    assert not OutboxEnvelope.objects.exists()

    person = make_person("Another Person", actor=officer)
    create_warrant(actor=officer, person=person, data=warrant_data(handling_code="H2"))
    person.warrants.update(handling_code="H3")
    result = share_person(actor=officer, person=person, partner="fr")
    assert [s.object_type for s in result.skipped] == ["warrant"]
    assert "H3" in result.skipped[0].reason


def test_it_refuses_unknown_partners_and_officers_without_the_disclose_role(
    officer: User, fr: Peer, make_person: Callable[..., Person], make_user: Callable[..., User]
) -> None:
    person = make_person("Some Person", actor=officer)
    with pytest.raises(ExchangeError):
        share_person(actor=officer, person=person, partner="de")
    with pytest.raises(PermissionDenied):
        share_person(actor=make_user("plain", "officer"), person=person, partner="fr")
    assert not OutboxEnvelope.objects.exists() and not Share.objects.exists()
    assert not AuditEntry.objects.filter(action="disclose").exists()


def test_changes_to_a_shared_record_follow_it_to_the_partner(
    officer: User, fr: Peer, make_person: Callable[..., Person]
) -> None:
    from liaison.registry.actions import set_alert_status, update_person

    person = make_person("Karim Tazi", actor=officer)
    warrant = create_warrant(actor=officer, person=person, data=warrant_data())
    alert = create_alert(actor=officer, person=person, data=arrest_alert(warrant))
    share_person(actor=officer, person=person, partner="fr")
    update_person(actor=officer, person=person, data=person_data("Karim Tazi", "كريم التازي"))
    set_alert_status(actor=officer, alert=alert, status="located")
    latest = list(OutboxEnvelope.objects.order_by("seq").values_list("message_type", flat=True))
    assert latest[3:] == ["person.upsert", "alert.upsert"]
    person_update = OutboxEnvelope.objects.get(seq=4)
    assert person_update.object_version == 2


def test_a_shared_record_made_unshareable_is_withdrawn_from_the_partner(
    officer: User, fr: Peer, make_person: Callable[..., Person]
) -> None:
    from liaison.registry.actions import update_person

    person = make_person("Karim Tazi", actor=officer)
    share_person(actor=officer, person=person, partner="fr")
    flagged = person_data("Karim Tazi", neutrality_flag=True)
    update_person(actor=officer, person=person, data=flagged)
    last = OutboxEnvelope.objects.order_by("-seq").first()
    assert last is not None and last.message_type == "person.withdraw"
    assert not Share.objects.filter(object_uid=person.uid).exists()


UID1, UID2 = uuid.uuid4(), uuid.uuid4()


def test_the_outbox_and_the_shares_remember_who_shared_and_nobody_for_the_anonymous(
    officer: User, fr: Peer, make_person: Callable[..., Person]
) -> None:
    person = make_person("Nadia Alaoui", actor=officer)
    share_person(actor=officer, person=person, partner="fr")
    row = OutboxEnvelope.objects.get(message_type="person.upsert")
    assert (row.sent_by_id, row.seq) == (officer.pk, 1)
    assert Share.objects.get(peer=fr, object_uid=str(person.uid)).shared_by_id == officer.pk
    fr.refresh_from_db()
    assert fr.next_seq == 2

    # What no signed-in user sent (a task, a request by nobody) is recorded as sent by nobody.
    with transaction.atomic():
        sent = [
            enqueue(fr, "person.upsert", {"uid": "u"}, handling="H0", sent_by=nobody)
            for nobody in (None, AnonymousUser())
        ]
        remember_share(fr, "person", UID1, None)
        remember_share(fr, "person", UID2, AnonymousUser())
    assert [(e.seq, e.sent_by_id) for e in sent] == [(2, None), (3, None)]
    assert [OutboxEnvelope.objects.get(pk=e.pk).sent_by_id for e in sent] == [None, None]
    shared_by = Share.objects.filter(object_uid__in=[UID1, UID2]).values_list(
        "shared_by_id", flat=True
    )
    assert list(shared_by) == [None, None]
    fr.refresh_from_db()
    assert fr.next_seq == 4

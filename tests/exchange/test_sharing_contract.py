"""The sharing contract's sending side, in process against the real database: the handling
an envelope carries, updates and withdrawals to every partner holding a copy, resync of a
partner that lost its data, and the registration of record types. Each test reads the
outbox, the shares and the audit log after.

The live-node tests (tests/federation/test_sharing.py, test_three_nodes.py, test_backup.py)
prove a resync end to end; these pin each rule of it.
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from pydantic import ValidationError

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.exchange import receive as receiving
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.protocol import registered_types
from liaison.exchange.sharing import (
    ExchangeError,
    WithdrawBody,
    message_types,
    peer_for,
    record_type,
    register_record_type,
    withdraw,
)
from liaison.registry.actions import create_alert, create_person, create_warrant, update_person
from liaison.registry.models import Person, Warrant
from liaison.registry.sharing.share import share_person
from tests.registry.conftest import arrest_alert, person_data, warrant_data


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


def _peer(node_id: str) -> Peer:
    return Peer.objects.create(node_id=node_id, url="http://127.0.0.1:9", fingerprint="0" * 64)


def _sent(peer: str) -> list[tuple[str, str, int | None, str]]:
    """(message type, object uid, version, handling) of the envelopes for `peer`, in order."""
    rows = OutboxEnvelope.objects.filter(peer__node_id=peer).order_by("seq")
    return [(r.message_type, r.object_uid, r.object_version, r.handling) for r in rows]


def _disclosures(peer: str) -> list[tuple[str, str, int | None, dict[str, object]]]:
    """(object type, uid, actor id, detail) of the disclose entries for `peer`, in order."""
    entries = AuditEntry.objects.filter(action="disclose", peer_node=peer).order_by("seq")
    return [(e.object_type, e.object_id, e.actor_user_id, e.detail) for e in entries]


# Handling


@pytest.mark.django_db
def test_an_envelope_carries_the_records_handling_and_the_withdrawal_of_one_made_h3_goes_as_h2(
    officer: User, make_user: Callable[..., User]
) -> None:
    _peer("fr")
    person = create_person(actor=officer, data=person_data("Karim Tazi", handling_code="H1"))
    uid = str(person.uid)
    share_person(actor=officer, person=person, partner="fr")
    assert _sent("fr") == [("person.upsert", uid, 1, "H1")]

    # Made H3 after it was shared: it may no longer go; the withdrawal says nothing of it
    # (uid, owner, version, reason) and so is not H3 itself.
    supervisor = make_user("sup", "liaison_officer", "supervisor")  # who may mark H3
    update_person(
        actor=supervisor, person=person, data=person_data("Karim Tazi", handling_code="H3")
    )

    assert _sent("fr")[1:] == [("person.withdraw", uid, 2, "H2")]
    withdrawal = OutboxEnvelope.objects.get(message_type="person.withdraw")
    assert withdrawal.payload["object"] == {
        "uid": uid,
        "owner": "ma",
        "version": 2,
        "reason": "no longer shareable",
    }
    assert not Share.objects.filter(object_uid=uid).exists()


# Updates and withdrawals


@pytest.mark.django_db
def test_an_update_goes_to_every_partner_holding_a_copy_and_is_audited_as_one(
    officer: User,
) -> None:
    _peer("fr"), _peer("de"), _peer("es")
    person = create_person(actor=officer, data=person_data("Nadia Alaoui"))
    uid = str(person.uid)
    for partner in ("fr", "de"):
        share_person(actor=officer, person=person, partner=partner)

    update_person(actor=officer, person=person, data=person_data("Nadia Alaoui", "Nadia"))

    for partner in ("fr", "de"):
        assert _sent(partner) == [("person.upsert", uid, 1, "H0"), ("person.upsert", uid, 2, "H0")]
        (_, _, actor, first), (kind, object_id, actor, update) = _disclosures(partner)
        assert (kind, object_id, actor) == ("person", uid, officer.pk)
        assert "update" not in first
        assert (update["update"], update["version"], update["handling"]) == (1, 2, "H0")
    assert _sent("es") == [] and _disclosures("es") == []


@pytest.mark.django_db
def test_a_withdrawal_goes_to_every_holder_with_its_reason_cut_to_the_protocols_300(
    officer: User,
) -> None:
    _peer("fr"), _peer("de"), _peer("es")
    person = create_person(actor=officer, data=person_data("Youssef Benali"))
    uid = str(person.uid)
    for partner in ("fr", "de"):
        share_person(actor=officer, person=person, partner=partner)
    reason = "r" * 299 + "XYZ"  # 302 characters

    with transaction.atomic():
        told = withdraw("person", person, reason=reason)

    assert told == 2
    for partner in ("fr", "de"):
        assert _sent(partner)[-1] == ("person.withdraw", uid, 1, "H0")
        row = OutboxEnvelope.objects.get(peer__node_id=partner, message_type="person.withdraw")
        assert row.payload["object"]["reason"] == "r" * 299 + "X"
        assert _disclosures(partner)[-1][3]["reason"] == reason  # the audit keeps it whole
    assert not Share.objects.filter(object_uid=uid).exists()
    assert _sent("es") == []

    with transaction.atomic():
        assert withdraw("person", person, reason="again") == 0  # nobody holds it any more
    assert OutboxEnvelope.objects.filter(message_type="person.withdraw").count() == 2


def test_a_withdrawal_body_cannot_be_changed_by_an_applier() -> None:
    body = WithdrawBody(
        uid="0193a1b2-0000-7000-8000-000000000001", owner="fr", version=1, reason="closed"
    )
    with pytest.raises(ValidationError):
        body.version = 2  # type: ignore[misc]
    assert body.version == 1


@pytest.mark.django_db
def test_an_unknown_partner_is_refused_by_name() -> None:
    _peer("fr")
    assert peer_for("fr").node_id == "fr"
    with pytest.raises(ExchangeError, match=r"^de\b"):
        peer_for("de")
    with pytest.raises(ExchangeError, match=r"^\?"):
        peer_for("")


# Registration


def test_each_type_has_its_upsert_and_only_withdrawable_types_a_withdrawal() -> None:
    kinds = message_types()
    assert kinds["person.upsert"] == ("person", False)
    assert kinds["person.withdraw"] == ("person", True)
    assert kinds["alert.withdraw"] == ("alert", True)
    assert kinds["hit.notify"] == ("hit", False)
    assert "hit.withdraw" not in kinds and "hitdecision.withdraw" not in kinds

    # Registering again (as AppConfig.ready does) declares the same messages, no more.
    before = registered_types()
    register_record_type(record_type("hit"))
    register_record_type(record_type("person"))
    assert registered_types() == before
    # Only persons read a batch's copies ahead (liaison/exchange/receive.py, read_ahead).
    assert set(receiving._READ_AHEAD) == {"person.upsert"}
    assert "person.withdraw" in before and "hit.withdraw" not in before


# Resync


@pytest.mark.django_db(transaction=True)  # `peers resync` runs outside any transaction
def test_resync_resends_what_may_still_go_as_its_sharer_and_forgets_what_is_gone(
    make_user: Callable[..., User],
) -> None:
    lo, demoted = make_user("lo", "liaison_officer"), make_user("lo2", "liaison_officer")
    _peer("fr"), _peer("de")
    kept = create_person(actor=lo, data=person_data("Karim Tazi"))
    warrant = create_warrant(actor=lo, person=kept, data=warrant_data())
    alert = create_alert(actor=lo, person=kept, data=arrest_alert(warrant))
    lost = create_warrant(actor=lo, person=kept, data=warrant_data(reference="MA-2026-0043"))
    refused = create_person(actor=demoted, data=person_data("Nadia Alaoui"))
    share_person(actor=lo, person=kept, partner="fr")
    share_person(actor=lo, person=kept, partner="de")
    share_person(actor=demoted, person=refused, partner="fr")
    # Since then: one warrant lost here (a restore from an older backup), and the sharer of
    # one person lost the role that let them disclose it.
    Warrant.objects.filter(pk=lost.pk).delete()
    demoted.groups.clear()
    sent_before = {p: len(_sent(p)) for p in ("fr", "de")}
    audited_before = len(_disclosures("fr"))

    out = StringIO()
    call_command("peers", "resync", "fr", stdout=out)

    resent = _sent("fr")[sent_before["fr"] :]
    assert resent == [
        ("person.upsert", str(kept.uid), 1, "H0"),
        ("warrant.upsert", str(warrant.uid), 1, "H0"),
        ("alert.upsert", str(alert.uid), 1, "H0"),
    ]
    audited = _disclosures("fr")[audited_before:]
    assert [(kind, actor, d["resync"]) for kind, _, actor, d in audited] == [
        ("person", lo.pk, 1),
        ("warrant", lo.pk, 1),
        ("alert", lo.pk, 1),
    ]
    lost_shares = Share.objects.filter(object_uid=lost.uid)
    assert list(lost_shares.values_list("peer__node_id", flat=True)) == ["de"]  # fr's forgotten
    assert Share.objects.filter(object_uid=refused.uid, peer__node_id="fr").exists()
    assert len(_sent("de")) == sent_before["de"]  # the other partner is left alone
    lines = out.getvalue().splitlines()
    assert lines[0] == "3 envelopes queued for fr"
    assert lines[1].startswith(f"  skipped person {refused.uid}: ") and len(lines) == 2
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_resync_of_an_unknown_partner_changes_nothing() -> None:
    _peer("fr")
    with pytest.raises(CommandError, match=r"^de\b"):
        call_command("peers", "resync", "de")
    assert not OutboxEnvelope.objects.exists() and not AuditEntry.objects.exists()

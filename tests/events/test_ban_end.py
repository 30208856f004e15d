"""A ban ends with its person: erased here, or a partner's person withdrawn by its owner.
This node's own bans are withdrawn from the partners holding them (before the person) and
every ban that goes is audited. Each test reads our database after the action, and the
partner's side by replaying what we sent through the real appliers as node `fr`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.events import bans
from liaison.events.bans import BanError, create_ban, share_ban, update_ban
from liaison.events.models import Ban
from liaison.exchange.models import OutboxEnvelope, Peer, Share
from liaison.exchange.sharing import WithdrawBody, record_type
from liaison.registry.actions import RegistryError, erase_person
from liaison.registry.models import Person
from liaison.registry.sharing import types
from tests.conftest import receive_partners_wanted_person
from tests.events.test_bans import stadium_ban

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def fr(db: None) -> Peer:
    return Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)


@pytest.fixture
def liaison(make_user: Callable[..., User]) -> User:
    return make_user("liaison", "liaison_officer")


def _sent() -> list[tuple[str, str, int | None]]:
    rows = OutboxEnvelope.objects.filter(peer__node_id="fr").order_by("seq")
    return [(r.message_type, r.object_uid, r.object_version) for r in rows]


def _apply_at_fr(envelope: OutboxEnvelope) -> str:
    """What `fr` does with an envelope we sent it: its real applier, as node `fr`."""
    name, kind = envelope.message_type.split(".")
    obj: dict[str, Any] = envelope.payload["object"]
    record = record_type(name)
    with override_settings(NODE_ID="fr"):
        if kind == "withdraw":
            assert record.withdraw is not None
            return record.withdraw("ma", WithdrawBody.model_validate(obj)).effect
        return record.apply("ma", record.body.model_validate(obj)).effect


def _erasures(uid: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="erase", object_type="ban", object_id=str(uid)))


def test_erasing_a_person_withdraws_its_shared_ban_first_and_the_partners_copy_goes(
    officer: User, liaison: User, supervisor: User, fr: Peer, watched: Callable[..., Person]
) -> None:
    person = watched("Karim Benali", dob="1984-03-12")
    shared = create_ban(actor=officer, person=person, data=stadium_ban())
    past = stadium_ban(valid_from=TODAY - timedelta(400), valid_until=TODAY - timedelta(1))
    kept_here = create_ban(actor=officer, person=person, data=past)
    share_ban(actor=liaison, ban=shared, partner="fr")
    before = list(OutboxEnvelope.objects.order_by("seq"))

    erase_person(actor=supervisor, person=person, reason="Retention period over.")

    # Our side: both bans gone with the person, the shared one withdrawn from fr before the
    # person (a version past fr's copy), no share left, each ban audited in the eraser's name.
    assert not Ban.objects.exists() and not Person.objects.filter(pk=person.pk).exists()
    sent = _sent()
    assert [(t, u) for t, u, _v in sent[-2:]] == [
        ("ban.withdraw", str(shared.uid)),
        ("person.withdraw", str(person.uid)),
    ]
    assert sent[-2][2] == 2
    assert not Share.objects.filter(object_type="ban").exists()
    for ban, told in ((shared, 1), (kept_here, 0)):
        [entry] = _erasures(ban.uid)
        assert entry.actor_user_id == supervisor.pk
        assert entry.detail == {
            "person": str(person.uid),
            "reason": "erased",
            "status": ban.status,
            "partners_told": told,
        }
    [person_entry] = AuditEntry.objects.filter(action="erase", object_type="person")
    assert sorted(person_entry.detail["attached"]["bans"]) == sorted(
        [str(shared.uid), str(kept_here.uid)]
    )

    # fr's side: what it received, applied in order. Its copy is screened until the
    # withdrawal, which deletes it while the person (withdrawn next) is still there.
    effects = [_apply_at_fr(e) for e in before]
    assert effects[-1] == "created" and Ban.objects.filter(uid=shared.uid).exists()
    after = OutboxEnvelope.objects.filter(seq__gt=before[-1].seq, peer=fr).order_by("seq")
    withdrawal, person_withdrawal = list(after)
    assert _apply_at_fr(withdrawal) == "deleted"
    assert not Ban.objects.filter(uid=shared.uid).exists()
    assert Person.objects.filter(uid=person.uid, owner_node="ma").exists()
    assert _apply_at_fr(person_withdrawal) == "deleted"
    assert not Person.objects.filter(uid=person.uid).exists()


def test_a_partners_person_withdrawn_by_its_owner_withdraws_our_ban_on_it(
    officer: User, liaison: User, fr: Peer
) -> None:
    person = receive_partners_wanted_person()
    ban = create_ban(actor=officer, person=person, data=stadium_ban())
    share_ban(actor=liaison, ban=ban, partner="fr")
    [upsert] = OutboxEnvelope.objects.filter(message_type="ban.upsert")

    person_kind = record_type("person")
    assert person_kind.withdraw is not None
    gone = WithdrawBody(uid=person.uid, owner="fr", version=1, reason="erased")
    assert person_kind.withdraw("fr", gone).effect == "deleted"

    # Our side: the person and our ban gone, fr told, the ban's end audited as fr's doing.
    assert not Person.objects.filter(uid=person.uid).exists() and not Ban.objects.exists()
    assert _sent()[-1] == ("ban.withdraw", str(ban.uid), 2)
    assert not Share.objects.filter(object_type="ban").exists()
    [entry] = _erasures(ban.uid)
    assert (entry.peer_node, entry.origin, entry.actor_user_id) == ("fr", "exchange", None)
    assert entry.detail["reason"] == "person withdrawn by its owner"
    assert entry.detail["partners_told"] == 1

    # fr's side: it holds its own person and our ban on it (as it had received it before),
    # then our withdrawal deletes its copy of the ban.
    mine = Person.objects.create(uid=person.uid, owner_node="fr")
    ma = Peer.objects.create(node_id="ma", url="http://127.0.0.1:9", fingerprint="1" * 64)
    Share.objects.create(peer=ma, object_type="person", object_uid=mine.uid)
    assert _apply_at_fr(upsert) == "created"
    assert Ban.objects.filter(uid=ban.uid, person=mine, status="active").exists()
    withdrawal = OutboxEnvelope.objects.get(message_type="ban.withdraw")
    assert _apply_at_fr(withdrawal) == "deleted"
    assert not Ban.objects.exists() and Person.objects.filter(pk=mine.pk).exists()


def test_a_partners_ban_goes_with_its_withdrawn_person_audited_and_nothing_sent(
    fr: Peer,
) -> None:
    person = receive_partners_wanted_person()
    body = stadium_ban()
    values = {
        "uid": "0b4e1f3a-2222-4d7e-9c39-5b5f6f7b2c01",
        "owner": "fr",
        "version": 1,
        "handling_code": "H0",
        "person": str(person.uid),
        "person_owner": "fr",
        "kind": body.kind,
        "issuing_authority": "Préfecture de police",
        "valid_from": str(body.valid_from),
        "valid_until": str(body.valid_until),
        "grounds": "Violence at Parc des Princes.",
        "competitions": "Ligue 1",
        "events": [],
        "status": "active",
    }
    kind = record_type("ban")
    kind.apply("fr", kind.body.model_validate(values))
    person_kind = record_type("person")
    assert person_kind.withdraw is not None
    person_kind.withdraw("fr", WithdrawBody(uid=person.uid, owner="fr", version=1, reason="x"))
    assert not Ban.objects.exists()
    assert not OutboxEnvelope.objects.exists()  # fr's own ban: nothing to tell it
    [entry] = _erasures(values["uid"])
    assert (entry.peer_node, entry.detail["partners_told"]) == ("fr", 0)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_erasure_without_a_reason_leaves_the_ban_and_tells_no_one(
    officer: User,
    liaison: User,
    supervisor: User,
    fr: Peer,
    watched: Callable[..., Person],
    reason: str,
) -> None:
    person = watched("Karim Benali")
    ban = create_ban(actor=officer, person=person, data=stadium_ban())
    share_ban(actor=liaison, ban=ban, partner="fr")
    sent = _sent()
    with pytest.raises(RegistryError, match="reason"):
        erase_person(actor=supervisor, person=person, reason=reason)
    assert Ban.objects.filter(pk=ban.pk, version=1).exists() and _sent() == sent
    assert Share.objects.filter(object_type="ban", object_uid=ban.uid).exists()
    assert not AuditEntry.objects.filter(action="erase").exists()


def test_an_erasure_refused_to_an_officer_leaves_the_ban_and_tells_no_one(
    officer: User, liaison: User, fr: Peer, watched: Callable[..., Person]
) -> None:
    person = watched("Karim Benali")
    ban = create_ban(actor=officer, person=person, data=stadium_ban())
    share_ban(actor=liaison, ban=ban, partner="fr")
    sent = _sent()
    with pytest.raises(PermissionDenied):
        erase_person(actor=officer, person=person, reason="Retention period over.")
    assert Ban.objects.filter(pk=ban.pk, version=1).exists() and _sent() == sent
    assert not AuditEntry.objects.filter(action="erase").exists()
    assert AuditEntry.objects.filter(action="permission_denied", object_type="person").exists()


@dataclass
class Race:
    """A partner's withdrawal of the person we hold a shared ban on, paused at a point
    (its transaction open), while an officer changes the ban in another connection."""

    ban: Ban
    person_uid: Any
    errors: dict[str, BaseException]
    change_done_while_paused: bool


def _race(officer: User, liaison: User, pause: Callable[[Callable[[], None]], None]) -> Race:
    with transaction.atomic():  # the receiver runs inside the envelope's transaction
        person = receive_partners_wanted_person()
    ban = create_ban(actor=officer, person=person, data=stadium_ban())
    share_ban(actor=liaison, ban=ban, partner="fr")
    holding, go = threading.Event(), threading.Event()

    def wait_here() -> None:
        holding.set()
        assert go.wait(30)

    pause(wait_here)
    errors: dict[str, BaseException] = {}

    def run(name: str, step: Callable[[], object]) -> None:
        try:
            with transaction.atomic():
                step()
        except BaseException as error:
            errors[name] = error
        finally:
            connection.close()

    gone = WithdrawBody(uid=person.uid, owner="fr", version=1, reason="erased")
    changed = stadium_ban(grounds="Fireworks thrown onto the pitch, 2025-04-12.")
    withdrawal = threading.Thread(
        target=run, args=("withdrawal", lambda: record_type("person").withdraw("fr", gone))
    )
    change = threading.Thread(
        target=run, args=("change", lambda: update_ban(actor=officer, ban=ban, data=changed))
    )
    withdrawal.start()
    assert holding.wait(30)
    change.start()
    change.join(5)
    done_while_paused = not change.is_alive()
    go.set()
    withdrawal.join(30)
    change.join(30)
    return Race(ban, person.uid, errors, done_while_paused)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_a_ban_changed_while_its_person_is_withdrawn_does_not_wait_for_the_person(
    officer: User, liaison: User, fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The withdrawal holds the person, then deletes its bans: a change of one of them
    that held the ban while waiting for the person was a deadlock, which PostgreSQL broke
    by failing one of the two."""
    real_end = types.end_dependents

    def pause(wait: Callable[[], None]) -> None:
        def paused(departure: Any) -> dict[str, list[str]]:
            wait()  # the person's row is locked by now (existing_copy)
            return real_end(departure)

        monkeypatch.setattr(types, "end_dependents", paused)

    race = _race(officer, liaison, pause)
    assert race.errors == {} and race.change_done_while_paused
    assert not Person.objects.filter(uid=race.person_uid).exists() and not Ban.objects.exists()
    # The change reached fr first; the withdrawal, a version past it, deletes fr's copy.
    uid = str(race.ban.uid)
    assert _sent()[-2:] == [("ban.upsert", uid, 2), ("ban.withdraw", uid, 3)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_a_ban_changed_once_the_withdrawal_has_read_it_waits_and_finds_it_gone(
    officer: User, liaison: User, fr: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Had the withdrawal read the ban without locking it, the change would commit version
    2 meanwhile and the withdrawal, at 2 too, would not delete fr's new copy."""
    real_withdraw = bans.sharing.withdraw

    def pause(wait: Callable[[], None]) -> None:
        def paused(*args: Any, **kwargs: Any) -> int:
            wait()  # the bans of the person have been read by now
            return real_withdraw(*args, **kwargs)

        monkeypatch.setattr(bans.sharing, "withdraw", paused)

    race = _race(officer, liaison, pause)
    assert not race.change_done_while_paused  # it waited for the withdrawal's lock
    assert set(race.errors) == {"change"} and isinstance(race.errors["change"], BanError)
    assert "no longer exists" in str(race.errors["change"])
    assert not Person.objects.filter(uid=race.person_uid).exists() and not Ban.objects.exists()
    uid = str(race.ban.uid)
    assert _sent()[-1] == ("ban.withdraw", uid, 2)
    assert ("ban.upsert", uid, 2) not in _sent()

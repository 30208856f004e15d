from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db import transaction
from django.test import RequestFactory

from liaison.accounts.models import User
from liaison.audit.actions import log_event
from liaison.audit.chain import GENESIS, entry_hash
from liaison.audit.models import AppendOnly, AuditChainHead, AuditEntry
from tests.audit.conftest import sql, verify

pytestmark = pytest.mark.django_db


def test_entries_form_a_gap_free_chain(chain: list[AuditEntry]) -> None:
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert all(entry_hash(e.__dict__) == e.hash for e in entries)
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (6, entries[-1].hash)


def test_verify_reports_the_count_when_the_chain_holds(chain: list[AuditEntry]) -> None:
    assert verify().startswith("OK: 6 entries verified")
    assert verify("--batch-size", "4").startswith("OK: 6 entries verified")


def test_an_empty_log_verifies() -> None:
    assert verify().startswith("OK: 0 entries verified")


def test_actor_and_origin_come_from_the_request(officer: User) -> None:
    request = RequestFactory().get("/registry/persons/7/", REMOTE_ADDR="10.1.2.3")
    request.user = officer
    entry = log_event(action="consult", request=request, object_type="person", object_id="7")
    assert entry.actor_user_id == officer.pk
    assert entry.actor_username == "officer"
    assert entry.actor_agency == officer.agency.name
    assert entry.origin == "10.1.2.3 /registry/persons/7/"


def test_without_a_request_the_origin_is_cli_or_exchange(officer: User) -> None:
    assert log_event(action="admin", actor=officer).origin == "cli"
    received = log_event(action="receive", peer_node="fr", object_type="warrant", object_id="9")
    assert (received.origin, received.peer_node, received.actor_username) == ("exchange", "fr", "")


def test_an_unknown_action_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="Unknown audit action"):
        log_event(action="peek")
    assert not AuditEntry.objects.exists()


def test_the_entry_rolls_back_with_the_callers_transaction(chain: list[AuditEntry]) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        log_event(action="alter", object_type="person", object_id="1")
        raise RuntimeError("the action failed")
    assert AuditEntry.objects.count() == 6
    log_event(action="alter", object_type="person", object_id="1")
    assert verify().startswith("OK: 7 entries verified")


def test_values_of_any_json_type_read_back_as_hashed(officer: User) -> None:
    changes = {
        "date_of_birth": [dt.date(1980, 1, 2), None],
        "height": [1.75, 1e20],
        "fee": [Decimal("10.50"), 0],
        "names": [["أحمد", "Ahmed"], ["Ahmed"]],
    }
    entry = log_event(action="alter", actor=officer, changes=changes, detail={"ratio": 0.1})
    assert AuditEntry.objects.get(seq=entry.seq).changes["date_of_birth"] == ["1980-01-02", None]
    assert verify().startswith("OK: 1 entries verified")


def test_the_orm_refuses_to_change_or_delete_entries(chain: list[AuditEntry]) -> None:
    entry = AuditEntry.objects.get(seq=2)
    entry.purpose = "rewritten"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(seq=2).update(purpose="rewritten")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(seq=2).purpose == "case 2"


def test_deleting_a_user_leaves_their_entries_intact(officer: User) -> None:
    log_event(action="consult", actor=officer, object_type="person", object_id="1")
    user_id = officer.pk
    officer.delete()
    entry = AuditEntry.objects.get()
    assert (entry.actor_user_id, entry.actor_username) == (user_id, "officer")
    assert verify().startswith("OK: 1 entries verified")


def test_a_missing_head_is_rebuilt_from_the_last_entry(chain: list[AuditEntry]) -> None:
    sql("DELETE FROM audit_auditchainhead")  # as after a flush of that table alone
    entry = log_event(action="consult")
    assert (entry.seq, entry.prev_hash) == (7, chain[-1].hash)
    assert verify().startswith("OK: 7 entries verified")

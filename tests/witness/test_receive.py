"""A partner's `audit.head` through the real receive pipeline: kept only when it is the
sender's own head, signed by it; a contradicting head is kept too, flagged."""

from __future__ import annotations

import pytest

from liaison.audit.models import AuditEntry
from liaison.exchange.identity import node_key
from liaison.exchange.models import InboxEnvelope, Peer
from liaison.exchange.protocol import open_receipt
from liaison.exchange.receive import receive
from liaison.witness.models import PartnerHead
from tests.witness.conftest import FR, HASH, STRANGER, fr_head, head_envelope, pin

pytestmark = pytest.mark.django_db


def outcome(raw: bytes) -> tuple[str, str, str]:
    answer = receive(raw)
    receipt = open_receipt(answer.receipt, node_key())
    return str(receipt.status), receipt.reason, receipt.detail


def test_it_keeps_a_partners_own_signed_head_and_audits_the_receipt(fr: Peer) -> None:
    token = fr_head(seq=5)
    assert outcome(head_envelope(token)) == ("applied", "", "created audit.head 5")
    kept = PartnerHead.objects.get()
    assert (kept.node, kept.seq, kept.hash, kept.token, kept.conflict) == (
        "fr",
        5,
        HASH,
        token,
        False,
    )
    entry = AuditEntry.objects.filter(action="receive").get()
    assert (entry.peer_node, entry.object_type, entry.object_id) == ("fr", "audit.head", "5")


def test_it_refuses_a_head_whose_signature_is_not_the_senders(fr: Peer) -> None:
    forged = fr_head(seq=5, key=STRANGER)
    status, reason, _ = outcome(head_envelope(forged))
    assert (status, reason) == ("rejected", "bad_signature")
    assert not PartnerHead.objects.exists()
    assert InboxEnvelope.objects.get().status == "rejected"


def test_it_refuses_a_head_from_a_node_that_is_not_a_partner(fr: Peer) -> None:
    token = fr_head(seq=5, node="xx", key=STRANGER)
    status, reason, _ = outcome(head_envelope(token, sender="xx", key=STRANGER))
    assert (status, reason) == ("rejected", "unknown_sender")
    assert not PartnerHead.objects.exists()


def test_it_refuses_a_head_of_another_nodes_chain(fr: Peer) -> None:
    pin("xx", STRANGER)
    # xx's genuine head, relayed by fr: fr may only have its own chain witnessed here.
    relayed = fr_head(seq=5, node="xx", key=STRANGER)
    assert outcome(head_envelope(relayed))[:2] == ("rejected", "bad_signature")
    # A head fr signed but that claims to be xx's chain.
    claimed = fr_head(seq=5, node="xx", key=FR)
    assert outcome(head_envelope(claimed))[:2] == ("rejected", "not_owner")
    assert not PartnerHead.objects.exists()


def test_a_contradicting_head_is_kept_beside_the_first_and_flagged(fr: Peer) -> None:
    outcome(head_envelope(fr_head(seq=5, digest="ab" * 32)))
    outcome(head_envelope(fr_head(seq=9, digest="cd" * 32)))
    assert outcome(head_envelope(fr_head(seq=5, digest="ef" * 32)))[2] == "conflict audit.head 5"
    # The chain went backwards: a lower seq, signed after seq 9 was.
    assert outcome(head_envelope(fr_head(seq=7, digest="12" * 32)))[2] == "conflict audit.head 7"
    rows = PartnerHead.objects.order_by("pk").values_list("seq", "conflict")
    assert list(rows) == [(5, False), (9, False), (5, True), (7, True)]


def test_the_same_head_sent_twice_is_kept_once(fr: Peer) -> None:
    token = fr_head(seq=5)
    outcome(head_envelope(token))
    assert outcome(head_envelope(token))[2] == "unchanged audit.head 5"
    assert PartnerHead.objects.count() == 1

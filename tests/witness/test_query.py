"""`audit.heads`: a partner gets back the heads it signed, and nothing else."""

from __future__ import annotations

import pytest
from django.test import Client

from liaison.audit.models import AuditEntry
from liaison.exchange.identity import node_key
from liaison.exchange.models import Peer
from liaison.exchange.protocol import QueryAnswer, open_answer
from liaison.exchange.receive import receive
from liaison.witness.actions import HEADS_PER_ANSWER, HeadsQueryBody, answer_heads
from liaison.witness.check import own_heads
from liaison.witness.heads import sign_head
from liaison.witness.models import PartnerHead
from tests.witness.conftest import STRANGER, fr_head, head_envelope, heads_query, pin

pytestmark = pytest.mark.django_db


def post(raw: bytes) -> tuple[int, QueryAnswer]:
    response = Client().post("/federation/v1/queries", raw, content_type="application/jose")
    return response.status_code, open_answer(response.content, node_key())


@pytest.fixture
def held(fr: Peer) -> list[str]:
    """Heads of fr and of another partner, xx, held here."""
    pin("xx", STRANGER)
    mine = [fr_head(seq=n) for n in (3, 8)]
    for token in mine:
        receive(head_envelope(token))
    receive(head_envelope(fr_head(seq=4, node="xx", key=STRANGER), sender="xx", key=STRANGER))
    assert PartnerHead.objects.count() == 3
    return mine


def test_a_partner_gets_back_only_its_own_heads_signed_by_this_node(held: list[str]) -> None:
    status, answer = post(heads_query())
    assert status == 200 and answer.status == "answered"
    assert (answer.from_, answer.to) == ("ma", "fr")
    assert answer.object == {"heads": held, "next": None}
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert (entry.action, entry.peer_node, entry.object_type) == ("disclose", "fr", "audit.heads")


def test_it_refuses_a_query_from_a_node_that_is_not_a_partner(held: list[str]) -> None:
    status, answer = post(heads_query(sender="zz", key=STRANGER))
    assert status == 401 and (answer.status, answer.reason) == ("rejected", "unknown_sender")
    assert answer.object == {}


def test_it_refuses_a_query_signed_with_another_key(held: list[str]) -> None:
    status, answer = post(heads_query(key=STRANGER))
    assert status == 401 and answer.reason == "bad_signature" and answer.object == {}


def test_it_refuses_a_query_for_another_node_or_of_an_unknown_type(held: list[str]) -> None:
    assert post(heads_query(to="xx"))[1].reason == "wrong_recipient"
    assert post(heads_query(type="audit.everything"))[1].reason == "unknown_type"
    assert post(heads_query(object={"after": -1}))[1].reason == "bad_schema"
    denied = AuditEntry.objects.filter(action="permission_denied").count()
    assert denied == 3


def test_heads_come_in_pages_that_end(fr: Peer) -> None:
    PartnerHead.objects.bulk_create(
        PartnerHead(node="fr", seq=n, hash=f"{n:064x}", signed_at="2025-01-01T00:00Z", token=str(n))
        for n in range(1, HEADS_PER_ANSWER + 11)
    )
    first = answer_heads("fr", HeadsQueryBody(after=0))
    assert len(first["heads"]) == HEADS_PER_ANSWER and first["next"] is not None
    second = answer_heads("fr", HeadsQueryBody(after=first["next"]))
    assert second["heads"] == [str(n) for n in range(HEADS_PER_ANSWER + 1, HEADS_PER_ANSWER + 11)]
    assert second["next"] is None


def test_the_asker_counts_only_heads_it_signed_of_its_own_chain(fr: Peer) -> None:
    mine = sign_head(node="ma", seq=4, digest="ab" * 32, key=node_key())
    forged = sign_head(node="ma", seq=5, digest="cd" * 32, key=STRANGER)
    other_chain = sign_head(node="xx", seq=6, digest="ef" * 32, key=node_key())
    heads, ignored = own_heads("fr", [mine, forged, other_chain, "not a jws"], node_key())
    assert [(w.partner, w.head.seq) for w in heads] == [("fr", 4)] and ignored == 3

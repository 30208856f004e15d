"""A receipt that does not verify, in the middle of a batch: the envelopes after it are not
taken as delivered even though their receipts are good (each partner's order holds)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from joserfc.jwk import OKPKey

from liaison.exchange import keys
from liaison.exchange import worker as delivery
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.exchange.protocol import ReceiptData
from tests.exchange.partner import Partner
from tests.exchange.test_worker import FR, make_peer, queue, states

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

STRANGER = OKPKey.generate_key("Ed25519")


@dataclass
class ForgesOne(Partner):
    """Signs the receipt of envelope `forged` with a key that is not its pinned one."""

    forged: int = 0

    def receipt(self, claims: dict[str, Any], outcome: ReceiptData) -> str:
        if claims["seq"] != self.forged:
            return super().receipt(claims, outcome)
        good_key, self.key = self.key, STRANGER
        try:
            return super().receipt(claims, outcome)
        finally:
            self.key = good_key


@pytest.fixture
def partner() -> Iterator[ForgesOne]:
    keys.create_key(Path(settings.DATA_DIR))
    partner = ForgesOne(FR, forged=2)
    partner.start()
    yield partner
    partner.stop()


def test_a_bad_receipt_mid_batch_stops_delivery_there(partner: ForgesOne) -> None:
    peer = make_peer(partner.url)
    queue(peer, 4)

    assert delivery.Worker().run_once()

    assert partner.seqs() == [1, 2, 3, 4]  # one batch, every receipt sent back
    assert states() == {1: "delivered", 2: "pending", 3: "pending", 4: "pending"}
    second = OutboxEnvelope.objects.get(seq=2)
    assert (second.attempts, second.failures) == (1, 1)
    row = Peer.objects.get(pk=peer.pk)
    assert row.failures == 1 and "no valid receipt" in row.last_error

    partner.forged = 0  # the partner fixed its key: everything from #2 on goes again
    Peer.objects.filter(pk=peer.pk).update(next_attempt_at=None)
    assert delivery.Worker().run_once()
    assert partner.seqs()[4:] == [2, 3, 4]
    assert set(states().values()) == {"delivered"}

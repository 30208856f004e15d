"""The desk's test cast: one user per role, a partner node `fr` (the Police nationale) that
sends signed envelopes through the real receiver, and bodies of what it sends."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from joserfc.jwk import OKPKey

from liaison.accounts.models import User
from liaison.exchange import keys
from liaison.exchange.models import InboxEnvelope, Peer, Share
from liaison.exchange.protocol import envelope_claims, sign, uuid7
from liaison.exchange.receive import receive
from liaison.registry.models import Person
from tests.registry.conftest import person_data

PARTNER_AGENCY = "Police nationale (Office central)"

Send = Callable[[str, dict[str, Any]], InboxEnvelope]


@pytest.fixture
def fr(db: None) -> tuple[Peer, OKPKey]:
    keys.create_key(Path(settings.DATA_DIR))  # this node signs its receipts
    key = OKPKey.generate_key("Ed25519")
    peer = Peer.objects.create(
        node_id="fr",
        url="http://127.0.0.1:9",
        fingerprint="0" * 64,
        public_key=keys.public_jwk(key)["x"],
        agency=PARTNER_AGENCY,
        country="FR",
    )
    return peer, key


@pytest.fixture
def send(fr: tuple[Peer, OKPKey]) -> Send:
    """Envelopes from fr, signed with its key, through the real receiver (applied here)."""
    _peer, key = fr
    seq = itertools.count(1)

    def deliver(message_type: str, obj: dict[str, Any]) -> InboxEnvelope:
        envelope_id = uuid7()
        claims = envelope_claims(
            envelope_id=envelope_id,
            sender="fr",
            recipient="ma",
            seq=next(seq),
            message_type=message_type,
            handling="H0",
            obj=obj,
        )
        receive(sign(claims, key).encode())
        row = InboxEnvelope.objects.get(envelope_id=envelope_id)
        assert row.status == "applied", row.detail
        return row

    return deliver


@pytest.fixture
def users(make_user: Callable[..., User]) -> dict[str, User]:
    roles = ["officer", "analyst", "liaison_officer", "supervisor", "auditor", "node_admin"]
    return {role: make_user(f"desk-{role}", role) for role in roles}


@pytest.fixture
def our_person(users: dict[str, User], fr: tuple[Peer, OKPKey]) -> Person:
    """One of our wanted persons, shared with fr (so fr may record hits on it)."""
    from liaison.registry.actions import create_person

    person = create_person(
        actor=users["liaison_officer"], data=person_data("Karim Cherkaoui", birth_dates=["1984"])
    )
    Share.objects.create(peer=fr[0], object_type="person", object_uid=person.uid)
    return person


def hit_body(
    person: Person, *, uid: str | None = None, version: int = 1, **extra: Any
) -> dict[str, Any]:
    body = {
        "uid": uid or str(uuid.uuid4()),
        "owner": "fr",
        "version": version,
        "handling_code": "H0",
        "review_date": None,
        "person": str(person.uid),
        "alert": None,
        "encountered_name": "CHERKAOUI Karim",
        "encountered_on": datetime(2026, 11, 29, 14, 30, tzinfo=UTC).isoformat(),
        "place": "Aéroport d'Orly, terminal 3",
        "context": "border_check",
        "recorded_by_name": "Brigadier Martin",
        "score": 0.93,
        "disposition": "pending",
        "action_taken": "",
    }
    return body | extra


def person_body(name: str, *, uid: str | None = None, version: int = 1) -> dict[str, Any]:
    return {
        "uid": uid or str(uuid.uuid4()),
        "owner": "fr",
        "version": version,
        "handling_code": "H0",
        "review_date": None,
        "category": "wanted",
        "sex": "U",
        "names": [{"full_name": name, "kind": "primary", "given_names": "", "family_name": ""}],
        "birth_dates": [],
        "place_of_birth": "",
        "country_of_birth": "",
        "nationalities": [],
        "distinguishing_marks": "",
        "documents": [],
        "external_ref": "",
    }

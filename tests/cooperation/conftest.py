"""Working groups' test cast: a liaison officer, a partner node `fr` that sends signed
envelopes through the real receiver, and the bodies it sends."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from joserfc.jwk import OKPKey

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.cooperation.actions import GroupData, MemberData, create_group, set_members
from liaison.cooperation.models import WorkingGroup
from liaison.exchange import keys
from liaison.exchange.models import InboxEnvelope, Peer
from liaison.exchange.protocol import envelope_claims, sign, uuid7
from liaison.exchange.receive import receive

FR_GROUP = "7a2d0c1e-1111-4f5e-8a9b-0c1d2e3f4a5b"
FR_MEMBERS = "7a2d0c1e-2222-4f5e-8a9b-0c1d2e3f4a5b"

Send = Callable[..., InboxEnvelope]


@pytest.fixture
def fr(db: None) -> tuple[Peer, OKPKey]:
    keys.create_key(Path(settings.DATA_DIR))  # this node signs its receipts
    key = OKPKey.generate_key("Ed25519")
    peer = Peer.objects.create(
        node_id="fr",
        url="http://127.0.0.1:9",
        fingerprint="0" * 64,
        public_key=keys.public_jwk(key)["x"],
        agency="Police nationale",
        country="FR",
    )
    return peer, key


@pytest.fixture
def send(fr: tuple[Peer, OKPKey]) -> Send:
    """Envelopes from fr, signed with its key, through the real receiver; the inbox row."""
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
        return InboxEnvelope.objects.get(envelope_id=envelope_id)

    return deliver


@pytest.fixture
def liaison(make_user: Callable[..., User]) -> User:
    return make_user("liaison", "liaison_officer")


def api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def our_group(user: User, **extra: Any) -> WorkingGroup:
    """ma's fugitives group with fr, and ma's two members."""
    values: dict[str, Any] = {
        "name": "Fugitifs Maroc-France",
        "theme": "fugitives",
        "mandate": "Localiser et remettre les fugitifs recherchés par les deux services.",
        "participant_nodes": ["fr"],
    }
    data = GroupData(**(values | extra))
    group = create_group(actor=user, data=data)
    members = [MemberData("Nadia Alaoui", "Commissaire", lead=True), MemberData("Omar Idrissi")]
    set_members(actor=user, group=group, members=members)
    return group


def fr_group(version: int = 1, **extra: Any) -> dict[str, Any]:
    """fr's group with ma, as fr's node serialises it."""
    return {
        "uid": FR_GROUP,
        "owner": "fr",
        "version": version,
        "handling_code": "H0",
        "name": "JO Paris-Rabat",
        "theme": "major_events",
        "mandate": "Sécurité des grands événements.",
        "status": "active",
        "participant_nodes": ["ma"],
        "meetings": [
            {"held_on": "2026-10-02", "participants": "fr, ma", "decisions": "Plan commun."}
        ],
    } | extra


def fr_members(group: str, version: int = 1, **extra: Any) -> dict[str, Any]:
    """fr's members of a group, as fr's node serialises them."""
    return {
        "uid": FR_MEMBERS,
        "owner": "fr",
        "version": version,
        "handling_code": "H0",
        "group": group,
        "members": [{"name": "Claire Martin", "function": "Commandant", "lead": True}],
    } | extra

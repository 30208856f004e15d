"""A live node refuses bad envelopes, each with its reason, audited, and keeps serving."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from joserfc.jwk import OKPKey

from liaison.exchange import keys
from liaison.exchange.protocol import (
    envelope_claims,
    open_receipt,
    sign,
    utcnow,
    uuid7,
)
from tests.federation.conftest import Node

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-rejections")]


@pytest.fixture(scope="module")
def fr(make_nodes: Callable[..., list[Node]]) -> tuple[Node, OKPKey, OKPKey]:
    """fr running, with ma pinned; ma itself is not running: the test signs as ma."""
    ma, fr = make_nodes("ma", "fr")
    fingerprint, x = ma.fingerprint()
    fr.cli(
        "peers",
        "add",
        "ma",
        "http://127.0.0.1:9",
        "--fingerprint",
        fingerprint,
        f"--public-key={x}",
    )
    fr.start()
    with urllib.request.urlopen(f"{fr.url}/.well-known/liaison-node", timeout=5) as response:  # noqa: S310
        document = json.loads(response.read())
    assert document["node_id"] == "fr" and document["protocol_version"] == 1
    return fr, keys.load_key(ma.data_dir), keys.public_key_from_x(document["public_key"]["x"])


def person(uid: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {
        "uid": uid or str(uuid.uuid4()),
        "owner": "ma",
        "version": 1,
        "handling_code": "H0",
        "review_date": None,
        "category": "wanted",
        "sex": "U",
        "names": [
            {"full_name": "Test Person", "kind": "primary", "given_names": "", "family_name": ""}
        ],
        "birth_dates": [],
        "place_of_birth": "",
        "country_of_birth": "",
        "nationalities": [],
        "distinguishing_marks": "",
        "documents": [],
        "external_ref": "",
    }
    return body | extra


def envelope(
    key: OKPKey, *, sender: str = "ma", to: str = "fr", obj: Any = None, **claims: Any
) -> tuple[str, bytes]:
    envelope_id = uuid7()
    values = envelope_claims(
        envelope_id=envelope_id,
        sender=sender,
        recipient=to,
        seq=1,
        message_type="person.upsert",
        handling="H0",
        obj=obj or person(),
    )
    return str(envelope_id), sign(values | claims, key).encode()


def post(node: Node, body: bytes, fr_key: OKPKey) -> tuple[int, Any]:
    request = urllib.request.Request(f"{node.url}/federation/v1/envelopes", data=body)  # noqa: S310
    request.add_header("Content-Type", "application/jose")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, open_receipt(raw, fr_key)  # every answer is signed by fr


def _healthy(node: Node) -> bool:
    with urllib.request.urlopen(f"{node.url}/healthz", timeout=5) as response:  # noqa: S310
        return bool(response.status == 200)


def test_each_bad_envelope_is_rejected_with_its_reason_audited_and_nothing_applied(
    fr: tuple[Node, OKPKey, OKPKey],
) -> None:
    node, ma_key, fr_key = fr
    before = node.call("state")  # the node is the module's: other tests may have applied
    stranger = OKPKey.generate_key("Ed25519")
    stale = (utcnow() - timedelta(minutes=10)).isoformat()
    cases = {
        "bad_signature": envelope(stranger)[1],
        "unknown_sender": envelope(stranger, sender="xx")[1],
        "wrong_recipient": envelope(ma_key, to="de")[1],
        "clock_skew": envelope(ma_key, sent_at=stale)[1],
        "malformed": b'{"this is": "not a JWS"',
        "bad_schema": envelope(ma_key, obj=person(names=[]))[1],
        "not_owner": envelope(ma_key, obj=person(owner="fr"))[1],
    }
    for reason, body in cases.items():
        status, receipt = post(node, body, fr_key)
        assert (receipt.status, receipt.reason) == ("rejected", reason), (reason, receipt)
        assert status >= 400
        assert _healthy(node)
    # Over 256 KiB, the server itself refuses the body (413), unread and unsigned
    # (tests/federation/test_body_limits.py).
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
    conn.putrequest("POST", "/federation/v1/envelopes")
    conn.putheader("Content-Length", str(300 * 1024))
    conn.endheaders()  # the body is never sent: the answer comes first
    assert conn.getresponse().status == 413
    conn.close()
    extra = envelope(ma_key, obj={**person(), "unexpected": 1})[1]
    assert post(node, extra, fr_key)[1].reason == "bad_schema"

    state = node.call("state")
    assert state["persons"] == before["persons"]
    denied = Counter(state["audit"]["denied_reasons"]) - Counter(before["audit"]["denied_reasons"])
    assert sorted(denied) == sorted(cases)
    received = state["audit"]["counts"].get("receive", 0)
    assert received == before["audit"]["counts"].get("receive", 0)


def test_a_replayed_envelope_is_answered_duplicate_and_applied_once(
    fr: tuple[Node, OKPKey, OKPKey],
) -> None:
    node, ma_key, fr_key = fr
    received_before = node.call("state")["audit"]["counts"].get("receive", 0)
    uid = str(uuid.uuid4())
    envelope_id, body = envelope(
        ma_key,
        obj=person(
            uid,
            names=[
                {
                    "full_name": "Replay Person",
                    "kind": "primary",
                    "given_names": "",
                    "family_name": "",
                }
            ],
        ),
    )
    status, first = post(node, body, fr_key)
    assert status == 200 and first.status == "applied" and str(first.envelope) == envelope_id
    for _ in range(3):
        status, again = post(node, body, fr_key)
        assert status == 200 and again.status == "duplicate"
    state = node.call("state", "Replay")
    assert state["persons"] == {uid: 1}
    assert state["inbox"]["applied_for_prefix"] == 1
    # the receipt and each replay, audited (the node is the module's: count what this test adds)
    assert state["audit"]["counts"]["receive"] - received_before == 4


def test_an_older_version_arriving_late_is_acknowledged_not_applied(
    fr: tuple[Node, OKPKey, OKPKey],
) -> None:
    node, ma_key, fr_key = fr
    uid = str(uuid.uuid4())
    name = [{"full_name": "Late Person", "kind": "primary", "given_names": "", "family_name": ""}]
    assert (
        post(node, envelope(ma_key, obj=person(uid, version=3, names=name))[1], fr_key)[1].status
        == "applied"
    )
    status, late = post(node, envelope(ma_key, obj=person(uid, version=2, names=name))[1], fr_key)
    assert status == 200 and late.status == "applied" and late.detail.startswith("unchanged")
    assert node.call("state", "Late")["persons"] == {uid: 3}

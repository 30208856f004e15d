"""Three live nodes: ma shares a graded H2 report with fr; fr may not forward it to es until
ma consents; the request and the decision travel between them; then the forward reaches es.
Facts and assessment stay two fields all the way; each step is audited on both sides."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.federation.conftest import Node, peer, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-intel")]

FACTS = "Trois camions ont franchi le port de Tanger Med entre le 3 et le 17 mars 2026."
ASSESSMENT = "نقدر أن الشبكة تستعمل نفس الشركة الوهمية للنقل."
REPORT = {
    "title": "Filière de Tanger Med",
    "facts": FACTS,
    "assessment": ASSESSMENT,
    "source_reference": "MA-SRC-2026-014",
    "grading_scheme": "admiralty",
    "source_reliability": "B",
    "information_credibility": "2",
    "recipients": ["fr"],
    "handling_code": "H2",
}
PURPOSE = "purpose=federation+test+check"


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node, Node]:
    ma, fr, es = make_nodes("ma", "fr", "es")
    peer(ma, fr)
    peer(fr, es)
    for node in (ma, fr, es):
        node.start()
    return ma, fr, es


def call(node: Node, function: str, *args: Any) -> Any:
    code = f"from tests.federation.intel_helpers import {function}; {function}(*{args!r})"
    return json.loads(node.cli("shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def _report(node: Node, uid: str) -> Any:
    status, body = node.api("GET", f"/reports/{uid}?{PURPOSE}")
    return body if status == 200 else None


def _consent(node: Node, uid: str, state: str) -> Any:
    status, body = node.api("GET", "/consents")
    found = [c for c in body if c["uid"] == uid and c["state"] == state] if status == 200 else []
    return found[0] if found else None


def test_an_h2_report_is_forwarded_only_after_the_originator_consents(
    nodes: tuple[Node, Node, Node],
) -> None:
    ma, fr, es = nodes
    status, created = ma.api("POST", "/reports", REPORT)
    assert status == 201, created
    uid = created["uid"]
    status, shared = ma.api("POST", f"/reports/{uid}/shares", {"partner": "fr"})
    assert status == 201, shared

    copy = wait_for(lambda: _report(fr, uid))
    assert (copy["facts"], copy["assessment"]) == (FACTS, ASSESSMENT)
    assert (copy["owner_node"], copy["handling_code"], copy["grading"][:2]) == ("ma", "H2", "B2")

    # The receiver enforces the originator's conditions: no forward, export or evidence use.
    status, refused = fr.api("POST", f"/reports/{uid}/forwards", {"partner": "es"})
    assert status == 403 and "consent" in refused["detail"], refused
    assert fr.api("GET", f"/reports/{uid}/export")[0] == 403
    assert fr.api("POST", f"/reports/{uid}/evidence")[0] == 403
    assert call(fr, "outbox", "report.forward") == []

    body = {"kind": "forward", "partner": "es", "reason": "Enquête conjointe avec l'Espagne."}
    status, asked = fr.api("POST", f"/reports/{uid}/consents", body)
    assert status == 201 and asked["state"] == "pending", asked
    incoming = wait_for(lambda: _consent(ma, asked["uid"], "pending"))
    assert (incoming["owner_node"], incoming["partner"]) == ("fr", "es")

    decision = {"granted": True, "reason": "Accordé pour l'enquête conjointe."}
    status, decided = ma.api("POST", f"/consents/{asked['uid']}/decision", decision)
    assert status == 201 and decided["state"] == "granted", decided
    granted = wait_for(lambda: _consent(fr, asked["uid"], "granted"))
    assert granted["decisions"][0]["reason"] == decision["reason"]

    status, forwarded = fr.api("POST", f"/reports/{uid}/forwards", {"partner": "es"})
    assert status == 201, forwarded
    third = wait_for(lambda: _report(es, uid))
    assert (third["facts"], third["assessment"]) == (FACTS, ASSESSMENT)
    assert (third["owner_node"], third["received_via"]) == ("ma", "fr")
    # es got it from fr under the same conditions: no further forward without ma's consent.
    assert es.api("GET", f"/reports/{uid}/export")[0] == 403

    ids = (uid, asked["uid"], decided["decisions"][0]["uid"])
    on_ma = call(ma, "audit", *ids)
    on_fr = call(fr, "audit", *ids)
    assert ["disclose", "report", "fr"] in on_ma
    assert ["receive", "consentrequest", "fr"] in on_ma
    assert ["collect", "consentdecision", ""] in on_ma
    assert ["disclose", "consentdecision", "fr"] in on_ma
    assert ["receive", "report", "ma"] in on_fr
    assert ["permission_denied", "report", ""] in on_fr
    assert ["collect", "consentrequest", ""] in on_fr
    assert ["disclose", "consentrequest", "ma"] in on_fr
    assert ["receive", "consentdecision", "ma"] in on_fr
    assert ["disclose", "reportforward", "es"] in on_fr
    assert ["receive", "reportforward", "fr"] in call(es, "audit", uid)


def _group(node: Node, uid: str) -> Any:
    status, body = node.api("GET", f"/groups/{uid}")
    return body if status == 200 else None


def test_a_report_for_a_working_group_reaches_its_services_and_no_other(
    nodes: tuple[Node, Node, Node],
) -> None:
    """fr convenes a group with ma and es, and one with ma only; its report naming the
    first goes to es, which it does not name as a node; naming the second, it does not."""
    _ma, fr, es = nodes
    group = {"theme": "organised_crime", "mandate": "Filières de Tanger Med."}
    status, wide = fr.api(
        "POST", "/groups", group | {"name": "Trois", "participant_nodes": ["ma", "es"]}
    )
    assert status == 201, wide
    status, narrow = fr.api(
        "POST", "/groups", group | {"name": "Deux", "participant_nodes": ["ma"]}
    )
    assert status == 201, narrow
    wait_for(lambda: _group(es, wide["uid"]))
    names = {"recipients": [], "recipient_groups": [wide["uid"], narrow["uid"]]}
    status, created = fr.api("POST", "/reports", REPORT | names)
    assert status == 201, created
    uid = created["uid"]
    status, shared = fr.api("POST", f"/reports/{uid}/shares", {"partner": "es"})
    assert status == 201, shared
    copy = wait_for(lambda: _report(es, uid))
    assert sorted(copy["recipient_groups"]) == sorted(names["recipient_groups"])
    assert call(es, "reports_for_group", wide["uid"], "lo") == [uid]

    only_ma = {"recipients": [], "recipient_groups": [narrow["uid"]]}
    status, other = fr.api("POST", "/reports", REPORT | only_ma)
    assert status == 201, other
    status, refused = fr.api("POST", f"/reports/{other['uid']}/shares", {"partner": "es"})
    assert status == 400 and "recipients" in refused["detail"], refused
    assert [b["uid"] for b in call(fr, "outbox", "report.upsert")].count(other["uid"]) == 0

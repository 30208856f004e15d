"""In Chromium, on two live nodes (real `liaison serve` processes, each with its own
database): ma's officer shares a person with fr through the share form and the Sharing
panel shows it delivered; fr records a hit on it; ma's liaison officer finds the hit on
the desk with the partner's service name and an unread badge, opens it (purpose step) and
gives a decision with a message; fr's officer sees ma's decision, the message and the
alert located. The API version of the hit walk is tests/federation/test_sharing.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_otp.oath import totp

from tests.federation.conftest import (  # noqa: F401  (fixtures)
    AGENCIES,
    Node,
    databases,
    make_nodes,
    migrated,
    peer,
    wait_for,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.federation,
    pytest.mark.xdist_group("federation-two-node-walk"),
]

PASSWORD = "correct horse battery staple"  # a test account on a test node
MESSAGE = "Identité confirmée par empreintes : interpellez-le, l'extradition est demandée."


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:  # noqa: F811
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


def web_officer(node: Node, username: str) -> bytes:
    """A liaison officer of `node` who signs in on the pages; its TOTP key."""
    code = "from tests.federation.share_status_helpers import web_user; "
    code += f"web_user({username!r}, {PASSWORD!r})"
    out = node.cli("shell", "--no-imports", "-c", code)
    return bytes.fromhex(json.loads(out.strip().splitlines()[-1])["key"])


@pytest.fixture
def open_as(browser: Any) -> Iterator[Callable[[Node, str], Any]]:
    """A page in its own browser context, signed in on `node` as a new officer: password,
    then the current TOTP code, as a person would type them."""
    contexts: list[Any] = []

    def open_page(node: Node, username: str) -> Any:
        key = web_officer(node, username)
        context = browser.new_context(locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.console_errors = errors
        page.goto(f"{node.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]:has-text('Continue')")
        page.wait_for_url("**/accounts/2fa/**")
        page.fill("input[name=token]", f"{totp(key):06d}")
        page.click("button[type=submit]:has-text('Verify')")
        page.wait_for_url(f"{node.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def state_purpose(page: Any, purpose: str, then: str) -> None:
    """The purpose step before a person's page opens; waits for the page at `then`."""
    page.wait_for_url(lambda url: urlsplit(url).path == "/registry/purpose/")
    # The navbar's badge request (htmx, after load) saves the whole session when it ends
    # (SESSION_SAVE_EVERY_REQUEST): a purpose stated before it ends would be overwritten.
    page.wait_for_load_state("networkidle")
    page.fill("input[name=purpose]", purpose)
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Continue')")
    if urlsplit(page.url).path != then:
        pytest.fail(f"the purpose step led to {page.url}: {page.inner_text('main')[:500]}")


def _find(node: Node, collection: str, uid: str) -> Any:
    status, rows = node.api("GET", f"/{collection}")
    assert status == 200, rows
    return next((r for r in rows if r["uid"] == uid), None)


def test_a_partner_hit_walks_from_the_desk_to_a_decision_the_partner_sees(
    nodes: tuple[Node, Node], open_as: Callable[[Node, str], Any]
) -> None:
    ma, fr = nodes
    ma_service, fr_service = AGENCIES["ma"][0], AGENCIES["fr"][0]
    person = {"category": "wanted", "names": [{"full_name": "Rachid Benali"}]}
    status, created = ma.api("POST", "/persons", person)
    assert status == 201, created
    uid = created["uid"]
    alert = {"alert_type": "locate", "action_on_hit": "Inform Rabat at once."}
    status, alert = ma.api("POST", f"/persons/{uid}/alerts", alert)
    assert status == 201, alert

    # ma's officer shares the person with fr through the share form on its page.
    sharer = open_as(ma, "sharer")
    sharer.goto(f"{ma.url}/registry/persons/{uid}/")
    state_purpose(sharer, "Sharing with the French liaison office", f"/registry/persons/{uid}/")
    sharer.wait_for_selector("#share-none")
    sharer.select_option("#share-partner", "fr")
    sharer.click("#share-form button[type=submit]:has-text('Share')")
    sharer.wait_for_selector("text=is queued for delivery")

    def delivered() -> bool:
        sharer.reload()
        return row.get_attribute("data-state") == "delivered"

    # The person's row (its alert, shared with it, has a row of its own).
    row = sharer.locator(f"#share-status tr.share-row[data-uid='{uid}']")
    wait_for(delivered, timeout=60, every=1)
    row = row.inner_text()
    assert "delivered" in row and fr_service in row and "by sharer on" in row
    assert "The partner holds the current version (1)." in row

    # fr records a hit on its copy, with ma's alert; the hit travels back to ma.
    wait_for(lambda: _find(fr, "alerts", alert["uid"]), timeout=30)
    hit = {
        "encountered_name": "Rachid Benali",
        "encountered_on": "2026-06-01T10:00:00Z",
        "place": "Gare de Lyon, Paris",
        "context": "border_check",
        "alert": alert["uid"],
    }
    status, recorded = fr.api("POST", f"/persons/{uid}/hits", hit)
    assert status == 201, recorded
    wait_for(lambda: _find(ma, "hits", recorded["uid"]), timeout=30)

    # ma's liaison officer: the desk shows the partner's hit, unread, with fr's name.
    officer = open_as(ma, "officer")
    officer.wait_for_selector("#desk-unread")
    assert officer.locator("#desk-unread").inner_text().startswith("1")
    hits = officer.locator("#desk-hits")
    assert fr_service in hits.inner_text() and "Gare de Lyon, Paris" in hits.inner_text()
    assert hits.locator(".desk-item-unread").count() == 1
    hits.locator("a:has-text('Hit recorded by a partner')").click()
    state_purpose(officer, "Follow-up of the hit at Gare de Lyon", f"/registry/persons/{uid}/")
    officer.wait_for_selector("#hits")
    assert officer.locator("#desk-unread").count() == 0

    officer.click(f"#hit-{recorded['uid']} a.hit-decide")
    officer.wait_for_selector(f"text=The decision and the message go to {fr_service}.")
    officer.select_option("select[name=decision]", "confirmed")
    officer.fill("textarea[name=message]", MESSAGE)
    officer.click("button[type=submit]:has-text('Send the decision')")
    officer.wait_for_selector("text=Decision sent to the partner's service.")
    assert MESSAGE in officer.locator("#hits .decision-message").inner_text()

    # fr's officer sees ma's decision, its message, and ma's alert located.
    partner = open_as(fr, "partner")
    partner.goto(f"{fr.url}/registry/persons/{uid}/")
    state_purpose(partner, "Follow-up of our hit at Gare de Lyon", f"/registry/persons/{uid}/")
    partner.wait_for_selector("#hits")

    def decided_on_fr() -> bool:
        partner.reload()
        return partner.locator("#hits .decision").count() == 1

    wait_for(decided_on_fr, timeout=60, every=1)
    decision = partner.locator("#hits .decision").inner_text()
    assert f"Decision by {ma_service}:" in decision and "confirmed" in decision
    assert MESSAGE in decision and "officer" in decision

    def alert_badge() -> str:
        card = partner.locator(".card", has_text="Inform Rabat at once.")
        return str(card.locator(".badge.text-bg-primary").inner_text()).strip()

    def located_on_fr() -> bool:
        partner.reload()
        return alert_badge() == "located"

    wait_for(located_on_fr, timeout=60, every=1)
    for page in (sharer, officer, partner):
        assert page.console_errors == []

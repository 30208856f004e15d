"""In Chromium: a partner's hit on one of our persons reaches the officer's desk with an
unread badge in the navbar; opening it (through the purpose step) clears the badge."""

from __future__ import annotations

from typing import Any

import pytest

from liaison.accounts.models import User
from liaison.registry.models import Person
from tests.browser.conftest import sign_in
from tests.desk.conftest import (  # noqa: F401  (fixtures)
    PARTNER_AGENCY,
    Send,
    fr,
    hit_body,
    our_person,
    send,
    users,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partners_hit_shows_on_the_desk_unread_until_the_officer_opens_it(
    live_server: Any,
    page: Any,
    users: dict[str, User],  # noqa: F811  (the fixtures imported above)
    our_person: Person,  # noqa: F811
    send: Send,  # noqa: F811
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, users["officer"])
    assert page.locator("#desk-unread").count() == 0

    send("hit.notify", hit_body(our_person))
    page.reload()
    assert page.locator("#desk-unread").inner_text().startswith("1")
    hits = page.locator("#desk-hits")
    assert PARTNER_AGENCY in hits.inner_text() and "Orly" in hits.inner_text()

    hits.locator("a:has-text('Hit recorded by a partner')").click()
    page.wait_for_url("**/registry/purpose/**")
    page.fill("input[name=purpose]", "Follow-up of the partner's hit at Orly")
    page.click("button[type=submit]:has-text('Continue')")
    page.wait_for_url(f"**/registry/persons/{our_person.uid}/")
    assert page.locator("#desk-unread").count() == 0

    page.click(".navbar a.nav-link:has-text('Home')")
    assert page.locator("#desk-unread").count() == 0
    assert page.locator("#desk-hits .desk-item-unread").count() == 0
    assert errors == []

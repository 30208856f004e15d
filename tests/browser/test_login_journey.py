from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from liaison.accounts.models import User
from tests.conftest import PASSWORD, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_signs_in_with_totp_and_switches_to_arabic(
    live_server: Any, page: Any, make_user: Callable[..., User]
) -> None:
    officer = make_user("amina", "officer")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "amina")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Continue')")
    page.wait_for_url("**/accounts/2fa/**")
    page.fill("input[name=token]", current_code(officer))
    page.click("button[type=submit]:has-text('Verify')")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text().startswith("Welcome, amina")
    assert page.get_attribute("html", "dir") == "ltr"

    page.select_option("#language-select", "ar")
    page.click("#language-submit")
    page.wait_for_selector("html[dir=rtl]")
    assert page.get_attribute("html", "lang") == "ar"
    assert "مرحباً" in page.locator("h1").inner_text()
    # The layout really is mirrored: the brand sits at the right edge of the navigation bar.
    brand = page.locator(".navbar-brand").bounding_box()
    viewport = page.viewport_size
    assert brand["x"] > viewport["width"] / 2

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from liaison.accounts.models import User
from liaison.registry.models import Person
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_records_a_wanted_person_and_finds_them_by_a_third_spelling(
    live_server: Any, page: Any, make_user: Callable[..., User]
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, make_user("amina", "officer"))

    page.click("a:has-text('Fugitives and warrants')")
    page.click("a:has-text('New person')")
    page.fill("input[name=names-0-full_name]", "عبد اللطيف ولد الشريف")
    page.click("#add-name")  # htmx fetches a second name row
    page.wait_for_selector("input[name=names-1-full_name]")
    page.fill("input[name=names-1-full_name]", "Abdellatif Ould Cherif")
    page.select_option("select[name=names-1-kind]", "transliteration")
    page.select_option("select[name=category]", "wanted")
    page.fill("input[name=birth_dates]", "1979-06")
    page.fill("input[name=nationalities]", "MA")
    page.click("#person-form button[type=submit]")
    page.wait_for_selector("h1:has-text('عبد اللطيف ولد الشريف')")
    assert Person.objects.get().names.count() == 2

    page.click("a:has-text('Add warrant')")
    page.fill("input[name=issuing_country]", "MA")
    page.fill("input[name=issuing_authority]", "Procureur du Roi, Rabat")
    page.fill("input[name=reference]", "RBT-2026-77")
    page.check("input[name=offences][value=drugs]")
    page.fill("input[name=issued_on]", "2026-02-01")
    page.fill("input[name=max_penalty_months]", "120")
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_selector("text=RBT-2026-77")

    page.goto(f"{live_server.url}/registry/")
    page.fill("input[name=name]", "Abd al-Latif wuld al-Sharif")
    page.fill("input[name=purpose]", "Identity check at Casablanca airport")
    page.click("#search-form button[type=submit]")
    result = page.locator("#results tbody tr").first
    assert "Abdellatif Ould Cherif" in result.inner_text()
    assert errors == []  # no CSP violation or script error on the way

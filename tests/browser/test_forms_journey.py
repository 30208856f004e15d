"""The person form in a browser: the error summary takes focus and leads to the field;
added rows can be removed; an empty added document row does not block saving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from liaison.accounts.models import User
from liaison.registry.models import Person
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_the_summary_takes_focus_and_rows_can_be_removed(
    live_server: Any, page: Any, make_user: Callable[..., User]
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, make_user("amina", "officer"))
    page.goto(f"{live_server.url}/registry/persons/new/")

    # Nothing typed: the summary says what is missing, has focus, and leads to the field.
    page.click("#person-form button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert _focused_id(page) == "error-summary"
    assert "at least 1 form" not in page.content()
    page.click("#error-summary a[href='#id_names-0-full_name']")
    assert _focused_id(page) == "id_names-0-full_name"
    assert page.get_attribute("#id_names-0-full_name", "aria-invalid") == "true"

    page.fill("input[name=names-0-full_name]", "Karim Benali")
    # A second name, typed wrongly, then removed: it is not saved.
    page.click("#add-name")
    page.wait_for_selector("input[name=names-1-full_name]")
    page.fill("input[name=names-1-full_name]", "Not this one")
    remove = page.locator("#name-rows .formset-row").nth(1).locator("[data-remove-button]")
    remove.click()
    assert page.locator("#name-rows .formset-row").nth(1).is_hidden()
    assert page.is_checked("input[name=names-1-DELETE]")
    # A document row added and left empty.
    page.click("#add-document")
    page.wait_for_selector("select[name=documents-0-document_type]")
    page.click("#person-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Karim Benali')")

    person = Person.objects.get()
    assert [n.full_name for n in person.names.all()] == ["Karim Benali"]
    assert not person.documents.exists()
    assert errors == []

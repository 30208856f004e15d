"""The event form: each bad value beside its field and in the summary; nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.events.models import Event

pytestmark = pytest.mark.django_db

FORM = {
    "name": "FIFA World Cup 2030",
    "starts_on": "2030-06-13",
    "ends_on": "2030-07-21",
    "host_node": "ma",
    "partner_nodes": "fr",
    "venues": "Casablanca",
    "description": "",
    "handling_code": "H0",
}


@pytest.fixture
def client(make_user: Callable[..., User], login: Callable[[User], Client]) -> Client:
    return login(make_user("liaison", "liaison_officer"))


def _beside(page: str, field_id: str) -> str:
    match = re.search(rf'<div id="{field_id}_error">(.*?)</div>\s*</div>', page, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("starts_on", "2030-02-30", "2030-02-30 is not a real date"),
        ("ends_on", "2030-06-01", r"2030-06-01 is before the start \(2030-06-13\)"),
        ("name", "World\x1b Cup", r"U\+001B"),
    ],
)
def test_a_bad_event_field_is_refused_beside_it(
    client: Client, field: str, value: str, message: str
) -> None:
    page = client.post("/events/new/", {**FORM, field: value})
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(message, _beside(html, f"id_{field}")), html[:300]
    assert f'href="#id_{field}"' in html and "data-error-summary" in html
    assert not Event.objects.exists()


def test_a_good_event_is_saved(client: Client) -> None:
    assert client.post("/events/new/", FORM).status_code == 302
    assert Event.objects.count() == 1

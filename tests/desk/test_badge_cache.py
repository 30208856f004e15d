"""The navbar's unread count reused between pages (LIAISON_DESK_BADGE_SECONDS): other pages
skip the count query, the desk itself is always exact, reading an item forgets the count."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liaison.accounts.models import User
from liaison.registry.models import Person
from tests.desk.conftest import Send, hit_body
from tests.desk.test_desk import badge, open_link

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
PAGE = "/registry/purpose/"  # a plain signed-in page that shows the navbar


@pytest.fixture(autouse=True)
def remembered(settings: Any) -> Iterator[None]:
    settings.DESK_BADGE_SECONDS = 20
    cache.clear()
    yield
    cache.clear()


def queries_of(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).content.decode()
    return len(captured), page


def test_a_page_after_the_desk_reuses_its_count_without_the_count_query(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    officer = login(users["officer"])
    assert badge(officer.get("/").content.decode()) == 1
    reused, page = queries_of(officer, PAGE)
    assert badge(page) == 1
    cache.clear()
    counted, page = queries_of(officer, PAGE)
    assert badge(page) == 1
    assert counted == reused + 1


def test_the_desk_counts_afresh_what_arrived_while_other_pages_reuse_the_count(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    officer = login(users["officer"])
    assert badge(officer.get(PAGE).content.decode()) == 0
    send("hit.notify", hit_body(our_person))
    assert badge(officer.get(PAGE).content.decode()) == 0  # reused, as documented
    assert badge(officer.get("/").content.decode()) == 1
    assert badge(officer.get(PAGE).content.decode()) == 1  # the desk remembered its count


def test_opening_an_item_forgets_the_count_so_the_next_page_shows_it_read(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    officer = login(users["officer"])
    desk = officer.get("/").content.decode()
    officer.get(open_link(desk, "hits"))
    assert badge(officer.get(PAGE).content.decode()) == 0


def test_marking_all_read_forgets_the_count(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    officer = login(users["officer"])
    assert badge(officer.get(PAGE).content.decode()) == 1
    officer.post("/desk/read/")
    assert badge(officer.get(PAGE).content.decode()) == 0


def test_each_user_has_their_own_count(
    users: dict[str, User], our_person: Person, send: Send, login: Login
) -> None:
    send("hit.notify", hit_body(our_person))
    officer, auditor = login(users["officer"]), login(users["auditor"])
    assert badge(officer.get(PAGE).content.decode()) == 1
    assert badge(auditor.get("/audit/").content.decode()) == 0


def test_the_count_is_counted_again_once_its_time_is_up(
    users: dict[str, User], our_person: Person, send: Send, login: Login, settings: Any
) -> None:
    settings.DESK_BADGE_SECONDS = 1
    officer = login(users["officer"])
    assert badge(officer.get(PAGE).content.decode()) == 0
    send("hit.notify", hit_body(our_person))
    time.sleep(1.1)
    assert badge(officer.get(PAGE).content.decode()) == 1


def test_with_no_reuse_every_page_counts(
    users: dict[str, User], our_person: Person, send: Send, login: Login, settings: Any
) -> None:
    settings.DESK_BADGE_SECONDS = 0
    officer = login(users["officer"])
    assert badge(officer.get(PAGE).content.decode()) == 0
    send("hit.notify", hit_body(our_person))
    assert badge(officer.get(PAGE).content.decode()) == 1

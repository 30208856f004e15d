"""The markup every page shares: skip link, landmarks, a menu button, labelled controls, and
the `bdi` filter that isolates values inside right-to-left text."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.template import Context, Template
from django.test import Client

from liaison.accounts.models import User
from liaison.core.templatetags.bidi import bdi
from liaison.registry.actions import NameData, PersonData, create_person


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        ("2026-05-01 14:30", "ltr", '<bdi dir="ltr">2026-05-01 14:30</bdi>'),
        ("عبد اللطيف", "", "<bdi>عبد اللطيف</bdi>"),
        ("<script>", "", "<bdi>&lt;script&gt;</bdi>"),
        ("x", "sideways", "<bdi>x</bdi>"),  # only ltr and rtl are directions
        ("", "ltr", ""),
        (None, "", ""),
        (7, "ltr", '<bdi dir="ltr">7</bdi>'),
    ],
)
def test_bdi_isolates_and_escapes(value: object, direction: str, expected: str) -> None:
    assert bdi(value, direction) == expected


def test_bdi_is_a_builtin_filter_that_composes_with_date() -> None:
    rendered = Template('{{ d|date:"Y-m-d"|bdi:"ltr" }}').render(Context({"d": date(2026, 5, 1)}))
    assert rendered == '<bdi dir="ltr">2026-05-01</bdi>'


@pytest.mark.django_db
def test_every_page_has_a_skip_link_a_main_landmark_and_a_menu_button(
    login: Callable[[User], Client], officer: User
) -> None:
    page = login(officer).get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert re.search(r'<a class="[^"]*skip-link[^"]*" href="#main">', page)
    assert '<main class="container" id="main" tabindex="-1">' in page
    assert 'aria-controls="main-menu" aria-expanded="false"' in page
    assert 'id="main-menu"' in page and 'id="sign-out"' in page
    assert page.index('id="main-menu"') < page.index('id="sign-out"')  # folds with the menu


@pytest.mark.django_db
def test_the_offences_group_is_a_fieldset_with_a_legend(
    login: Callable[[User], Client], officer: User
) -> None:
    person = create_person(actor=officer, data=PersonData("wanted", [NameData("Karim Benali")]))
    page = login(officer).get(f"/registry/persons/{person.uid}/warrants/new/").content.decode()
    assert re.search(r'<fieldset class="mb-3">\s*<legend[^>]*>Offences</legend>', page)
    assert 'for=""' not in page  # no label pointing at nothing

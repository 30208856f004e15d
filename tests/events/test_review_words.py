"""The review queue explains a candidate in the user's language, and says so when the
matcher raised it by a rule (a short form of the name, a relative) rather than by its parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from liaison.accounts.models import User
from liaison.events.models import AccreditationList, Candidate, Event
from liaison.events.review import explanation
from liaison.registry.models import Person
from tests.events.test_four_eyes import _screened

pytestmark = pytest.mark.django_db

RELATIVE = "a different first name before the same father's and family names: perhaps a relative"
KNOWN_AS = "a short form of the name: every part of it is in the full name"
DOB_AGREES = "date of birth agrees"


@pytest.fixture
def queue(
    officer: User,
    event: Event,
    watched: Callable[..., Person],
    django_capture_on_commit_callbacks: Any,
) -> tuple[AccreditationList, Person, Person]:
    ali = watched("Ali Saddam Hussein al-Tikriti", dob="1966-05-17")
    hafs = watched("Abu Hafs Mohamed Atef Al Masri", dob="1944-01-01")
    rows = "al-Tikriti,Qusay Saddam Hussein,1966-05-17\nHafs,Abu,1944-01-01\n"
    return _screened(officer, event, rows, django_capture_on_commit_callbacks), ali, hafs


def _words(page: Any) -> dict[int, str]:
    return {candidate.person_id: words for candidate, words in page.context["rows"]}


def test_a_relative_and_a_short_form_are_explained_by_the_rule_that_raised_them(
    officer: User, queue: tuple[AccreditationList, Person, Person]
) -> None:
    lst, ali, hafs = queue
    rules = {c.person_id: c.evidence["names"]["rule"] for c in Candidate.objects.filter(list=lst)}
    assert rules == {ali.pk: "relatives", hafs.pk: "known-as"}
    said = {c.person_id: explanation(c) for c in Candidate.objects.filter(list=lst)}
    # Not "given name and family name match" for a brother, nor "given name only" for Abu Hafs.
    assert said == {ali.pk: f"{RELATIVE}; {DOB_AGREES}", hafs.pk: f"{KNOWN_AS}; {DOB_AGREES}"}


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_queue_page_says_it_in_the_users_language(
    officer: User,
    event: Event,
    queue: tuple[AccreditationList, Person, Person],
    login: Callable[[User], Client],
    language: str,
) -> None:
    lst, ali, hafs = queue
    page = login(officer).get(
        f"/events/{event.uid}/lists/{lst.uid}/candidates/", HTTP_ACCEPT_LANGUAGE=language
    )
    html = page.content.decode()
    assert page.status_code == 200 and f'lang="{language}"' in html
    with translation.override(language):
        expected = {
            ali.pk: f"{gettext(RELATIVE)}; {gettext(DOB_AGREES)}",
            hafs.pk: f"{gettext(KNOWN_AS)}; {gettext(DOB_AGREES)}",
        }
    assert _words(page) == expected
    assert all(escape(words) in html for words in expected.values())


def test_a_candidate_without_stored_rule_is_explained_by_its_parts(
    officer: User, queue: tuple[AccreditationList, Person, Person]
) -> None:
    lst, ali, _ = queue
    candidate = Candidate.objects.get(list=lst, person=ali)
    candidate.evidence = {}
    assert not explanation(candidate).startswith(RELATIVE)
    assert explanation(candidate).endswith(DOB_AGREES)

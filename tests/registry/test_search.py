from __future__ import annotations

from collections.abc import Callable

import pytest

from liaison.accounts.models import User
from liaison.policy import restrict
from liaison.registry.models import Person
from liaison.registry.search import search_persons

pytestmark = pytest.mark.django_db


def _names(officer: User, **query: str) -> list[str]:
    outcome = search_persons(restrict(Person.objects.all(), officer), **query)
    return [str(r.person) for r in outcome.results]


def test_a_latin_spelling_finds_a_person_recorded_in_arabic_only(
    officer: User, make_person: Callable[..., Person]
) -> None:
    make_person("محمد بن عبد الله")
    make_person("فاطمة الزهراء العلوي")
    assert _names(officer, name="Mohamed Ben Abdallah") == ["محمد بن عبد الله"]


def test_arabic_typing_finds_a_latin_record(
    officer: User, make_person: Callable[..., Person]
) -> None:
    make_person("Youssef El Amrani")
    make_person("Karim Benali")
    assert _names(officer, name="يوسف العمراني") == ["Youssef El Amrani"]


def test_english_spelling_finds_french_spelling(
    officer: User, make_person: Callable[..., Person]
) -> None:
    make_person("Abdellatif Ould Cherif")
    assert _names(officer, name="Abd al-Latif wuld Sharif") == ["Abdellatif Ould Cherif"]


def test_a_different_person_sharing_a_given_name_is_not_found(
    officer: User, make_person: Callable[..., Person]
) -> None:
    make_person("Mohamed Tazi")
    assert _names(officer, name="Mohamed Ben Abdallah") == []


def test_results_explain_their_score(officer: User, make_person: Callable[..., Person]) -> None:
    make_person("محمد بن عبد الله")
    outcome = search_persons(restrict(Person.objects.all(), officer), name="Muhammad bin Abdullah")
    (result,) = outcome.results
    assert result.score >= 0.75
    assert [p["role"] for p in result.explanation["parts"]] == ["given", "family"]
    assert result.words == "given name and family name match across scripts"

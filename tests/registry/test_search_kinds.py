"""Searches officers make: a family name alone, a given name with a date of birth, the first
letters of a name; filters, sorting, paging; scores that order; explanations in words."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.policy import restrict
from liaison.registry.actions import NameData, PersonData, create_person
from liaison.registry.models import Person
from liaison.registry.search import Filters, SearchOutcome, search_persons
from tests.conftest import AUDIT_ENTRY_QUERIES

pytestmark = pytest.mark.django_db

CAST = json.loads((Path(__file__).parent / "data" / "search_cast.json").read_text())["persons"]
PURPOSE = {"purpose": "Border check at Tanger Med", "reference": "CASE-7"}


@pytest.fixture
def cast(officer: User) -> dict[str, Person]:
    persons = {}
    for key, plan in CAST.items():
        names = [NameData(**n) for n in plan["names"]]
        data = PersonData(
            category=plan["category"],
            names=names,
            birth_dates=plan["birth_dates"],
            nationalities=plan["nationalities"],
        )
        persons[key] = create_person(actor=officer, data=data)
    return persons


def _search(user: User, **query: object) -> SearchOutcome:
    return search_persons(restrict(Person.objects.all(), user), **query)  # type: ignore[arg-type]


def _found(user: User, cast: dict[str, Person], **query: object) -> list[str]:
    by_pk = {p.pk: key for key, p in cast.items()}
    return [by_pk[r.person.pk] for r in _search(user, **query).results]


# What each kind of query finds


def test_a_family_name_alone_finds_everyone_who_bears_it_in_either_script(
    officer: User, cast: dict[str, Person]
) -> None:
    assert sorted(_found(officer, cast, name="Cherkaoui")) == ["fatima", "zakaria"]
    assert sorted(_found(officer, cast, name="الشرقاوي")) == ["fatima", "zakaria"]


def test_a_family_name_alone_never_scores_as_a_full_name(
    officer: User, cast: dict[str, Person]
) -> None:
    outcome = _search(officer, name="Cherkaoui")
    assert {round(r.score, 2) for r in outcome.results} == {0.76}
    assert {r.explanation["kind"] for r in outcome.results} == {"family"}


def test_a_given_name_with_a_date_of_birth_finds_the_person_not_the_namesake(
    officer: User, cast: dict[str, Person]
) -> None:
    assert _found(officer, cast, name="Zakaria", date_of_birth="1990-05-12") == ["zakaria"]
    assert _found(officer, cast, name="Zakaria", date_of_birth="1979-11-02") == ["zakaria_namesake"]
    assert _found(officer, cast, name="Zakaria") == []  # two Zakarias: which one?


def test_the_first_letters_of_a_name_find_it_and_say_so(
    officer: User, cast: dict[str, Person]
) -> None:
    outcome = _search(officer, name="Cherk")
    found = {r.person.pk: r for r in outcome.results}
    assert set(found) == {cast["zakaria"].pk, cast["fatima"].pk}  # not Omar Cherif
    assert found[cast["zakaria"].pk].words == "family name starts with “cherk”"


def test_a_full_name_with_another_given_name_is_not_found(
    officer: User, cast: dict[str, Person]
) -> None:
    assert _found(officer, cast, name="Omar Cherkaoui") == []
    assert _found(officer, cast, name="Zakaria Cherkaoui") == ["zakaria"]


# Scores that order


def test_full_name_ranks_above_family_name_alone_above_first_letters(
    officer: User, cast: dict[str, Person]
) -> None:
    def score(name: str) -> float:
        (result,) = [r for r in _search(officer, name=name).results if r.person == cast["zakaria"]]
        return result.score

    assert score("Zakaria Cherkaoui") > score("Cherkaoui") > score("Cherk")
    assert score("Zakaria Cherkaoui") < 1.0


def test_a_date_that_agrees_ranks_first_and_one_that_differs_is_left_out(
    officer: User, make_person: Callable[..., Person], cast: dict[str, Person]
) -> None:
    make_person("Ali Cherkaoui", birth_dates=["1972-01-01"])
    found = _found(officer, cast | {}, name="Cherkaoui", date_of_birth="1990-05-12")
    assert found == ["zakaria", "fatima"]  # Fatima's date is not recorded; Ali's differs


def test_a_full_name_with_its_date_of_birth_outranks_the_name_alone(
    officer: User, cast: dict[str, Person]
) -> None:
    (dated,) = _search(officer, name="Zakaria Cherkaoui", date_of_birth="1990-05-12").results
    (bare,) = _search(officer, name="Zakaria Cherkaoui").results
    (other_day,) = _search(officer, name="Zakaria Cherkaoui", date_of_birth="1990-05-14").results
    assert dated.score > bare.score > other_day.score


# Explanations in words


def test_the_explanation_says_in_words_what_matched(officer: User, cast: dict[str, Person]) -> None:
    (result,) = _search(officer, name="زكرياء الشرقاوي", date_of_birth="1990-05-12").results
    # The person is written in Arabic too: the query matched that spelling as it stands.
    assert result.words == "given name and family name match; date of birth agrees"
    (latin,) = _search(officer, name="Zakaria Cherkaoui", date_of_birth="1990-05-12").results
    assert latin.words == "given name and family name match; date of birth agrees"
    assert [r.words for r in _search(officer, name="Cherkaoui").results] == [
        "family name only",
        "family name only",
    ]
    (given,) = _search(officer, name="Zakaria", date_of_birth="1990-05-12").results
    assert given.words == "given name only; date of birth agrees"


def test_an_arabic_query_against_latin_only_records_says_across_scripts(
    officer: User, cast: dict[str, Person]
) -> None:
    (fatima,) = [r for r in _search(officer, name="الشرقاوي").results if r.person == cast["fatima"]]
    assert fatima.words == "family name only, across scripts"


def test_the_explanation_is_made_of_translatable_messages(
    officer: User, cast: dict[str, Person]
) -> None:
    with translation.override("fr"):
        (result,) = _search(officer, name="Zakaria Cherkaoui", date_of_birth="1990-05-12").results
        expected = "; ".join(
            [gettext("given name and family name match"), gettext("date of birth agrees")]
        )
        assert result.words == expected


# Filters, sorting and paging


def test_it_filters_by_category(officer: User, cast: dict[str, Person]) -> None:
    missing = Filters(category="missing")
    assert _found(officer, cast, name="Cherkaoui", filters=missing) == ["fatima"]
    assert _found(officer, cast, name="Zakaria Cherkaoui", filters=missing) == []


def test_it_filters_by_owner_and_by_own_or_received(officer: User, cast: dict[str, Person]) -> None:
    Person.objects.filter(pk=cast["fatima"].pk).update(owner_node="fr", received_at=timezone.now())
    assert _found(officer, cast, name="Cherkaoui", filters=Filters(owner="fr")) == ["fatima"]
    assert _found(officer, cast, name="Cherkaoui", filters=Filters(owner="ma")) == ["zakaria"]
    assert _found(officer, cast, name="Cherkaoui", filters=Filters(received=True)) == ["fatima"]
    assert _found(officer, cast, name="Cherkaoui", filters=Filters(received=False)) == ["zakaria"]


def test_filters_apply_to_a_search_without_a_name(officer: User, cast: dict[str, Person]) -> None:
    found = _found(officer, cast, nationality="MA", filters=Filters(category="missing"))
    assert found == ["fatima"]
    outcome = _search(officer, date_of_birth="1990-05-12")
    assert {r.person.pk for r in outcome.results} == {cast["zakaria"].pk, cast["omar"].pk}
    assert all(r.score < 1.0 and r.words == "date of birth agrees" for r in outcome.results)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["fatima", "zakaria"]),
        ("-name", ["zakaria", "fatima"]),
        ("dob", ["zakaria", "fatima"]),  # an unknown date sorts last
        ("-dob", ["fatima", "zakaria"]),
    ],
)
def test_results_sort_by_the_column_asked(
    officer: User, cast: dict[str, Person], sort: str, expected: list[str]
) -> None:
    assert _found(officer, cast, name="Cherkaoui", sort=sort) == expected


def test_results_sort_by_latest_change(officer: User, cast: dict[str, Person]) -> None:
    Person.objects.filter(pk=cast["zakaria"].pk).update(updated_at=timezone.now())
    assert _found(officer, cast, name="Cherkaoui", sort="updated") == ["zakaria", "fatima"]
    assert _found(officer, cast, name="Cherkaoui", sort="-updated") == ["fatima", "zakaria"]


def test_results_come_in_pages(officer: User, make_person: Callable[..., Person]) -> None:
    for given in ("Ali", "Badr", "Chafik", "Driss", "Elias"):
        make_person(f"{given} Cherkaoui")
    first = _search(officer, name="Cherkaoui", sort="name", limit=2)
    third = _search(officer, name="Cherkaoui", sort="name", offset=4, limit=2)
    assert first.count == third.count == 5
    assert [str(r.person) for r in first.results] == ["Ali Cherkaoui", "Badr Cherkaoui"]
    assert [str(r.person) for r in third.results] == ["Elias Cherkaoui"]


# Permissions: the new kinds of query use the same scope


def test_a_family_name_search_does_not_reveal_an_h3_person(
    officer: User, supervisor: User, make_person: Callable[..., Person]
) -> None:
    hidden = make_person("Nadia Cherkaoui", actor=supervisor, handling_code="H3")
    make_person("Ali Cherkaoui")
    assert [str(r.person) for r in _search(officer, name="Cherkaoui").results] == ["Ali Cherkaoui"]
    assert [str(r.person) for r in _search(officer, name="Cherk").results] == ["Ali Cherkaoui"]
    assert hidden in [r.person for r in _search(supervisor, name="Cherkaoui").results]


# The page


@pytest.fixture
def web(login: Callable[[User], Client], officer: User) -> Client:
    return login(officer)


def test_the_page_shows_words_and_no_internal_text(web: Client, cast: dict[str, Person]) -> None:
    page = web.get("/registry/", {"name": "Zakaria Cherkaoui", **PURPOSE}).content.decode()
    assert "given name and family name match" in page
    for internal in ("aligned-parts", "joined-keys", "≈", "Srk", "zkr"):
        assert internal not in page


def test_the_page_filters_sorts_and_audits_the_filters(
    web: Client, cast: dict[str, Person]
) -> None:
    query = {"name": "Cherkaoui", "category": "missing", **PURPOSE}
    page = web.get("/registry/", query).content.decode()
    assert str(cast["fatima"].uid) in page and str(cast["zakaria"].uid) not in page
    entry = AuditEntry.objects.get(object_type="person-search")
    assert entry.detail == {
        "criteria": ["name"],
        "filters": ["category"],
        "results": [str(cast["fatima"].uid)],
    }
    page = web.get("/registry/", {"name": "Cherkaoui", "sort": "-name", **PURPOSE}).content
    text = page.decode()
    assert text.index("Zakaria Cherkaoui") < text.index("Fatima Cherkaoui")
    assert 'aria-sort="descending"><a href="?name=Cherkaoui&amp;sort=name' in text


@pytest.mark.parametrize(
    "query",
    [{"sort": "password"}, {"page": "0"}, {"category": "spy"}, {"origin": "moon"}, {"owner": "xx"}],
)
def test_bad_filters_get_a_clear_error_and_no_search(
    web: Client, cast: dict[str, Person], query: dict[str, str]
) -> None:
    page = web.get("/registry/", {"name": "Cherkaoui", **PURPOSE, **query}).content.decode()
    assert "text-danger" in page or "alert-danger" in page
    assert not AuditEntry.objects.filter(object_type="person-search").exists()


def test_the_page_pages_its_results(web: Client, make_person: Callable[..., Person]) -> None:
    from liaison.registry import views

    for given in ("Ali", "Badr", "Chafik"):
        make_person(f"{given} Cherkaoui")
    views.PAGE_SIZE, size = 2, views.PAGE_SIZE
    try:
        query = {"name": "Cherkaoui", "sort": "name", **PURPOSE}
        first = web.get("/registry/", query).content.decode()
        second = web.get("/registry/", {**query, "page": "2"}).content.decode()
    finally:
        views.PAGE_SIZE = size
    assert "Ali Cherkaoui" in first and "Chafik Cherkaoui" not in first
    assert 'rel="next"' in first and "page=2" in first
    assert "Chafik Cherkaoui" in second and "Ali Cherkaoui" not in second
    assert "3 results" in second


def test_the_results_page_uses_a_fixed_number_of_queries(
    web: Client,
    make_person: Callable[..., Person],
    django_assert_num_queries: Callable[..., object],
) -> None:
    for given in ("Ali", "Badr", "Chafik", "Driss"):
        make_person(f"{given} Cherkaoui", "علي الشرقاوي", birth_dates=["1980"])
    query = {"name": "Cherkaoui", **PURPOSE}
    web.get("/registry/", query)  # the session's purpose, the registry size: settled
    with django_assert_num_queries(RESULTS_PAGE_QUERIES + AUDIT_ENTRY_QUERIES):  # type: ignore[operator]
        assert web.get("/registry/", query).status_code == 200
    make_person("Elias Cherkaoui", birth_dates=["1981", "1982"], nationalities=["MA", "FR"])
    with django_assert_num_queries(RESULTS_PAGE_QUERIES + AUDIT_ENTRY_QUERIES):  # type: ignore[operator]
        assert "Elias Cherkaoui" in web.get("/registry/", query).content.decode()


# Session, user, device, agency and two of permissions (6); the partners for the owner filter
# (1); the query's keys and the keys its last part begins (2); ranking, the persons with the
# name as typed (family names, then any name) and the user's scope (4); the candidates'
# names, dates, nationalities and persons (4); the page's persons with their names, dates
# and nationalities (4); the purpose kept in the session (3).
RESULTS_PAGE_QUERIES = 25  # + the navbar's desk count


# The API


@pytest.fixture
def api(officer: User) -> Client:
    from liaison.accounts.tokens import create_api_token

    _row, raw = create_api_token(user=officer, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_the_api_finds_a_family_name_and_explains_in_words(
    api: Client, cast: dict[str, Person]
) -> None:
    response = api.get("/api/v1/persons", {"name": "Cherkaoui", "sort": "name", **PURPOSE})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["person"]["uid"] for r in body["results"]] == [
        str(cast["fatima"].uid),
        str(cast["zakaria"].uid),
    ]
    assert {r["explanation"] for r in body["results"]} == {"family name only"}
    assert {r["evidence"]["kind"] for r in body["results"]} == {"family"}
    assert (body["count"], body["next_offset"]) == (2, None)


def test_the_api_pages_and_filters_a_search(api: Client, cast: dict[str, Person]) -> None:
    response = api.get("/api/v1/persons", {"name": "Cherkaoui", "limit": 1, **PURPOSE})
    body = response.json()
    assert (len(body["results"]), body["count"], body["next_offset"]) == (1, 2, 1)
    response = api.get("/api/v1/persons", {"name": "Cherk", "category": "missing", **PURPOSE})
    assert [r["person"]["uid"] for r in response.json()["results"]] == [str(cast["fatima"].uid)]


@pytest.mark.parametrize("query", [{"sort": "password"}, {"category": "spy"}])
def test_the_api_refuses_bad_search_options(
    api: Client, cast: dict[str, Person], query: dict[str, str]
) -> None:
    response = api.get("/api/v1/persons", {"name": "Cherkaoui", **PURPOSE, **query})
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(object_type="person-search").exists()

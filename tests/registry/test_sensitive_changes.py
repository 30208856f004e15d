"""Changes that make a record easier to share or keep it longer are a supervisor's call.

At creation a review date is the default or earlier, and in the future. After it,
lowering the handling code, clearing the neutrality flag or pushing back the review
date needs a supervisor and a written justification, through the form and the API
alike; a refusal is clear, audited, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.registry.actions import default_review_date
from liaison.registry.models import Alert, Person, Warrant
from tests.test_permission_matrix import _person_form

pytestmark = pytest.mark.django_db

JUSTIFICATION = "The court ruled on 2 May that the case is ordinary crime."


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


PERSON = {"category": "wanted", "names": [{"full_name": "Karim Benali"}]}
WARRANT = {
    "issuing_country": "MA",
    "issuing_authority": "Procureur du Roi, Casablanca",
    "reference": "MA-2026-0042",
    "issued_on": "2026-03-01",
    "offences": ["drugs"],
}
ALERT = {"alert_type": "locate", "action_on_hit": "Locate and inform the liaison officer."}


# At creation


def _too_late() -> str:
    return (default_review_date() + timedelta(days=1)).isoformat()


REFUSED_REVIEW_DATES = [
    pytest.param(lambda: "9999-12-31", "at most", id="year 9999"),
    pytest.param(_too_late, "at most", id="a day past the default"),
    pytest.param(lambda: _days(0), "future", id="today"),
    pytest.param(lambda: _days(-1), "future", id="yesterday"),
    pytest.param(lambda: "2001-01-01", "future", id="long ago"),
]


@pytest.mark.parametrize("record", ["person", "warrant", "alert"])
@pytest.mark.parametrize(("review_date", "message"), REFUSED_REVIEW_DATES)
def test_the_api_refuses_a_review_date_past_the_default_or_not_ahead(
    record: str,
    review_date: Callable[[], str],
    message: str,
    officer: User,
    make_person: Callable[..., Person],
) -> None:
    api = _api(officer)
    if record == "person":
        response = api.post(
            "/api/v1/persons", {**PERSON, "review_date": review_date()}, "application/json"
        )
    else:
        person = make_person("Karim Benali")
        body = {**(WARRANT if record == "warrant" else ALERT), "review_date": review_date()}
        response = api.post(f"/api/v1/persons/{person.uid}/{record}s", body, "application/json")
    assert response.status_code == 400 and message in response.json()["detail"]
    assert Person.objects.count() == (0 if record == "person" else 1)
    assert not Warrant.objects.exists() and not Alert.objects.exists()


@pytest.mark.parametrize(("review_date", "message"), REFUSED_REVIEW_DATES)
def test_the_forms_refuse_a_review_date_past_the_default_or_not_ahead(
    review_date: Callable[[], str],
    message: str,
    login: Callable[[User], Client],
    officer: User,
    make_person: Callable[..., Person],
) -> None:
    web = login(officer)
    form = {**_person_form("H0"), "review_date": review_date()}
    page = web.post("/registry/persons/new/", form)
    assert page.status_code == 200 and message in page.content.decode()
    person = make_person("Karim Benali")
    form = {**WARRANT, "offences": "drugs", "handling_code": "H0", "review_date": review_date()}
    page = web.post(f"/registry/persons/{person.uid}/warrants/new/", form)
    assert page.status_code == 200 and message in page.content.decode()
    assert Person.objects.count() == 1 and not Warrant.objects.exists()


def test_not_even_a_supervisor_sets_a_later_review_date_at_creation(supervisor: User) -> None:
    response = _api(supervisor).post(
        "/api/v1/persons", {**PERSON, "review_date": "9999-12-31"}, "application/json"
    )
    assert response.status_code == 400 and "extend it afterwards" in response.json()["detail"]
    assert not Person.objects.exists()


@pytest.mark.parametrize("days", [1, 30, None], ids=["tomorrow", "a month", "the default"])
def test_a_review_date_up_to_the_default_is_kept(
    days: int | None, officer: User, make_person: Callable[..., Person]
) -> None:
    review = _days(days) if days is not None else default_review_date().isoformat()
    api = _api(officer)
    created = api.post("/api/v1/persons", {**PERSON, "review_date": review}, "application/json")
    assert created.status_code == 201
    person = Person.objects.get()
    assert person.review_date.isoformat() == review
    body = {**WARRANT, "review_date": review}
    assert (
        api.post(f"/api/v1/persons/{person.uid}/warrants", body, "application/json").status_code
        == 201
    )
    assert Warrant.objects.get().review_date.isoformat() == review


# After creation: the neutrality flag (the probe's path to sharing), handling codes,
# review dates


@pytest.fixture
def liaison_officer(make_user: Callable[..., User]) -> User:
    return make_user("lo", "liaison_officer")


@pytest.fixture
def flagged(liaison_officer: User, supervisor: User, make_person: Callable[..., Person]) -> Person:
    """A person the liaison officer recorded and a supervisor then flagged."""
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    person = make_person("Karim Benali", actor=liaison_officer)
    response = _api(supervisor).put(
        f"/api/v1/persons/{person.uid}", {**PERSON, "neutrality_flag": True}, "application/json"
    )
    assert response.status_code == 200
    return Person.objects.get(pk=person.pk)


def _edit_form() -> dict[str, str]:
    """What the edit page posts back for the flagged person, its name row as shown."""
    return {**_person_form("H0", "Karim Benali"), "names-INITIAL_FORMS": "1"}


def _share(client: Client, person: Person) -> Any:
    return client.post(
        f"/api/v1/persons/{person.uid}/shares", {"partner": "fr"}, "application/json"
    )


def test_the_liaison_officer_cannot_clear_the_flag_that_stops_a_share(
    flagged: Person, liaison_officer: User
) -> None:
    api = _api(liaison_officer)
    assert _share(api, flagged).status_code == 403
    response = api.put(
        f"/api/v1/persons/{flagged.uid}", {**PERSON, "neutrality_flag": False}, "application/json"
    )
    assert response.status_code == 403
    assert "Only a supervisor may clear" in response.json()["detail"]
    stored = Person.objects.get(pk=flagged.pk)
    assert stored.neutrality_flag and stored.version == flagged.version
    denials = AuditEntry.objects.filter(action="permission_denied", object_id=str(flagged.uid))
    reasons = [e.detail["reason"] for e in denials.filter(actor_username="lo")]
    assert any("clear the political" in r for r in reasons)
    assert _share(api, flagged).status_code == 403
    assert not OutboxEnvelope.objects.exists()


def test_a_justification_from_the_liaison_officer_does_not_help(
    flagged: Person, liaison_officer: User
) -> None:
    body = {**PERSON, "neutrality_flag": False, "justification": JUSTIFICATION}
    response = _api(liaison_officer).put(f"/api/v1/persons/{flagged.uid}", body, "application/json")
    assert response.status_code == 403
    assert Person.objects.get(pk=flagged.pk).neutrality_flag


def test_the_liaison_officer_cannot_clear_the_flag_through_the_form_either(
    flagged: Person, liaison_officer: User, login: Callable[[User], Client]
) -> None:
    web = login(liaison_officer)
    form = _edit_form()  # the flag's checkbox left unticked
    page = web.post(f"/registry/persons/{flagged.uid}/edit/", form)
    assert page.status_code == 200
    assert "Only a supervisor may clear" in page.content.decode()
    stored = Person.objects.get(pk=flagged.pk)
    assert stored.neutrality_flag and stored.version == flagged.version


def test_a_supervisor_clears_the_flag_with_a_justification_and_it_is_audited(
    flagged: Person, supervisor: User
) -> None:
    api = _api(supervisor)
    body = {**PERSON, "neutrality_flag": False}
    response = api.put(f"/api/v1/persons/{flagged.uid}", body, "application/json")
    assert response.status_code == 400 and "justification" in response.json()["detail"]
    assert Person.objects.get(pk=flagged.pk).neutrality_flag
    body["justification"] = JUSTIFICATION
    assert api.put(f"/api/v1/persons/{flagged.uid}", body, "application/json").status_code == 200
    assert not Person.objects.get(pk=flagged.pk).neutrality_flag
    entry = AuditEntry.objects.filter(action="alter", object_id=str(flagged.uid)).latest("seq")
    assert entry.actor_username == "supervisor"
    assert entry.changes["neutrality_flag"] == [True, False]
    assert entry.detail["justification"] == JUSTIFICATION


def test_a_supervisor_clears_the_flag_through_the_form_with_a_justification(
    flagged: Person, supervisor: User, login: Callable[[User], Client]
) -> None:
    web = login(supervisor)
    form = _edit_form()
    page = web.post(f"/registry/persons/{flagged.uid}/edit/", form)
    assert page.status_code == 200 and "justification" in page.content.decode()
    assert Person.objects.get(pk=flagged.pk).neutrality_flag
    page = web.post(
        f"/registry/persons/{flagged.uid}/edit/", {**form, "justification": JUSTIFICATION}
    )
    assert page.status_code == 302
    assert not Person.objects.get(pk=flagged.pk).neutrality_flag


def test_lowering_a_handling_code_follows_the_same_rule_through_the_api(
    officer: User, supervisor: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali", handling_code="H2")
    body = {**PERSON, "handling_code": "H1"}
    path = f"/api/v1/persons/{person.uid}"
    assert _api(officer).put(path, body, "application/json").status_code == 403
    response = _api(supervisor).put(path, body, "application/json")
    assert response.status_code == 400 and "justification" in response.json()["detail"]
    assert Person.objects.get(pk=person.pk).handling_code == "H2"
    body["justification"] = JUSTIFICATION
    assert _api(supervisor).put(path, body, "application/json").status_code == 200
    assert Person.objects.get(pk=person.pk).handling_code == "H1"
    entry = AuditEntry.objects.filter(action="alter", object_id=str(person.uid)).latest("seq")
    assert entry.detail["justification"] == JUSTIFICATION


def test_a_review_date_moved_through_an_edit_is_ahead_and_extended_only_with_reasons(
    officer: User, supervisor: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    path = f"/api/v1/persons/{person.uid}"
    later = (person.review_date + timedelta(days=365)).isoformat()
    for who, review, status in [
        (officer, later, 403),
        (supervisor, later, 400),  # no justification
        (officer, _days(-1), 400),
        (supervisor, _days(0), 400),
    ]:
        body = {**PERSON, "review_date": review}
        assert _api(who).put(path, body, "application/json").status_code == status
    assert Person.objects.get(pk=person.pk).review_date == person.review_date
    earlier = _days(30)
    assert (
        _api(officer).put(path, {**PERSON, "review_date": earlier}, "application/json").status_code
        == 200
    )
    assert Person.objects.get(pk=person.pk).review_date.isoformat() == earlier
    body = {**PERSON, "review_date": later, "justification": JUSTIFICATION}
    assert _api(supervisor).put(path, body, "application/json").status_code == 200
    assert Person.objects.get(pk=person.pk).review_date.isoformat() == later

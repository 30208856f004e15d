from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from liaison.accounts.models import User
from liaison.exchange.models import Peer
from liaison.registry.actions import (
    AlertData,
    NameData,
    PersonData,
    WarrantData,
    create_person,
    create_warrant,
)
from liaison.registry.models import Person, Warrant
from tests.conftest import receive_partners_wanted_person


def person_data(*names: str, **extra: object) -> PersonData:
    values: dict[str, object] = {"category": "wanted", "names": [NameData(n) for n in names]}
    values.update(extra)
    return PersonData(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_person(officer: User) -> Callable[..., Person]:
    def make(*names: str, actor: User | None = None, **extra: object) -> Person:
        return create_person(actor=actor or officer, data=person_data(*names, **extra))

    return make


def warrant_data(**extra: object) -> WarrantData:
    values: dict[str, object] = {
        "issuing_country": "MA",
        "issuing_authority": "Procureur du Roi, Casablanca",
        "reference": "MA-2026-0042",
        "issued_on": date(2026, 3, 1),
        "offences": ["drugs"],
        "max_penalty_months": 120,
        "extradition_sought": True,
    }
    values.update(extra)
    return WarrantData(**values)  # type: ignore[arg-type]


@pytest.fixture
def warrant(officer: User, make_person: Callable[..., Person]) -> Warrant:
    person = make_person("محمد بن عبد الله", "Mohamed Ben Abdallah", birth_dates=["1984-03-12"])
    return create_warrant(actor=officer, person=person, data=warrant_data())


def arrest_alert(warrant: Warrant, **extra: object) -> AlertData:
    values: dict[str, object] = {
        "alert_type": "arrest",
        "action_on_hit": "Arrest and inform the liaison officer.",
        "warrant_id": warrant.pk,
        "not_political_declared": True,
    }
    values.update(extra)
    return AlertData(**values)  # type: ignore[arg-type]


@pytest.fixture
def partner_person(fr: Peer) -> Person:
    """fr's wanted person, received here (each module pins its own `fr` peer)."""
    return receive_partners_wanted_person()

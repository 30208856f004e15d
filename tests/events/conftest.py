from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone

from liaison.accounts.models import User
from liaison.events.actions import EventData, create_event
from liaison.events.models import Event
from liaison.exchange.models import Peer
from liaison.registry.actions import AlertData, NameData, PersonData, create_alert, create_person
from liaison.registry.models import Alert, Person
from tests.conftest import receive_partners_wanted_person


@pytest.fixture
def event(officer: User) -> Event:
    data = EventData(
        name="Coupe d'Afrique des Nations 2025",
        starts_on=date(2025, 12, 21),
        ends_on=date(2026, 1, 18),
        host_node="ma",
    )
    return create_event(actor=officer, data=data)


@pytest.fixture
def watched(officer: User) -> Callable[..., Person]:
    """A person with an active alert: on the watchlist that lists are screened against."""

    def make(*names: str, dob: str = "") -> Person:
        data = PersonData(
            category="wanted",
            names=[NameData(n) for n in names],
            birth_dates=[dob] if dob else [],
        )
        person = create_person(actor=officer, data=data)
        alert = AlertData(alert_type="locate", action_on_hit="Inform the liaison officer.")
        create_alert(actor=officer, person=person, data=alert)
        return person

    return make


CSV = (
    "Nom,Prénom,Date de naissance,Nationalité,Passeport\n"
    "Benali,Karim,1984-03-12,MA,AB123456\n"  # line 2: on the watchlist
    ",,1990-01-01,FR,\n"  # line 3: no name
    "Durand,Sophie,1991-13-45,FR,CD1\n"  # line 4: bad date
    "Martin,Paul,1975-06-01,FRA,EF2\n"  # line 5: bad nationality
    "Dupont,Marie,1988-02-02,FR,GH3,extra\n"  # line 6: too many fields
    "Lefebvre,Jean,1970-07-07,FR,IJ4\n"  # line 7: nobody on the watchlist
)


@pytest.fixture
def partner_wanted(db: None) -> Person:
    """fr's wanted Jean Dupont (1980-01-02), received here with fr's alert in force: on the
    watchlist, and a hit on him goes to fr."""
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    person = receive_partners_wanted_person()
    Alert.objects.create(
        person=person,
        owner_node="fr",
        received_at=timezone.now(),
        alert_type="locate",
        action_on_hit="Inform the Police nationale.",
    )
    return person

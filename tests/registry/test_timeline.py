"""The person page's timeline and the share warnings are in words, in the reader's language,
with dates and codes isolated from the right-to-left text around them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.registry.actions import update_person
from liaison.registry.models import Warrant
from tests.registry.conftest import person_data

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose": "Border check", "reference": "CASE-7"}


@pytest.fixture
def web(login: Callable[[User], Client], officer: User) -> Client:
    client = login(officer)
    client.post("/registry/purpose/", {**PURPOSE, "next": "/registry/"})
    return client


@pytest.fixture
def changed(officer: User, warrant: Warrant) -> Warrant:
    data = person_data(
        "محمد بن عبد الله", "Mohamed Ben Abdallah", birth_dates=["1984-03-12"], place_of_birth="Fès"
    )
    update_person(actor=officer, person=warrant.person, data=data)
    return warrant


def _timeline(web: Client, warrant: Warrant, lang: str) -> str:
    page = web.get(f"/registry/persons/{warrant.person.uid}/", HTTP_ACCEPT_LANGUAGE=lang)
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="timeline"')
    return html[start : html.index("\n</ul>", start)]


def test_the_timeline_says_what_changed_in_words(web: Client, changed: Warrant) -> None:
    timeline = _timeline(web, changed, "en")
    assert "Recorded" in timeline and "Changed" in timeline
    # The warrant by its reference, the field by its name, the values old and new.
    assert "warrant <bdi>MA-2026-0042 (MA)</bdi>" in timeline
    assert "place of birth: <bdi>—</bdi> → <bdi>Fès</bdi>" in timeline
    for code in ("place_of_birth", "collect", "alter"):
        assert code not in timeline


def test_the_timeline_is_in_french_with_french_field_names(web: Client, changed: Warrant) -> None:
    timeline = _timeline(web, changed, "fr")
    assert "lieu de naissance:" in timeline
    assert "mandat <bdi>MA-2026-0042 (MA)</bdi>" in timeline
    assert "· personne ·" in timeline and "· person ·" not in timeline  # was "Collecte · person"


def test_arabic_pages_isolate_dates_and_codes_from_the_text(web: Client, changed: Warrant) -> None:
    timeline = _timeline(web, changed, "ar")
    assert "مكان الولادة" in timeline
    # Each line starts with its date and time isolated left to right: "14:30 2026-05-01"
    # would otherwise be shown with its parts swapped inside the Arabic line.
    dates = re.findall(r'<bdi dir="ltr">(\d{4}-\d\d-\d\d \d\d:\d\d)</bdi>', timeline)
    assert len(dates) == 3  # recorded person, recorded warrant, changed person
    page = web.get(
        f"/registry/persons/{changed.person.uid}/", HTTP_ACCEPT_LANGUAGE="ar"
    ).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert '<strong><bdi dir="ltr">MA-2026-0042</bdi></strong>' in page
    assert re.search(r'<bdi dir="ltr">\d{4}-\d\d-\d\d</bdi>', page.split('id="timeline"')[0])


def test_the_review_extension_fields_have_labels(
    login: Callable[[User], Client], supervisor: User, changed: Warrant
) -> None:
    from liaison.registry.actions import create_alert
    from tests.registry.conftest import arrest_alert

    create_alert(actor=supervisor, person=changed.person, data=arrest_alert(changed))
    client = login(supervisor)
    client.post("/registry/purpose/", {**PURPOSE, "next": "/registry/"})
    page = client.get(f"/registry/persons/{changed.person.uid}/").content.decode()
    for name in ("justification", "review_date"):
        fields = re.findall(rf'<input id="([\w-]+)" type="\w+" name="{name}"', page)
        assert fields, f"no {name} field with an id"
        for field in fields:  # the warrant's and the alert's extension forms
            assert re.search(rf'<label class="[^"]*" for="{field}">[^<]+</label>', page), field


def test_a_share_warning_names_the_record_in_words(
    login: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    from liaison.exchange.models import Peer
    from liaison.registry.actions import create_person, create_warrant
    from tests.registry.conftest import warrant_data

    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    lo = make_user("lo", "liaison_officer")
    person = create_person(actor=lo, data=person_data("Karim Tazi"))
    create_warrant(actor=lo, person=person, data=warrant_data(handling_code="H2"))
    person.warrants.update(handling_code="H3")  # may no longer go to partners
    client = login(lo)
    client.post("/registry/purpose/", {**PURPOSE, "next": "/registry/"})
    response = client.post(
        f"/registry/persons/{person.uid}/share/",
        {"partner": "fr"},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "mandat MA-2026-0042 (MA)" in warnings[0] and "H3" in warnings[0]
    assert "warrant" not in warnings[0]  # was "warrant MA-2026-0042 (MA): …", the code

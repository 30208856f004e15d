"""A record is never more visible than the record it belongs to (issue 10, finding 1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from liaison.accounts.models import User
from liaison.accounts.tokens import create_api_token
from liaison.exchange.models import OutboxEnvelope, Peer
from liaison.policy import Action, decide, restrict
from liaison.registry import actions
from liaison.registry.actions import AlertData, HitData, RegistryError
from liaison.registry.models import Alert, Hit, Person, Warrant
from liaison.registry.sharing.share import share_person
from tests.registry.conftest import person_data, warrant_data

pytestmark = pytest.mark.django_db
NAME = "Salma Bennani"


def _alert(**extra: object) -> AlertData:
    values: dict[str, object] = {"alert_type": "locate", "action_on_hit": "Call the desk."}
    return AlertData(**(values | extra))  # type: ignore[arg-type]


def _hit(**extra: object) -> HitData:
    values: dict[str, object] = {
        "encountered_name": NAME,
        "encountered_on": timezone.now(),
        "place": "Tanger Med",
        "context": "border_check",
    }
    return HitData(**(values | extra))  # type: ignore[arg-type]


def _api(user: User) -> Client:
    _row, raw = create_api_token(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def raised(supervisor: User) -> Person:
    """An H0 person with H0 children, then made H3 (named: the supervisor who created it)."""
    data = person_data(NAME)
    person = actions.create_person(actor=supervisor, data=data)
    warrant = actions.create_warrant(actor=supervisor, person=person, data=warrant_data())
    alert = actions.create_alert(
        actor=supervisor,
        person=person,
        data=_alert(facts="Seen in Lyon", warrant_id=warrant.pk),
    )
    actions.record_hit(actor=supervisor, person=person, data=_hit(alert_id=alert.pk))
    data.handling_code = "H3"
    return actions.update_person(actor=supervisor, person=person, data=data)


def test_children_of_an_h3_person_stay_out_of_api_lists(raised: Person, analyst: User) -> None:
    client = _api(analyst)
    for kind in ("warrants", "alerts", "hits"):
        body = client.get(f"/api/v1/{kind}").content.decode()
        assert str(raised.uid) not in body and NAME not in body and "Lyon" not in body


def test_the_creator_of_the_person_still_sees_its_children(
    raised: Person, supervisor: User
) -> None:
    for model in (Warrant, Alert, Hit):
        assert restrict(model.objects.all(), supervisor).count() == 1
    body = _api(supervisor).get("/api/v1/alerts").json()
    assert [a["handling_code"] for a in body] == ["H3"]  # effective, not its own H0


def test_an_officer_cannot_change_children_of_an_h3_person(raised: Person, officer: User) -> None:
    client = _api(officer)
    alert, hit = Alert.objects.get(), Hit.objects.get()
    json = "application/json"
    moved = client.post(f"/api/v1/alerts/{alert.uid}/status", {"status": "located"}, json)
    disposed = client.post(
        f"/api/v1/hits/{hit.uid}/disposition",
        {"disposition": "confirmed", "reason": "Fingerprints match."},
        json,
    )
    assert moved.status_code == disposed.status_code == 404
    assert Alert.objects.get().status == "active"
    assert Hit.objects.get().disposition == "pending"
    with pytest.raises(PermissionDenied):
        actions.set_alert_status(actor=officer, alert=alert, status="located")
    assert Alert.objects.get().status == "active"


def test_the_reviews_page_hides_children_of_an_h3_person(
    raised: Person, officer: User, login: Callable[[User], Client]
) -> None:
    Warrant.objects.update(review_date=timezone.localdate())
    Alert.objects.update(review_date=timezone.localdate())
    page = login(officer).get("/registry/reviews/")
    assert page.status_code == 200
    text = page.content.decode()
    assert NAME not in text and "MA-2026-0042" not in text


def test_a_new_child_takes_the_code_of_what_it_belongs_to(supervisor: User, officer: User) -> None:
    person = actions.create_person(actor=supervisor, data=person_data(NAME, handling_code="H2"))
    warrant = actions.create_warrant(actor=officer, person=person, data=warrant_data())
    alert = actions.create_alert(actor=officer, person=person, data=_alert(warrant_id=warrant.pk))
    hit = actions.record_hit(actor=officer, person=person, data=_hit(alert_id=alert.pk))
    stored = [m.objects.get().handling_code for m in (Warrant, Alert, Hit)]
    assert stored == ["H2", "H2", "H2"]
    assert hit.pk


def test_a_child_laxer_than_its_person_is_refused(supervisor: User, officer: User) -> None:
    person = actions.create_person(actor=supervisor, data=person_data(NAME, handling_code="H2"))
    with pytest.raises(RegistryError, match=r"less restricted.*H2"):
        actions.create_warrant(actor=officer, person=person, data=warrant_data(handling_code="H0"))
    assert not Warrant.objects.exists()


def test_a_child_may_be_stricter_than_its_person(supervisor: User, officer: User) -> None:
    person = actions.create_person(actor=supervisor, data=person_data(NAME, handling_code="H1"))
    actions.create_alert(actor=officer, person=person, data=_alert(handling_code="H2"))
    assert Alert.objects.get().handling_code == "H2"


def test_inheriting_h3_needs_no_supervisor_but_choosing_it_does(
    supervisor: User, officer: User
) -> None:
    named = person_data(NAME, handling_code="H3", named_recipients=["officer"])
    restricted = actions.create_person(actor=supervisor, data=named)
    actions.create_alert(actor=officer, person=restricted, data=_alert())
    assert Alert.objects.get().handling_code == "H3"
    plain = actions.create_person(actor=supervisor, data=person_data("Nour Haddad"))
    with pytest.raises(PermissionDenied, match="supervisor"):
        actions.create_alert(actor=officer, person=plain, data=_alert(handling_code="H3"))
    assert Alert.objects.filter(person=plain).count() == 0


def test_named_on_the_person_is_not_enough_for_an_h3_alert(
    supervisor: User, officer: User, make_user: Callable[..., User]
) -> None:
    person = actions.create_person(actor=supervisor, data=person_data(NAME))
    actions.create_alert(actor=supervisor, person=person, data=_alert(handling_code="H3"))
    alert = Alert.objects.get()
    assert decide(supervisor, Action.VIEW, alert)
    assert not decide(officer, Action.VIEW, alert)
    assert restrict(Alert.objects.all(), officer).count() == 0


def test_sharing_leaves_out_unseen_children_without_naming_them(
    supervisor: User, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    liaison = make_user("liaison", "liaison_officer")
    person = actions.create_person(actor=supervisor, data=person_data(NAME))
    hidden = actions.create_alert(
        actor=supervisor, person=person, data=_alert(handling_code="H3", facts="Seen in Lyon")
    )
    result = share_person(actor=liaison, person=person, partner="fr")
    assert result.skipped == []
    page = login(liaison).post(f"/registry/persons/{person.uid}/share/", follow=True)
    text = page.content.decode()
    assert "locate" not in text.lower() and str(hidden.uid) not in text
    body = _api(liaison).post(
        f"/api/v1/persons/{person.uid}/shares", {"partner": "fr"}, "application/json"
    )
    assert body.status_code == 201 and str(hidden.uid) not in body.content.decode()
    sent = set(OutboxEnvelope.objects.values_list("object_uid", flat=True))
    assert str(hidden.uid) not in sent and str(person.uid) in sent


def test_a_child_goes_to_partners_under_its_effective_code(
    supervisor: User, make_user: Callable[..., User]
) -> None:
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    liaison = make_user("liaison", "liaison_officer")
    data = person_data(NAME)
    person = actions.create_person(actor=supervisor, data=data)
    alert = actions.create_alert(actor=supervisor, person=person, data=_alert())
    data.handling_code = "H2"
    person = actions.update_person(actor=supervisor, person=person, data=data)
    share_person(actor=liaison, person=person, partner="fr")
    envelope = OutboxEnvelope.objects.get(object_uid=str(alert.uid))
    assert envelope.handling == "H2"


def test_a_flagged_person_keeps_its_children_home(
    supervisor: User, make_user: Callable[..., User]
) -> None:
    liaison = make_user("liaison", "liaison_officer")
    person = actions.create_person(actor=supervisor, data=person_data(NAME, neutrality_flag=True))
    alert = actions.create_alert(actor=supervisor, person=person, data=_alert())
    decision = decide(liaison, Action.DISCLOSE, Alert.objects.get(pk=alert.pk))
    assert not decision and "political" in str(decision.reason)


def test_the_child_form_offers_only_codes_at_least_as_strict(
    supervisor: User, officer: User, login: Callable[[User], Client]
) -> None:
    person = actions.create_person(actor=supervisor, data=person_data(NAME, handling_code="H2"))
    page = login(officer).get(f"/registry/persons/{person.uid}/alerts/new/").content.decode()
    assert 'value="H2" selected' in page and 'value="H3"' in page
    assert 'value="H0"' not in page and 'value="H1"' not in page

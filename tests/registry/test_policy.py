"""What the policy decides beyond the documented matrix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liaison.accounts.models import Agency, User
from liaison.audit.models import AuditEntry
from liaison.policy import Action, decide, lineage, restrict
from liaison.registry import actions
from liaison.registry.actions import RegistryError
from liaison.registry.models import Alert, Person, Warrant
from tests.registry.conftest import arrest_alert, person_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def h3_person(supervisor: User, officer: User) -> Person:
    data = person_data("Salma Bennani", handling_code="H3", named_recipients=["officer"])
    return actions.create_person(actor=supervisor, data=data)


def test_a_named_recipient_sees_an_h3_record_and_others_do_not(
    h3_person: Person, officer: User, make_user: Callable[..., User]
) -> None:
    colleague = make_user("colleague", "officer")
    assert decide(officer, Action.VIEW, h3_person)
    assert not decide(colleague, Action.VIEW, h3_person)
    assert list(restrict(Person.objects.all(), officer)) == [h3_person]
    assert list(restrict(Person.objects.all(), colleague)) == []


def test_h3_records_do_not_leak_through_api_counts_or_errors(
    h3_person: Person, make_user: Callable[..., User]
) -> None:
    from liaison.accounts.tokens import create_api_token

    colleague = make_user("colleague", "officer")
    _row, raw = create_api_token(user=colleague, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    missing = client.get(f"/api/v1/persons/{h3_person.uid}?purpose=checking+things")
    absent = client.get("/api/v1/persons/00000000-0000-0000-0000-000000000000?purpose=checking")
    assert missing.status_code == absent.status_code == 404
    assert missing.json() == absent.json()
    found = client.get("/api/v1/persons?name=Salma+Bennani&purpose=checking+things").json()
    assert found["results"] == [] and found["candidates"] == 0


def test_unknown_named_recipients_are_refused(supervisor: User) -> None:
    data = person_data("Salma Bennani", handling_code="H3", named_recipients=["nobody"])
    with pytest.raises(RegistryError, match="nobody"):
        actions.create_person(actor=supervisor, data=data)
    assert not Person.objects.exists()


def test_nobody_changes_deletes_or_discloses_a_partners_record(
    make_person: Callable[..., Person], make_user: Callable[..., User]
) -> None:
    person = make_person("Karim Benali")
    Person.objects.filter(pk=person.pk).update(owner_node="fr")
    person.refresh_from_db()
    for role in ("supervisor", "liaison_officer"):
        user = make_user(f"{role}-1", role)
        assert decide(user, Action.VIEW, person)
        for action in (Action.CHANGE, Action.DELETE, Action.DISCLOSE):
            assert not decide(user, action, person), (role, action)


def test_a_neutrality_flagged_record_is_never_disclosed(
    make_person: Callable[..., Person], make_user: Callable[..., User]
) -> None:
    liaison = make_user("liaison", "liaison_officer")
    flagged = make_person("Karim Benali", neutrality_flag=True)
    plain = make_person("Nour Haddad")
    assert decide(liaison, Action.DISCLOSE, plain)
    decision = decide(liaison, Action.DISCLOSE, flagged)
    assert not decision and "political" in str(decision.reason)


def test_accounts_of_no_agency_or_another_node_are_refused_everything(
    make_person: Callable[..., Person],
    make_user: Callable[..., User],
    partner_agency: Agency,
) -> None:
    person = make_person("Karim Benali")
    stray = make_user("stray", "supervisor", agency=None)
    foreign = make_user("foreign", "supervisor", agency=partner_agency)
    for user in (stray, foreign):
        for action in Action:
            assert not decide(user, action, person), (user, action)
        assert not restrict(Person.objects.all(), user).exists()


def test_lineage_reads_each_parent_once(warrant: Warrant, officer: User) -> None:
    """An alert's lineage: the alert, its person, its warrant; the warrant's person is the
    one already read (no third query), so a page of children costs no query per child."""
    alert = actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    fresh = Alert.objects.get(pk=alert.pk)  # nothing cached
    with CaptureQueriesContext(connection) as queries:
        family = list(lineage(fresh))
    assert [(type(r), r.pk) for r in family] == [
        (Alert, alert.pk),
        (Person, warrant.person.pk),
        (Warrant, warrant.pk),
    ]
    assert len(queries) == 2
    assert family[2].person is family[1]  # type: ignore[attr-defined]


def test_a_refusal_inside_an_action_is_audited_with_the_record_and_changes_nothing(
    warrant: Warrant, officer: User
) -> None:
    """authorise() refuses an officer's extension; atomic_action audits it after the rollback,
    naming the record."""
    alert = actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    before = Alert.objects.values("review_date", "version").get(pk=alert.pk)
    with pytest.raises(PermissionDenied, match="Only a supervisor may extend"):
        actions.extend_review(
            actor=officer,
            record=alert,
            new_date=before["review_date"] + timedelta(days=30),
            justification="The suspect is still at large abroad.",
        )
    assert Alert.objects.values("review_date", "version").get(pk=alert.pk) == before
    entry = AuditEntry.objects.get(action="permission_denied", actor_username="officer")
    assert (entry.object_type, entry.object_id) == ("alert", str(alert.uid))
    assert entry.detail == {
        "attempted": "extend",
        "reason": "Only a supervisor may extend a review date.",
    }


def test_nobody_and_the_anonymous_user_are_refused_and_see_nothing(h3_person: Person) -> None:
    """`None` is a share whose sharer is gone: refused like the anonymous user, not an error."""
    open_person = actions.create_person(
        actor=User.objects.get(username="officer"), data=person_data("Open Record")
    )
    assert Person.objects.count() == 2
    for nobody in (None, AnonymousUser()):
        for record in (None, open_person, h3_person):
            decision = decide(nobody, Action.VIEW, record)
            assert (decision.allowed, str(decision.reason)) == (False, "Sign in first.")
        assert list(restrict(Person.objects.all(), nobody)) == []

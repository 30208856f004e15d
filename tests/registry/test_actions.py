from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.registry import actions
from liaison.registry.actions import RegistryError
from liaison.registry.choices import (
    ALERT_TRANSITIONS,
    HIT_TRANSITIONS,
    WARRANT_TRANSITIONS,
    AlertStatus,
    HitDisposition,
    WarrantStatus,
)
from liaison.registry.models import Alert, Hit, NameKey, Person, PersonName, Warrant
from tests.registry.conftest import arrest_alert, person_data, warrant_data

pytestmark = pytest.mark.django_db


def _entries(action: str, object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type=object_type))


# Persons


def test_creating_a_person_records_names_in_their_scripts_and_audits_it(
    officer: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("محمد بن عبد الله", "Mohamed Ben Abdallah", birth_dates=["1984"])
    scripts = dict(PersonName.objects.filter(person=person).values_list("full_name", "script"))
    assert scripts == {"محمد بن عبد الله": "arab", "Mohamed Ben Abdallah": "latn"}
    assert person.version == 1 and person.owner_node == "ma"
    assert person.review_date > timezone.localdate() + timedelta(days=3 * 365 - 2)
    (entry,) = _entries("collect", "person")
    assert entry.object_id == str(person.uid) and entry.actor_username == "officer"


def test_a_person_without_a_name_is_refused_and_nothing_is_written(officer: User) -> None:
    with pytest.raises(RegistryError, match="at least one name"):
        actions.create_person(actor=officer, data=person_data("   "))
    assert not Person.objects.exists() and not _entries("collect", "person")


@pytest.mark.parametrize("dob", ["84", "1984-13", "1984-02-30x", "12/03/1984"])
def test_malformed_dates_of_birth_are_refused(officer: User, dob: str) -> None:
    with pytest.raises(RegistryError, match="YYYY"):
        actions.create_person(actor=officer, data=person_data("Karim Benali", birth_dates=[dob]))
    assert not Person.objects.exists()


def test_an_analyst_cannot_create_and_the_refusal_is_audited(analyst: User) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_person(actor=analyst, data=person_data("Karim Benali"))
    assert not Person.objects.exists()
    assert _entries("permission_denied", "person")


def test_only_a_supervisor_may_mark_a_person_h3(officer: User, supervisor: User) -> None:
    with pytest.raises(PermissionDenied, match="supervisor"):
        actions.create_person(actor=officer, data=person_data("Karim Benali", handling_code="H3"))
    person = actions.create_person(
        actor=supervisor, data=person_data("Karim Benali", handling_code="H3")
    )
    assert person.handling_code == "H3"


def test_changing_a_person_bumps_the_version_and_logs_what_changed(
    officer: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    data = person_data("Karim Benali", "كريم بن علي", nationalities=["ma", "FR"])
    person = actions.update_person(actor=officer, person=person, data=data)
    assert person.version == 2
    assert person.nationality_codes == ["FR", "MA"]
    (entry,) = _entries("alter", "person")
    assert set(entry.changes) == {"names", "nationalities"}
    assert NameKey.objects.filter(person=person).count() >= 2


def test_a_partners_person_cannot_be_changed_here(
    officer: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    Person.objects.filter(pk=person.pk).update(owner_node="fr")
    person.refresh_from_db()
    with pytest.raises(PermissionDenied, match="originating service"):
        actions.update_person(actor=officer, person=person, data=person_data("Karim B"))
    assert Person.objects.get(pk=person.pk).version == 1


def test_erasure_removes_the_data_and_keeps_only_ids_in_the_log(
    supervisor: User, warrant: Warrant
) -> None:
    person = warrant.person
    actions.erase_person(actor=supervisor, person=person, reason="Retention period over")
    assert not Person.objects.exists() and not Warrant.objects.exists()
    assert not PersonName.objects.exists() and not NameKey.objects.exists()
    (entry,) = _entries("erase", "person")
    assert entry.object_id == str(person.uid)
    assert entry.detail["attached"]["warrants"] == [str(warrant.uid)]
    assert "Mohamed" not in str(entry.detail) and "محمد" not in str(entry.detail)


def test_an_officer_cannot_erase(officer: User, warrant: Warrant) -> None:
    with pytest.raises(PermissionDenied):
        actions.erase_person(actor=officer, person=warrant.person, reason="x")
    assert Person.objects.exists()


# Warrants


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in WarrantStatus.values for t in WarrantStatus.values if s != t],
)
def test_warrant_transitions_follow_the_state_machine(
    officer: User, warrant: Warrant, start: str, target: str
) -> None:
    Warrant.objects.filter(pk=warrant.pk).update(status=start)
    warrant.refresh_from_db()
    if target in WARRANT_TRANSITIONS[start]:
        changed = actions.set_warrant_status(
            actor=officer, warrant=warrant, status=target, reason=REASON
        )
        assert changed.status == target and changed.version == 2
        assert _entries("alter", "warrant")[0].changes == {"status": [start, target]}
    else:
        with pytest.raises(RegistryError, match="cannot change from"):
            actions.set_warrant_status(actor=officer, warrant=warrant, status=target, reason=REASON)
        assert Warrant.objects.get(pk=warrant.pk).version == 1


def test_an_unknown_status_is_refused(officer: User, warrant: Warrant) -> None:
    with pytest.raises(RegistryError, match="Unknown status"):
        actions.set_warrant_status(actor=officer, warrant=warrant, status="lost")


def test_a_warrant_needs_an_offence_and_sane_dates(officer: User, warrant: Warrant) -> None:
    with pytest.raises(RegistryError, match="offence"):
        actions.create_warrant(actor=officer, person=warrant.person, data=warrant_data(offences=[]))
    bad_dates = warrant_data(expires_on=date(2020, 1, 1))
    with pytest.raises(RegistryError, match="expire before"):
        actions.create_warrant(actor=officer, person=warrant.person, data=bad_dates)
    assert Warrant.objects.count() == 1


# Alerts and the extradition safeguards


def test_an_arrest_alert_meeting_the_thresholds_is_issued(officer: User, warrant: Warrant) -> None:
    alert = actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    assert alert.status == AlertStatus.ACTIVE and alert.warrant == warrant
    assert _entries("collect", "alert")


@pytest.mark.parametrize(
    ("penalty", "remaining", "allowed"),
    [(24, None, True), (23, None, False), (None, 6, True), (12, 5, False), (None, None, False)],
)
def test_extradition_needs_two_years_or_six_months_left(
    officer: User, warrant: Warrant, penalty: int | None, remaining: int | None, allowed: bool
) -> None:
    Warrant.objects.filter(pk=warrant.pk).update(
        max_penalty_months=penalty, remaining_sentence_months=remaining
    )
    if allowed:
        actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    else:
        with pytest.raises(RegistryError, match="two years"):
            actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    assert Alert.objects.count() == int(allowed)


def test_extradition_needs_the_neutrality_declaration(officer: User, warrant: Warrant) -> None:
    undeclared = arrest_alert(warrant, not_political_declared=False)
    with pytest.raises(RegistryError, match="not political"):
        actions.create_alert(actor=officer, person=warrant.person, data=undeclared)
    flagged = arrest_alert(warrant, neutrality_flag=True)
    with pytest.raises(RegistryError, match="not political"):
        actions.create_alert(actor=officer, person=warrant.person, data=flagged)
    assert not Alert.objects.exists()


def test_extradition_needs_a_warrant(officer: User, warrant: Warrant) -> None:
    with pytest.raises(RegistryError, match="needs the warrant"):
        data = arrest_alert(warrant, warrant_id=None)
        actions.create_alert(actor=officer, person=warrant.person, data=data)


def test_a_locate_alert_needs_no_warrant(officer: User, warrant: Warrant) -> None:
    data = actions.AlertData(alert_type="locate", action_on_hit="Report the whereabouts.")
    assert actions.create_alert(actor=officer, person=warrant.person, data=data).warrant is None


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in AlertStatus.values for t in AlertStatus.values if s != t],
)
def test_alert_transitions_follow_the_state_machine(
    officer: User, warrant: Warrant, start: str, target: str
) -> None:
    alert = actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    Alert.objects.filter(pk=alert.pk).update(status=start)
    alert.refresh_from_db()
    if target in ALERT_TRANSITIONS[start]:
        moved = actions.set_alert_status(actor=officer, alert=alert, status=target, reason=REASON)
        assert moved.version == 2
    else:
        with pytest.raises(RegistryError):
            actions.set_alert_status(actor=officer, alert=alert, status=target, reason=REASON)
        assert Alert.objects.get(pk=alert.pk).status == start


# Review and retention


def test_only_a_supervisor_extends_a_review_with_a_justification(
    officer: User, supervisor: User, warrant: Warrant
) -> None:
    alert = actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    later = timezone.localdate() + timedelta(days=400)

    def row() -> tuple[object, ...]:
        return Alert.objects.values_list("review_date", "version", "extension_justification").get(
            pk=alert.pk
        )

    before, alters = row(), AuditEntry.objects.filter(action="alter", object_type="alert")
    with pytest.raises(PermissionDenied):
        actions.extend_review(actor=officer, record=alert, new_date=later, justification="x" * 30)
    with pytest.raises(RegistryError, match="justification"):
        actions.extend_review(actor=supervisor, record=alert, new_date=later, justification="short")
    assert row() == before and not alters.exists()  # refused: nothing changed
    extended = actions.extend_review(
        actor=supervisor, record=alert, new_date=later, justification="Suspect still at large."
    )
    assert extended.review_date == later and extended.version == 2
    assert row() == (later, 2, "Suspect still at large.")  # the row, not the returned object


def test_expired_records_are_erased_and_audited(officer: User, warrant: Warrant) -> None:
    alert = actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    Alert.objects.filter(pk=alert.pk).update(review_date=timezone.localdate() - timedelta(days=1))
    erased = actions.erase_expired_records()
    assert erased == [f"alert:{alert.uid}"]
    assert not Alert.objects.exists() and Warrant.objects.exists()
    assert _entries("erase", "alert")[0].object_id == str(alert.uid)


# Hits


def test_a_hit_is_scored_and_explained(officer: User, warrant: Warrant) -> None:
    data = actions.HitData(
        encountered_name="Muhammad bin Abdullah",
        encountered_on=timezone.now(),
        place="Port of Tanger Med",
        context="border_check",
    )
    hit = actions.record_hit(actor=officer, person=warrant.person, data=data)
    assert hit.score is not None and hit.score > 0.8
    assert hit.explanation["names"]["pairs"]


@pytest.mark.parametrize(
    ("start", "target"),
    [(s, t) for s in HitDisposition.values for t in HitDisposition.values if s != t],
)
def test_hit_dispositions_follow_the_state_machine(
    officer: User, warrant: Warrant, start: str, target: str
) -> None:
    data = actions.HitData(
        encountered_name="M. Ben Abdallah",
        encountered_on=timezone.now(),
        place="Casablanca",
        context="investigation",
    )
    hit = actions.record_hit(actor=officer, person=warrant.person, data=data)
    Hit.objects.filter(pk=hit.pk).update(disposition=start)
    hit.refresh_from_db()
    if target in HIT_TRANSITIONS[start]:
        moved = actions.dispose_hit(actor=officer, hit=hit, disposition=target, reason=REASON)
        assert moved.disposition == target
    else:
        with pytest.raises(RegistryError):
            actions.dispose_hit(actor=officer, hit=hit, disposition=target, reason=REASON)


# Rules found in review: sensitive changes, hidden persons, input from outside forms


REASON = "The case was closed by the court on 2 May."


def test_an_officer_cannot_lower_a_handling_code(
    officer: User, supervisor: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali", handling_code="H2")
    with pytest.raises(PermissionDenied, match="lower a handling code"):
        actions.update_person(actor=officer, person=person, data=person_data("Karim Benali"))
    assert Person.objects.get(pk=person.pk).handling_code == "H2"
    with pytest.raises(RegistryError, match="justification"):
        actions.update_person(actor=supervisor, person=person, data=person_data("Karim Benali"))
    assert Person.objects.get(pk=person.pk).handling_code == "H2"
    data = person_data("Karim Benali", justification=REASON)
    actions.update_person(actor=supervisor, person=person, data=data)
    assert Person.objects.get(pk=person.pk).handling_code == "H0"


def test_editing_keeps_the_review_date_and_only_a_supervisor_pushes_it_back(
    officer: User, supervisor: User, make_person: Callable[..., Person]
) -> None:
    person = make_person("Karim Benali")
    kept = actions.update_person(actor=officer, person=person, data=person_data("Karim B"))
    assert kept.review_date == person.review_date
    later = person.review_date + timedelta(days=365)
    with pytest.raises(PermissionDenied, match="extend a review date"):
        actions.update_person(
            actor=officer, person=person, data=person_data("Karim B", review_date=later)
        )
    data = person_data("Karim B", review_date=later, justification=REASON)
    actions.update_person(actor=supervisor, person=person, data=data)
    assert Person.objects.get(pk=person.pk).review_date == later


def test_nothing_can_be_attached_to_a_person_one_may_not_see(
    officer: User, supervisor: User
) -> None:
    hidden = actions.create_person(
        actor=supervisor, data=person_data("Salma Bennani", handling_code="H3")
    )
    with pytest.raises(PermissionDenied, match="named recipients"):
        actions.create_warrant(actor=officer, person=hidden, data=warrant_data())
    assert not Warrant.objects.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"nationalities": ["MAR"]}, "nationality"),
        ({"category": "fugitive"}, "category"),
        ({"sex": "X"}, "sex"),
        ({"country_of_birth": "Morocco"}, "country of birth"),
    ],
)
def test_values_from_outside_forms_get_the_models_rules(
    officer: User, extra: dict[str, object], message: str
) -> None:
    with pytest.raises(RegistryError, match=message):
        actions.create_person(actor=officer, data=person_data("Karim Benali", **extra))
    assert not Person.objects.exists()


def test_an_external_reference_is_unique_per_owner(officer: User) -> None:
    actions.create_person(actor=officer, data=person_data("Karim Benali", external_ref="2026/1"))
    with pytest.raises(RegistryError, match="external reference"):
        actions.create_person(actor=officer, data=person_data("K Benali", external_ref="2026/1"))
    assert Person.objects.count() == 1

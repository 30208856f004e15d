from __future__ import annotations

import pytest

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.policy import restrict
from liaison.registry.demo_data import bulk_seed_for_bench, plan_registry, seed_registry
from liaison.registry.models import Alert, Hit, NameKey, Person, PersonName, Warrant
from liaison.registry.search import blocking_keys, search_persons


def snapshot() -> list[tuple[object, ...]]:
    """What a seeding wrote, independent of ids and timestamps."""
    return [
        (
            tuple((n.kind, n.script, n.full_name) for n in p.names.all()),
            tuple(b.value for b in p.birth_dates.all()),
            tuple(p.nationality_codes),
            p.category,
            tuple(sorted(w.reference for w in p.warrants.all())),
            tuple(sorted(a.alert_type for a in p.alerts.all())),
            tuple(sorted((h.encountered_name, h.disposition) for h in p.hits.all())),
        )
        for p in Person.objects.order_by("pk").prefetch_related(
            "names", "birth_dates", "nationalities", "warrants", "alerts", "hits"
        )
    ]


@pytest.mark.django_db
def test_seeding_gives_persons_in_both_scripts_with_warrants_alerts_and_hits(
    officer: User,
) -> None:
    assert seed_registry(actor=officer, count=30, seed=2026) == 30
    assert Person.objects.count() == 30
    both = Person.objects.filter(names__script="arab").filter(names__script="latn").distinct()
    assert both.count() >= 5
    assert PersonName.objects.filter(kind="transliteration").exists()
    assert Warrant.objects.exists()
    assert Alert.objects.filter(alert_type="arrest", not_political_declared=True).exists()
    assert Alert.objects.exclude(alert_type="arrest").exists()
    assert Hit.objects.exclude(score=None).exists()
    assert set(Person.objects.values_list("owner_node", flat=True)) == {"ma"}


@pytest.mark.django_db
def test_every_arrest_alert_meets_the_extradition_safeguards(officer: User) -> None:
    seed_registry(actor=officer, count=40, seed=7)
    for alert in Alert.objects.filter(alert_type="arrest").select_related("warrant"):
        warrant = alert.warrant
        assert warrant is not None and warrant.extradition_sought
        assert (warrant.max_penalty_months or 0) >= 24 or (
            warrant.remaining_sentence_months or 0
        ) >= 6


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_registry(officer: User) -> None:
    seed_registry(actor=officer, count=20, seed=11)
    first = snapshot()
    Person.objects.all().delete()
    seed_registry(actor=officer, count=20, seed=11)
    assert snapshot() == first


def test_another_seed_gives_other_persons() -> None:
    def names(seed: int) -> list[str]:
        return [p.person.names[0].full_name for p in plan_registry(20, seed)]

    assert names(1) == names(1)
    assert names(1) != names(2)


@pytest.mark.django_db
def test_every_created_record_is_audited(officer: User) -> None:
    seed_registry(actor=officer, count=30, seed=2026)
    records = sum(model.objects.count() for model in (Person, Warrant, Alert, Hit))
    collected = AuditEntry.objects.filter(action="collect", actor_username="officer")
    assert collected.count() == records
    disposed = Hit.objects.exclude(disposition="pending").count()
    assert AuditEntry.objects.filter(action="alter", object_type="hit").count() == disposed


@pytest.mark.django_db
def test_the_bench_seeder_refuses_to_run_unless_told_it_is_a_bench() -> None:
    with pytest.raises(RuntimeError, match="bench=True"):
        bulk_seed_for_bench(10, 1)
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_the_bench_seeder_writes_searchable_persons_fast(officer: User) -> None:
    assert bulk_seed_for_bench(60, 5, bench=True) == 60
    assert not AuditEntry.objects.exists()
    target = Person.objects.filter(names__script="arab").first()
    assert target is not None
    latin = target.names.filter(script="latn").first()
    assert latin is not None
    outcome = search_persons(restrict(Person.objects.all(), officer), name=latin.full_name)
    assert target in [r.person for r in outcome.results]


@pytest.mark.django_db
def test_the_bench_seeder_writes_each_planned_part_once_with_its_search_keys() -> None:
    # Its parts are inserted as plain rows: read back, they are the plan's, and each
    # person's keys are those the registry's own indexing would give its names.
    plans = list(plan_registry(40, 3))
    bulk_seed_for_bench(40, 3, bench=True)
    persons = Person.objects.order_by("pk").prefetch_related(
        "names", "birth_dates", "nationalities"
    )
    assert len(persons) == len(plans)
    for person, plan in zip(persons, plans, strict=True):
        names = [n.full_name for n in plan.person.names]
        assert [n.full_name for n in person.names.order_by("pk")] == names
        assert [(n.given_names, n.family_name, n.kind) for n in person.names.order_by("pk")] == [
            (n.given_names, n.family_name, n.kind) for n in plan.person.names
        ]
        assert {n.script for n in person.names.all()} <= {"latn", "arab"}
        assert sorted(b.value for b in person.birth_dates.all()) == sorted(plan.person.birth_dates)
        assert sorted(person.nationality_codes) == sorted(set(plan.person.nationalities))
        keys = NameKey.objects.filter(person=person).values_list("key", flat=True)
        assert sorted(keys) == sorted(blocking_keys(names))

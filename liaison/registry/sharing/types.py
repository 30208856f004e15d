"""The registry's record types in the exchange's sharing contract.

`register()` (from RegistryConfig.ready) plugs in five record types: persons, their
warrants and alerts (upserts and withdrawals), hits (`hit.notify`, back to the person's
owner) and the owner's decisions on them (`hitdecision.upsert`, back to the hit's
recorder).
"""

from __future__ import annotations

from liaison.exchange.sharing import RecordType, register_record_type
from liaison.records import disclose_refusal, finder, withdraw_applier
from liaison.registry.dependents import Departure, end_dependents
from liaison.registry.models import Alert, Hit, HitDecision, Person, Warrant
from liaison.registry.sharing import records
from liaison.registry.sharing.share import hit_refusal


def register() -> None:
    owned: tuple[type[Person | Warrant | Alert], ...] = (Person, Warrant, Alert)
    for order, model in enumerate(owned):
        register_record_type(_owned_type(model, order))
    register_record_type(
        RecordType(
            name="hit",
            body=records.HitBody,
            serialise=records.hit_object,
            apply=records.apply_hit,
            find=finder(Hit),
            refusal=hit_refusal,
            message="hit.notify",
            resync_order=3,
        )
    )
    register_record_type(
        RecordType(
            name="hitdecision",
            body=records.HitDecisionBody,
            serialise=records.decision_object,
            apply=records.apply_hit_decision,
            find=finder(HitDecision),
            refusal=hit_refusal,
            resync_order=4,
        )
    )


def _owned_type(model: type[Person | Warrant | Alert], order: int) -> RecordType:
    """Persons, warrants and alerts: shared by a liaison officer, updated and withdrawn."""
    name = model._meta.model_name or ""
    return RecordType(
        name=name,
        body=records.BODIES[name],
        serialise=records.SERIALISERS[name],
        apply=records.APPLIERS[name],
        find=finder(model),
        refusal=disclose_refusal,
        withdraw=withdraw_applier(model, name, _person_withdrawn if model is Person else None),
        resync_order=order,
        read_ahead=records.persons_read_ahead if model is Person else None,
    )


def _person_withdrawn(sender: str, record: Person | Warrant | Alert) -> None:
    """Our records of a partner's person (our bans on it) end before its copy goes."""
    if isinstance(record, Person):
        reason = "person withdrawn by its owner"
        end_dependents(Departure(record, reason, peer_node=sender))

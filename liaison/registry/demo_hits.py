"""The demo's hits between `ma` and `fr`, followed to their outcomes, so that the plan's
dashboard shows arrests and an extradition.

Four phases, because each step needs the other node's record: `share` (partnered, before
the nodes start: ma shares a few wanted persons with fr), `record` (fr, once they have
arrived: it meets them), `confirm` (ma, once the hits have arrived: it confirms them) and
`follow` (fr, once the decisions have arrived: it records what became of each person).
Each goes through the actions, as an officer would; a second run changes nothing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from liaison.accounts.models import User
from liaison.refusals import Refused
from liaison.registry.actions import HitData, decide_hit, record_hit, record_hit_outcome
from liaison.registry.choices import AlertStatus, HitDecisionKind, HitOutcome
from liaison.registry.models import Hit, HitDecision, Person
from liaison.registry.sharing.share import share_person

# The node whose persons are met, and the node whose officers meet them.
OWNER, RECORDER = "ma", "fr"


@dataclass(frozen=True)
class DemoHit:
    days_ago: int
    place: str
    # What became of the person: (outcome, days ago), in order.
    outcomes: tuple[tuple[str, int], ...]


DEMO_HITS = (
    DemoHit(
        75,
        "Marseille, port de la Joliette",
        (
            (HitOutcome.ARRESTED, 75),
            (HitOutcome.EXTRADITION_REQUESTED, 70),
            (HitOutcome.EXTRADITED, 20),
        ),
    ),
    DemoHit(30, "Paris, aéroport Charles-de-Gaulle", ((HitOutcome.ARRESTED, 29),)),
    DemoHit(12, "Lyon, gare Part-Dieu", ((HitOutcome.LOCATED, 11),)),
)


def _user(role: str) -> User:
    return User.objects.get(username=f"{settings.NODE_ID}-{role}")


def _wait(query: QuerySet[Any], count: int, wait: float) -> None:
    deadline = time.monotonic() + wait
    while query.count() < count and time.monotonic() < deadline:
        time.sleep(0.5)


def share_demo_persons(partner: str) -> int:
    """ma: the first wanted persons with an active alert, shared with the partner (once)."""
    if settings.NODE_ID != OWNER:
        return 0
    liaison = _user("liaison-officer")
    candidates = (
        Person.objects.filter(owner_node=OWNER, alerts__status=AlertStatus.ACTIVE)
        .filter(handling_code__in=["H0", "H1"], neutrality_flag=False)
        .distinct()
        .order_by("pk")
    )
    shared = 0
    for person in candidates:
        if shared == len(DEMO_HITS):
            break
        try:
            share_person(actor=liaison, person=person, partner=partner)
        except (Refused, PermissionDenied):
            continue
        shared += 1
    return shared


def _met(partner: str) -> list[Person]:
    """The partner's persons received here, in the order they were created at the owner."""
    return list(Person.objects.filter(owner_node=partner).order_by("created_at", "pk"))


def record_demo_hits(partner: str, *, wait: float = 60) -> int:
    """fr: its officers meet the persons ma shared (once)."""
    ours = Hit.objects.filter(owner_node=RECORDER, person__owner_node=partner)
    if settings.NODE_ID != RECORDER or ours.exists():
        return 0
    _wait(Person.objects.filter(owner_node=partner), len(DEMO_HITS), wait)
    officer = _user("officer")
    count = 0
    for plan, person in zip(DEMO_HITS, _met(partner), strict=False):
        alert = person.alerts.order_by("pk").first()
        data = HitData(
            encountered_name=str(person),
            encountered_on=timezone.now() - timedelta(days=plan.days_ago),
            place=plan.place,
            context="border_check",
            alert_id=alert.pk if alert else None,
            action_taken="Identité vérifiée ; personne retenue, le service d'origine est avisé.",
        )
        record_hit(actor=officer, person=person, data=data)
        count += 1
    return count


def confirm_demo_hits(partner: str, *, wait: float = 60) -> int:
    """ma: confirms the partner's hits on its persons (once)."""
    if settings.NODE_ID != OWNER:
        return 0
    _wait(Hit.objects.filter(owner_node=partner), len(DEMO_HITS), wait)
    liaison = _user("liaison-officer")
    count = 0
    for hit in Hit.objects.filter(owner_node=partner, decisions__isnull=True).order_by("pk"):
        message = "Identité confirmée par les empreintes : procédez à l'interpellation."
        decide_hit(actor=liaison, hit=hit, decision=HitDecisionKind.CONFIRMED, message=message)
        count += 1
    return count


def follow_demo_hits(partner: str, *, wait: float = 60) -> int:
    """fr: once ma confirmed, what became of each person (once)."""
    if settings.NODE_ID != RECORDER:
        return 0
    decisions = HitDecision.objects.filter(owner_node=partner)
    _wait(decisions, len(DEMO_HITS), wait)
    officer = _user("officer")
    today = timezone.localdate()
    count = 0
    hits = Hit.objects.filter(owner_node=RECORDER, person__owner_node=partner, outcome="")
    by_place = {plan.place: plan for plan in DEMO_HITS}
    for hit in hits.filter(decisions__decision=HitDecisionKind.CONFIRMED).distinct():
        plan = by_place.get(hit.place)
        for outcome, days_ago in plan.outcomes if plan else ():
            on = today - timedelta(days=days_ago)
            record_hit_outcome(actor=officer, hit=hit, outcome=outcome, on=on)
            count += 1
    return count


PHASES = {
    "share": share_demo_persons,
    "record": record_demo_hits,
    "confirm": confirm_demo_hits,
    "follow": follow_demo_hits,
}

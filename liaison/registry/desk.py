"""The registry's sections of the desk (liaison/desk/sources.py), registered from
RegistryConfig.ready(): what partners sent us, partners' hits on our persons, and the
reviews due for those who can act on them. Every feed is scoped by the policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liaison.desk.sources import (
    DeskItem,
    DeskSource,
    Feed,
    first_arrival,
    partner_of,
    register_desk_source,
    since,
    with_partner_name,
    withdrawal_feed,
)
from liaison.policy import Action, decide, restrict
from liaison.registry.models import Alert, Hit, Person, Warrant
from liaison.registry.queries import records_due_for_review, with_person_name

if TYPE_CHECKING:
    from liaison.accounts.models import User


_ARRIVED: dict[tuple[str, bool], Promise] = {
    ("person", True): _("New person shared by a partner"),
    ("person", False): _("Person updated by the partner"),
    ("warrant", True): _("New warrant shared by a partner"),
    ("warrant", False): _("Warrant updated by the partner"),
    ("alert", True): _("New alert shared by a partner"),
    ("alert", False): _("Alert updated by the partner"),
}
_WITHDRAWN: dict[str, str | Promise] = {
    "person": _("A partner withdrew a person it had shared"),
    "warrant": _("A partner withdrew a warrant it had shared"),
    "alert": _("A partner withdrew an alert it had shared"),
}


def _may_view(user: User) -> bool:
    return decide(user, Action.VIEW).allowed


def _received(model: Any, user: User) -> QuerySet[Any]:
    rows = model.objects.exclude(owner_node=settings.NODE_ID).filter(received_at__gte=since())
    return with_partner_name(restrict(rows, user))


def _person_url(person: Person | Any) -> str:
    return reverse("registry:person", kwargs={"uid": person.uid})


def _arrival(record: Any, kind: str, label: str, person: Any) -> DeskItem:
    return DeskItem(
        key=record.uid,
        version=record.version,
        title=_ARRIVED[(kind, first_arrival(record))],
        label=label,
        at=record.received_at,
        partner=partner_of(record),
        url=_person_url(person),
    )


def _person_item(person: Any) -> DeskItem:
    return _arrival(person, "person", person.person_name or "", person)


def _warrant_item(warrant: Any) -> DeskItem:
    label = f"{warrant.reference} · {warrant.person_name or ''}"
    return _arrival(warrant, "warrant", label, warrant.person)


def _alert_item(alert: Any) -> DeskItem:
    label = f"{alert.get_alert_type_display()} · {alert.person_name or ''}"
    return _arrival(alert, "alert", label, alert.person)


def _received_feeds(user: User) -> list[Feed]:
    return [
        Feed(with_person_name(_received(Person, user), "pk"), _person_item),
        Feed(with_person_name(_received(Warrant, user).select_related("person")), _warrant_item),
        Feed(with_person_name(_received(Alert, user).select_related("person")), _alert_item),
        withdrawal_feed(_WITHDRAWN),
    ]


def _hit_item(hit: Any) -> DeskItem:
    title = (
        _("Hit recorded by a partner") if first_arrival(hit) else _("Hit updated by the partner")
    )
    return DeskItem(
        key=hit.uid,
        version=hit.version,
        title=title,
        label=hit.person_name or "",
        detail=hit.encountered_name,
        at=hit.encountered_on,
        partner=partner_of(hit),
        place=hit.place,
        url=_person_url(hit.person),
    )


def _hit_feeds(user: User) -> list[Feed]:
    # Partners' hits on this node's persons: owned by the partner, attached to our person.
    # EXISTS on the hit's own person, rather than a join: the databases then start from
    # the hits received in the window (indexed), not from every person of ours.
    ours = Person.objects.filter(pk=OuterRef("person"), owner_node=settings.NODE_ID)
    rows = _received(Hit, user).filter(Exists(ours))
    return [Feed(with_person_name(rows.select_related("person")), _hit_item)]


def _may_extend(user: User) -> bool:
    return decide(user, Action.EXTEND).allowed


def _review_item(record: Any) -> DeskItem:
    if isinstance(record, Warrant):
        title, label = _("Warrant due for review"), record.reference
    else:
        title, label = _("Alert due for review"), str(record.get_alert_type_display())
    return DeskItem(
        key=record.uid,
        version=record.version,
        title=title,
        label=f"{label} · {record.person_name or ''}",
        at=record.review_date,
        url=_person_url(record.person),
    )


def _review_feeds(user: User) -> list[Feed]:
    due = records_due_for_review(user)
    return [
        Feed(with_person_name(due[kind]), _review_item, order_by="review_date")
        for kind in ("warrants", "alerts")
    ]


def register() -> None:
    register_desk_source(
        DeskSource(
            key="received",
            title=_("Received from partners"),
            may_see=_may_view,
            feeds=_received_feeds,
            order=10,
            empty=_("Nothing received from partners in the last 30 days."),
        )
    )
    register_desk_source(
        DeskSource(
            key="hits",
            title=_("Hits on our persons recorded by partners"),
            may_see=_may_view,
            feeds=_hit_feeds,
            order=20,
            empty=_("No partner recorded a hit on our persons in the last 30 days."),
        )
    )
    # Only those who may extend a review date can act on a review (docs/roles.md).
    register_desk_source(
        DeskSource(
            key="reviews",
            title=_("Reviews due"),
            may_see=_may_extend,
            feeds=_review_feeds,
            order=40,
            oldest_first=True,
            empty=_("Nothing comes up for review within four months."),
            more_url=lambda user: reverse("registry:reviews"),
        )
    )

"""Events on the desk (liaison/desk/sources.py): events and stadium bans partners shared
with us, their updates and withdrawals. Registered from EventsConfig.ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liaison.desk.sources import (
    DeskItem,
    DeskSource,
    Feed,
    first_arrival,
    may_list,
    partner_of,
    register_desk_source,
    since,
    with_partner_name,
    withdrawal_feed,
)
from liaison.events.ban_queries import bans_visible_to
from liaison.events.models import BanKind, Event
from liaison.policy import Action, restrict
from liaison.registry.queries import with_person_name

if TYPE_CHECKING:
    from liaison.accounts.models import User


def _event_item(event: Event) -> DeskItem:
    first = first_arrival(event)
    return DeskItem(
        key=event.uid,
        version=event.version,
        title=_("New event shared by a partner") if first else _("Event updated by the partner"),
        label=event.name,
        at=event.received_at,
        partner=partner_of(event),
        url=reverse("events:detail", kwargs={"uid": event.uid}),
    )


_BAN_ARRIVED = {
    (BanKind.STADIUM_BAN, True): _("New stadium ban shared by a partner"),
    (BanKind.STADIUM_BAN, False): _("Stadium ban updated by the partner"),
    (BanKind.RISK_SUPPORTER, True): _("New risk supporter shared by a partner"),
    (BanKind.RISK_SUPPORTER, False): _("Risk supporter updated by the partner"),
}


def _ban_item(ban: Any) -> DeskItem:  # a Ban annotated with person_name
    return DeskItem(
        key=ban.uid,
        version=ban.version,
        title=_BAN_ARRIVED[(BanKind(ban.kind), first_arrival(ban))],
        label=ban.person_name or "",
        at=ban.received_at,
        partner=partner_of(ban),
        url=reverse("events:ban", kwargs={"uid": ban.uid}),
    )


def _feeds(user: User) -> list[Feed]:
    rows = Event.objects.exclude(owner_node=settings.NODE_ID).filter(received_at__gte=since())
    # A ban is seen by those who see its person (bans_visible_to): an H3 person's stays hidden.
    bans = bans_visible_to(user).exclude(owner_node=settings.NODE_ID)
    return [
        Feed(with_partner_name(restrict(rows, user, Action.LIST)), _event_item),
        Feed(with_person_name(with_partner_name(bans.filter(received_at__gte=since()))), _ban_item),
        withdrawal_feed(
            {
                "event": _("A partner withdrew an event it had shared"),
                "ban": _("A partner withdrew a ban it had shared"),
            }
        ),
    ]


def register() -> None:
    register_desk_source(
        DeskSource(
            key="events",
            title=_("Major events and stadium bans shared by partners"),
            may_see=may_list,
            feeds=_feeds,
            order=30,
            empty=_("No event or ban received from partners in the last 30 days."),
        )
    )

"""Events on the desk (liaison/desk/sources.py): events and stadium bans partners shared
with us, their updates and withdrawals; confirmations that wait for a second officer.
Registered from EventsConfig.ready()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
from liaison.events.models import AccreditationList, BanKind, CandidateStatus, Event
from liaison.events.queries import lists_awaiting_second_officer, may_decide_candidates
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


def _awaiting_item(lst: AccreditationList) -> DeskItem:  # annotated: waiting, last_proposed
    url = reverse("events:review", kwargs={"uid": lst.event.uid, "list_uid": lst.uid})
    return DeskItem(
        key=lst.uid,
        version=lst.waiting,  # type: ignore[attr-defined]
        title=_("Confirmations awaiting a second officer"),
        label=f"{lst.event.name} · {lst.name}",
        detail=ngettext(
            "%(count)d confirmation proposed by another officer",
            "%(count)d confirmations proposed by other officers",
            lst.waiting,  # type: ignore[attr-defined]
        )
        % {"count": lst.waiting},  # type: ignore[attr-defined]
        at=lst.last_proposed,  # type: ignore[attr-defined]
        url=f"{url}?status={CandidateStatus.PROPOSED}",
    )


def register() -> None:
    # A state, not an arrival: listed while a proposal waits, however old. Unread again
    # when more wait than when the user last opened it.
    register_desk_source(
        DeskSource(
            key="event-proposals",
            title=_("Event screening: confirmations awaiting a second officer"),
            may_see=may_decide_candidates,
            feeds=lambda user: [
                Feed(
                    lists_awaiting_second_officer(user),
                    _awaiting_item,
                    version="waiting",
                    order_by="-last_proposed",
                )
            ],
            order=25,
            empty=_("No confirmation awaits a second officer."),
        )
    )
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

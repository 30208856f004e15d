"""Delivery problems, for node administrators: envelopes set aside or rejected by a partner,
and partners the worker cannot reach. Registered by the desk itself, since the exchange
imports no app above it (the same facts as `liaison peers list` and the partners page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.desk.sources import (
    DeskItem,
    DeskSource,
    Feed,
    register_desk_source,
    since,
)
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer

if TYPE_CHECKING:
    from liaison.accounts.models import User


def may_manage_peers(user: User) -> bool:
    return bool(user.is_active and user.has_perm("accounts.manage_peers"))


def _problems() -> Any:
    # Set aside: waiting for an administrator, however old. Rejected: recent refusals.
    waiting = Q(state=OutboxState.SET_ASIDE)
    refused = Q(state=OutboxState.REJECTED, created_at__gte=since())
    return OutboxEnvelope.objects.filter(waiting | refused).select_related("peer")


def _describe(row: OutboxEnvelope) -> DeskItem:
    if row.state == OutboxState.SET_ASIDE:
        title = _("Envelope set aside after repeated failures")
    else:
        title = _("Envelope rejected by the partner")
    return DeskItem(
        key=row.envelope_id,
        version=row.attempts,
        title=title,
        label=f"#{row.seq} {row.message_type}",
        at=row.created_at,
        partner=row.peer.agency or row.peer.node_id,
        place=row.reason or row.detail[:120],
        url=reverse("exchange:peers"),
    )


def _feeds(user: User) -> list[Feed]:
    # The attempts count versions an item: set aside again after a retry, it is unread again.
    feed = Feed(
        _problems(), _describe, key="envelope_id", version="attempts", order_by="-created_at"
    )
    return [feed]


def _unreachable(user: User) -> list[str]:
    peers = Peer.objects.filter(failures__gt=0).order_by("node_id")
    return [
        _("%(partner)s cannot be reached (%(failures)d failed attempts): %(error)s")
        % {
            "partner": peer.agency or peer.node_id,
            "failures": peer.failures,
            "error": peer.last_error[:200],
        }
        for peer in peers
    ]


def register() -> None:
    register_desk_source(
        DeskSource(
            key="delivery",
            title=gettext_lazy("Delivery problems"),
            may_see=may_manage_peers,
            feeds=_feeds,
            order=90,
            empty=gettext_lazy("Every envelope was delivered or is on its way."),
            more_url=lambda user: reverse("exchange:peers"),
            notes=_unreachable,
        )
    )

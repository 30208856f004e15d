"""Every change to events: atomic, permission-checked, versioned, audited, and followed to
the partners holding a copy (through the exchange's sharing contract)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor
from liaison.audit.actions import log_event
from liaison.core.field_rules import FieldRuleError, line
from liaison.events.models import Event
from liaison.events.sharing import FIELDS, MAX_VENUES
from liaison.exchange import sharing
from liaison.exchange.protocol import NODE_ID
from liaison.policy import Action, atomic_action, authorise
from liaison.records import clean_or_refuse
from liaison.refusals import Refused


class EventError(Refused):
    """A change to an event that the rules refuse; the message says why."""


@dataclass
class EventData:
    name: str
    starts_on: date
    ends_on: date
    host_node: str
    venues: list[str] = field(default_factory=list)
    partner_nodes: list[str] = field(default_factory=list)
    description: str = ""
    handling_code: str = "H0"


def _checked(rule: Callable[[str], str], value: str, label: str) -> str:
    try:
        return rule(value)
    except FieldRuleError as error:
        raise EventError(_("%(field)s: %(problem)s") % {"field": label, "problem": error}) from None


def _node(value: str) -> str:
    if not re.fullmatch(NODE_ID, value):
        raise FieldRuleError(_("Use a node id such as ma or fr."))
    return value


def _values(data: EventData) -> dict[str, Any]:
    if data.ends_on < data.starts_on:
        raise EventError(_("An event cannot end before it starts."))
    venues = [_checked(line, v.strip(), _("Venue")) for v in data.venues if v.strip()]
    if len(venues) > MAX_VENUES:
        raise EventError(_("At most %(n)d venues.") % {"n": MAX_VENUES})
    host = _checked(_node, data.host_node.strip(), _("Host service"))
    named = [n.strip() for n in data.partner_nodes if n.strip()]
    partners = sorted({_checked(_node, n, _("Partner services")) for n in named} - {host})
    values = {name: getattr(data, name) for name in FIELDS}
    values |= {"venues": venues, "host_node": host, "partner_nodes": partners}
    return values | {"name": data.name.strip()}


@atomic_action
def create_event(*, actor: Actor, data: EventData, request: HttpRequest | None = None) -> Event:
    user = authorise(
        actor, Action.CREATE, handling_code=data.handling_code, request=request, object_type="event"
    )
    event = Event(
        owner_node=settings.NODE_ID,
        created_by=user,
        handling_code=data.handling_code,
        **_values(data),
    )
    clean_or_refuse(event, EventError)
    event.save()
    log_event(
        action="collect", request=request, actor=user, object_type="event", object_id=str(event.uid)
    )
    return event


@atomic_action
def update_event(
    *, actor: Actor, event: Event, data: EventData, request: HttpRequest | None = None
) -> Event:
    """Change the event (this node's own only); partners holding it get the new version."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    authorise(
        actor,
        Action.CHANGE,
        event,
        handling_code=data.handling_code,
        request=request,
        object_type="event",
    )
    before = {name: getattr(event, name) for name in [*FIELDS, "handling_code"]}
    for name, value in (_values(data) | {"handling_code": data.handling_code}).items():
        setattr(event, name, value)
    clean_or_refuse(event, EventError)
    changes = {k: [v, getattr(event, k)] for k, v in before.items() if v != getattr(event, k)}
    if not changes:
        return event
    event.version += 1
    event.save()
    sharing.push_update("event", event)
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type="event",
        object_id=str(event.uid),
        changes=changes,
        detail={"version": event.version},
    )
    return event


@atomic_action
def share_event(
    *, actor: Actor, event: Event, partner: str, request: HttpRequest | None = None
) -> str:
    """Send the event to `partner`; returns the envelope id (the worker delivers it)."""
    authorise(actor, Action.DISCLOSE, event, request=request, object_type="event")
    peer = sharing.peer_for(partner)
    row = sharing.send(peer, "event", Event.objects.get(pk=event.pk), actor=actor, request=request)
    return str(row.envelope_id)

"""Every change to risk supporters and stadium bans: atomic, permission-checked,
versioned, audited, followed to the partners holding a copy (the sharing contract), and
expired by the worker once their validity has passed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor
from liaison.audit.actions import log_event
from liaison.core.field_rules import FieldRuleError, text
from liaison.events.ban_sharing import FIELDS
from liaison.events.models import Ban, BanStatus, Event
from liaison.events.queries import events_visible_to
from liaison.exchange import sharing
from liaison.exchange.sharing import ShareResult
from liaison.policy import Action, atomic_action, authorise, effective_handling_code, strictest
from liaison.records import clean_or_refuse
from liaison.refusals import Refused
from liaison.registry.dependents import Departure
from liaison.registry.models import Person
from liaison.registry.sharing.share import share_person

OBJECT = "ban"


class BanError(Refused):
    """A change to a ban that the rules refuse; the message says why."""


@dataclass
class BanData:
    kind: str
    issuing_authority: str
    valid_from: date
    valid_until: date
    grounds: str
    competitions: str = ""
    events: list[UUID] = field(default_factory=list)
    handling_code: str = ""  # empty: the person's (effective) code


def _events(actor: Actor, uids: list[UUID]) -> list[Event]:
    """The events named, each one the actor may see; a refusal names none it may not."""
    wanted = set(uids)
    found = list(events_visible_to(actor, Action.VIEW).filter(uid__in=wanted))
    if len(found) != len(wanted):
        raise BanError(_("An event concerned is not one you can see here."))
    return found


def _values(data: BanData) -> dict[str, Any]:
    if data.valid_until < data.valid_from:
        raise BanError(_("A ban cannot end before it starts."))
    values = {name: getattr(data, name) for name in FIELDS}
    values |= {"issuing_authority": data.issuing_authority.strip()}
    values |= {"grounds": data.grounds.strip(), "competitions": data.competitions.strip()}
    # Recorded after its end (a past order, for the record): expired from the start.
    ended = data.valid_until < timezone.localdate()
    return values | {"status": BanStatus.EXPIRED if ended else BanStatus.ACTIVE}


def _handling(actor: Actor, requested: str, person: Person, request: HttpRequest | None) -> str:
    """The ban's code: the person's unless a stricter one is asked for; a laxer one is
    refused (it would not be the effective code). Inheriting H3 needs no supervisor."""
    inherited = effective_handling_code(person)
    code = strictest(requested or inherited)
    if strictest(code, inherited) != code:
        raise BanError(
            _("It cannot be less restricted than the person it concerns (%(code)s).")
            % {"code": inherited}
        )
    chosen = code if code != inherited else None
    authorise(actor, Action.CREATE, handling_code=chosen, request=request, object_type=OBJECT)
    return code


@atomic_action
def create_ban(
    *, actor: Actor, person: Person, data: BanData, request: HttpRequest | None = None
) -> Ban:
    """Record a ban on a person this node holds (its own or a partner's) that `actor` sees."""
    user = authorise(actor, Action.CREATE, request=request, object_type=OBJECT)
    authorise(actor, Action.VIEW, person, request=request, object_type="person")
    ban = Ban(
        owner_node=settings.NODE_ID,
        created_by=user,
        person=person,
        handling_code=_handling(actor, data.handling_code, person, request),
        **_values(data),
    )
    clean_or_refuse(ban, BanError)
    ban.save()
    ban.events.set(_events(actor, data.events))
    log_event(
        action="collect",
        request=request,
        actor=user,
        object_type=OBJECT,
        object_id=str(ban.uid),
        detail={"person": str(person.uid), "kind": ban.kind, "status": ban.status},
    )
    return ban


def _locked(ban: Ban) -> Ban:
    """The ban's row, locked (not its person's: a withdrawal of the person holds the person,
    then deletes the ban); refused if it went meanwhile with its person."""
    row = Ban.objects.select_for_update(of=("self",)).select_related("person").filter(pk=ban.pk)
    locked = row.first()
    if locked is None:
        raise BanError(_("This ban no longer exists: its person was erased or withdrawn."))
    return locked


@atomic_action
def update_ban(*, actor: Actor, ban: Ban, data: BanData, request: HttpRequest | None = None) -> Ban:
    """Change this node's ban (not a withdrawn one); partners holding it get the new version."""
    ban = _locked(ban)
    authorise(actor, Action.CHANGE, ban, request=request, object_type=OBJECT)
    if ban.status == BanStatus.WITHDRAWN:
        raise BanError(_("A withdrawn ban is not changed."))
    code = _handling(actor, data.handling_code, ban.person, request)
    names = [*FIELDS, "status", "handling_code"]
    before = {name: getattr(ban, name) for name in names}
    events_before = sorted(str(e.uid) for e in ban.events.all())
    for name, value in (_values(data) | {"handling_code": code}).items():
        setattr(ban, name, value)
    clean_or_refuse(ban, BanError)
    # Links to events the actor may not see are not theirs to remove (nor to know of).
    hidden = ban.events.exclude(pk__in=events_visible_to(actor, Action.VIEW))
    events = _events(actor, data.events) + list(hidden)
    changes = {k: [v, getattr(ban, k)] for k, v in before.items() if v != getattr(ban, k)}
    events_after = sorted(str(e.uid) for e in events)
    if events_after != events_before:
        changes["events"] = [events_before, events_after]
    if not changes:
        return ban
    ban.version += 1
    ban.save()
    ban.events.set(events)
    sharing.push_update("ban", ban)
    _audit_change(ban, changes, actor=actor, request=request)
    return ban


def _audit_change(
    ban: Ban,
    changes: dict[str, Any],
    *,
    actor: Actor | None = None,
    request: HttpRequest | None = None,
    origin: str | None = None,
    reason: str = "",
) -> None:
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type=OBJECT,
        object_id=str(ban.uid),
        changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        detail={"version": ban.version} | ({"reason": reason} if reason else {}),
        origin=origin,
    )


@atomic_action
def share_ban(
    *, actor: Actor, ban: Ban, partner: str, request: HttpRequest | None = None
) -> ShareResult:
    """Send the ban to `partner`, and first the person it concerns when the partner does not
    hold it yet (with the person's warrants and alerts that the policy lets go)."""
    ban = Ban.objects.select_related("person").get(pk=ban.pk)
    authorise(actor, Action.DISCLOSE, ban, request=request, object_type=OBJECT)
    if ban.status != BanStatus.ACTIVE:
        raise BanError(_("Only an active ban is shared."))
    peer = sharing.peer_for(partner)
    person = ban.person
    result = ShareResult(partner=peer.node_id)
    if person.owner_node == peer.node_id:
        pass  # the partner's own person: it holds it
    elif not person.is_local:
        raise BanError(
            _("This person was received from another service: its bans go only to that service.")
        )
    elif not sharing.shared_with(peer.node_id, "person", person.uid):
        # Checked here so that a refusal is audited after this action's rollback.
        authorise(actor, Action.DISCLOSE, person, request=request, object_type="person")
        result = share_person(actor=actor, person=person, partner=peer.node_id, request=request)
    row = sharing.send(peer, OBJECT, ban, actor=actor, request=request)
    result.envelopes.append(str(row.envelope_id))
    return result


@atomic_action
def withdraw_ban(*, actor: Actor, ban: Ban, reason: str, request: HttpRequest | None = None) -> Ban:
    """Withdraw this node's ban (quashed on appeal, recorded in error): no longer screened;
    partners delete their copy."""
    ban = _locked(ban)
    authorise(actor, Action.CHANGE, ban, request=request, object_type=OBJECT)
    try:
        reason = text(reason.strip()) if reason.strip() else ""
    except FieldRuleError as error:
        raise BanError(str(error)) from None
    if not reason:
        raise BanError(_("Say why the ban is withdrawn."))
    if ban.status == BanStatus.WITHDRAWN:
        raise BanError(_("This ban is already withdrawn."))
    before = ban.status
    ban.status, ban.version = BanStatus.WITHDRAWN, ban.version + 1
    ban.save(update_fields=["status", "version", "updated_at"])
    sharing.withdraw(OBJECT, ban, reason="withdrawn")
    changes = {"status": [before, ban.status]}
    _audit_change(ban, changes, actor=actor, request=request, reason=reason)
    return ban


@atomic_action
def expire_bans(today: date | None = None) -> list[str]:
    """Mark the active bans whose validity has passed as expired (the worker's periodic job).

    This node's own: a new version, which reaches the partners holding a copy. Partners'
    copies: expired here too, without waiting for their owner's word (the owner's new
    version, when it comes, says the same)."""
    today = today or timezone.localdate()
    due = Ban.objects.select_for_update().filter(status=BanStatus.ACTIVE, valid_until__lt=today)
    expired = []
    for ban in due.order_by("pk"):
        ban.status = BanStatus.EXPIRED
        if ban.is_local:
            ban.version += 1
            ban.save(update_fields=["status", "version", "updated_at"])
            sharing.push_update(OBJECT, ban)
        else:
            ban.save(update_fields=["status", "updated_at"])
        _audit_change(ban, {"status": [BanStatus.ACTIVE, ban.status]}, origin="task")
        expired.append(str(ban.uid))
    return expired


def end_bans_of(departure: Departure) -> list[str]:
    """The person goes (erased here, or a partner's copy withdrawn by its owner): its bans
    go with it, each audited as erased, and this node's own are first withdrawn from the
    partners holding them, who would otherwise screen their copy until it expires. Runs
    inside the person's erasure or the withdrawal's application (registry/dependents.py)."""
    ended = []
    # Locked: a change made meanwhile is waited for, and the withdrawal goes past its version.
    bans = Ban.objects.select_for_update(of=("self",)).filter(person=departure.person)
    for ban in bans.order_by("pk"):
        told = 0
        if ban.is_local:
            # A version past the partners' copy: the withdrawal deletes it whatever came last.
            ban.version += 1
            told = sharing.withdraw(OBJECT, ban, reason=departure.reason)
        log_event(
            action="erase",
            request=departure.request,
            actor=departure.actor,
            peer_node=departure.peer_node,
            object_type=OBJECT,
            object_id=str(ban.uid),
            detail={
                "person": str(departure.person.uid),
                "reason": departure.reason,
                "status": ban.status,
                "partners_told": told,
            },
        )
        ended.append(str(ban.uid))
    return ended

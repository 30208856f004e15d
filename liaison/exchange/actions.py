"""Every change the exchange makes: sharing, partners, resync. Atomic and audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor
from liaison.audit.actions import log_event
from liaison.exchange import keys
from liaison.exchange.identity import PeerKeyError, fetch_document, pin_peer_key
from liaison.exchange.models import Peer, Share
from liaison.exchange.outbox import enqueue, remember_share
from liaison.policy import Action, HandlingCode, decide
from liaison.registry.actions import RegistryError, _authorise, atomic_action
from liaison.registry.choices import AlertStatus, WarrantStatus
from liaison.registry.models import Person, SharedRecord
from liaison.registry.replication import (
    MODELS,
    SERIALISERS,
    envelope_handling,
    upsert_type,
)

SHAREABLE_WARRANTS = [WarrantStatus.ACTIVE]
SHAREABLE_ALERTS = [AlertStatus.ACTIVE, AlertStatus.LOCATED]


class ExchangeError(RegistryError):
    """A sharing or partner operation the rules refuse; the message says why."""


@dataclass(frozen=True)
class Skipped:
    object_type: str
    uid: str
    label: str
    reason: str


@dataclass
class ShareResult:
    partner: str
    envelopes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _peer(node_id: str) -> Peer:
    peer = Peer.objects.filter(node_id=node_id).first()
    if peer is None:
        raise ExchangeError(_("%(node)s is not a partner node.") % {"node": node_id or "?"})
    return peer


@atomic_action
def share_person(
    *, actor: Actor, person: Person, partner: str, request: HttpRequest | None = None
) -> ShareResult:
    """Send the person, and its active warrants and alerts that the policy lets go, to
    `partner`. The envelopes are written in this transaction; the worker delivers them."""
    _authorise(actor, Action.DISCLOSE, person, request=request, object_type="person")
    peer = _peer(partner)
    person = Person.objects.get(pk=person.pk)
    result = ShareResult(partner=peer.node_id)
    _send(result, peer, "person", person, actor=actor, request=request)
    warrants = person.warrants.filter(status__in=SHAREABLE_WARRANTS).order_by("id")
    alerts = person.alerts.filter(status__in=SHAREABLE_ALERTS).select_related("warrant")
    for object_type, records in (("warrant", warrants), ("alert", alerts.order_by("id"))):
        for record in records:
            decision = decide(actor, Action.DISCLOSE, record)
            if decision:
                _send(result, peer, object_type, record, actor=actor, request=request)
            elif decide(actor, Action.VIEW, record):
                result.skipped.append(
                    Skipped(object_type, str(record.uid), str(record), str(decision.reason))
                )
            # A record the sharer may not see is left out without a word: its existence is
            # not theirs to know.
    return result


def _send(
    result: ShareResult,
    peer: Peer,
    object_type: str,
    record: SharedRecord,
    *,
    actor: Actor | None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    obj = SERIALISERS[object_type](record)
    row = enqueue(peer, upsert_type(object_type), obj, handling=envelope_handling(record))
    remember_share(peer, object_type, record.uid, actor)
    result.envelopes.append(str(row.envelope_id))
    log_event(
        action="disclose",
        request=request,
        actor=actor,
        peer_node=peer.node_id,
        object_type=object_type,
        object_id=str(record.uid),
        detail={
            "envelope": str(row.envelope_id),
            "type": row.message_type,
            "version": record.version,
            "handling": record.effective_handling_code,
            **(detail or {}),
        },
    )


# Partners (operator commands)


@transaction.atomic
def add_peer(*, node_id: str, url: str, fingerprint: str, public_key: str = "") -> Peer:
    """Pin a partner's key by its fingerprint, fetched from its well-known document unless
    given (`public_key`, the JWK x, for partners not reachable from here yet)."""
    fingerprint = keys.normalise_fingerprint(fingerprint)
    peer = Peer.objects.filter(node_id=node_id).first() or Peer(node_id=node_id)
    if peer.pk and peer.fingerprint != fingerprint:
        raise ExchangeError(
            f"{node_id} is pinned with another fingerprint ({peer.fingerprint}); "
            "remove it first if its key really changed."
        )
    peer.url, peer.fingerprint = url.rstrip("/"), fingerprint
    try:
        document = (
            {"node_id": node_id, "public_key": {"x": public_key}}
            if public_key
            else fetch_document(peer.url)
        )
        pin_peer_key(peer, document)
    except PeerKeyError as error:
        if public_key or "fingerprint" in str(error) or "is node" in str(error):
            raise ExchangeError(str(error)) from error
        peer.public_key = ""  # unreachable now: fetched and checked at first contact
    peer.next_attempt_at = None
    peer.save()
    log_event(
        action="admin",
        peer_node=node_id,
        object_type="peer",
        object_id=node_id,
        detail={"pinned": fingerprint, "url": peer.url, "key_known": bool(peer.public_key)},
    )
    return peer


@transaction.atomic
def resync_peer(*, node_id: str) -> ShareResult:
    """Re-send the current version of everything shared with `node_id` (a partner that lost
    its data). Each record is checked again against the policy, as its sharer."""
    peer = _peer(node_id)
    result = ShareResult(partner=node_id)
    order = {"person": 0, "warrant": 1, "alert": 2, "hit": 3}
    shares = sorted(
        Share.objects.filter(peer=peer).select_related("shared_by"),
        key=lambda s: (order.get(s.object_type, 9), s.pk),
    )
    for share in shares:
        _resend(result, peer, share)
    return result


def _resend(result: ShareResult, peer: Peer, share: Share) -> None:
    record = MODELS[share.object_type]._default_manager.filter(uid=share.object_uid).first()
    if record is None:
        share.delete()
        return
    refusal = _refusal(share, record)
    if refusal:
        result.skipped.append(Skipped(share.object_type, str(record.uid), str(record), refusal))
        return
    _send(result, peer, share.object_type, record, actor=share.shared_by, detail={"resync": 1})


def _refusal(share: Share, record: SharedRecord) -> str:
    """Why the record may no longer go to the partner; empty if it may."""
    if share.object_type == "hit":  # hits go back to the owner without a disclose role
        if record.effective_handling_code == HandlingCode.H3 or record.neutrality_concern():
            return _("The hit is now H3 or flagged.")
        return ""
    decision = decide(share.shared_by, Action.DISCLOSE, record)
    return "" if decision else str(decision.reason)


def push_update(record: SharedRecord, object_type: str) -> int:
    """After the owner changes a shared record (inside the same transaction): send the new
    version to every partner holding it, or withdraw it where the policy now refuses it
    (made H3, flagged, or its sharer lost the right). Returns how many partners were told."""
    from liaison.registry.replication import withdraw_shared

    shares = list(
        Share.objects.filter(object_type=object_type, object_uid=record.uid).select_related(
            "peer", "shared_by"
        )
    )
    if any(_refusal(share, record) for share in shares):
        return withdraw_shared(record, object_type, reason="no longer shareable")
    for share in shares:
        result = ShareResult(partner=share.peer.node_id)
        _send(result, share.peer, object_type, record, actor=share.shared_by, detail={"update": 1})
    return len(shares)

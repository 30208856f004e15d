"""The sharing contract: how a record type travels, without the exchange knowing what it is.

An app that shares records describes each type once (`RecordType`) and registers it from
its AppConfig.ready(). The exchange then sends a record of that type to a partner, follows
its changes to every partner holding it, withdraws it, and resyncs a partner that lost its
data, all through the outbox and the audit log, by calling back into the app for what only
the app knows: the envelope body, the applier, whether the record may still go.

What the exchange reads from a record (`Shareable`): uid, owner node, version, and the
policy's view of it (handling code with the child-inherits-parent rule, recipients,
neutrality flag). Appliers write through the app's own code; the exchange only stores the
envelope id, the audit entry and, for withdrawals, a tombstone.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import BaseModel, Field

from liaison.audit.actions import log_event
from liaison.exchange.models import OutboxEnvelope, Peer, Share, Tombstone
from liaison.exchange.outbox import enqueue, remember_share
from liaison.exchange.protocol import MAX_COUNT, NODE_ID, ProtocolError, Reason
from liaison.exchange.receive import Applied, register
from liaison.policy import HandlingCode, effective_handling_code
from liaison.refusals import Refused


class Shareable(Protocol):
    """What the exchange reads from a record of any registered type."""

    uid: Any
    version: int
    owner_node: str
    handling_code: str

    def neutrality_concern(self) -> bool: ...


@dataclass(frozen=True)
class RecordType:
    """One shared record type, described by the app that owns it.

    - `serialise(record)` gives the envelope body (validated by `body` on receipt);
    - `apply(sender, body)` writes the partner's copy through the app's own code;
    - `find(uid)` is this node's record (None when gone), for resync;
    - `refusal(share, record)` says why the record may no longer go to that partner
      ("" if it may): the policy as its sharer, checked again at every update and resync;
    - `withdraw(sender, body)` deletes a partner's copy (None: the type is never withdrawn);
    - `audience(record)`, optional: the only partners the record is for (a report's
      recipients); at an update, a partner holding it outside them loses its copy while the
      others get the new version (None: the type names no recipients);
    - `message` is the upsert message type (default `<name>.upsert`);
    - `resync_order`: parents before children when a partner is resynced;
    - `read_ahead(uids)`, optional: a context inside which the applier finds the records
      of a batch's upserts read already (one query for the batch instead of one or more
      per envelope); the applier must give the same result with or without it.
    """

    name: str
    body: type[BaseModel]
    serialise: Callable[[Any], dict[str, Any]]
    apply: Callable[[str, Any], Applied]
    find: Callable[[UUID], Any]
    refusal: Callable[[Share, Any], str]
    withdraw: Callable[[str, WithdrawBody], Applied] | None = None
    audience: Callable[[Any], set[str]] | None = None
    message: str = ""
    # 0: a root type (objective, training, report...). -1 would change nothing (no root
    # depends on a person); 1 would tie roots with their first children, ordered then by
    # share age, parents being shared first. No test tells these apart.
    resync_order: int = 0  # pragma: no mutate
    read_ahead: Callable[[list[UUID]], AbstractContextManager[object]] | None = None

    @property
    def upsert(self) -> str:
        return self.message or f"{self.name}.upsert"


class WithdrawBody(BaseModel):
    """Every withdrawal: which record, its owner, the version withdrawn, and why."""

    model_config = {"extra": "forbid", "frozen": True}

    uid: UUID
    owner: str = Field(pattern=NODE_ID)
    version: int = Field(ge=1, le=MAX_COUNT)
    reason: str = Field(max_length=300)


_TYPES: dict[str, RecordType] = {}


def register_record_type(record_type: RecordType) -> None:
    """Plug a record type into the exchange (from the owning app's AppConfig.ready())."""
    _TYPES[record_type.name] = record_type
    register(record_type.upsert, record_type.body, record_type.apply, record_type.read_ahead)
    if record_type.withdraw is not None:
        register(f"{record_type.name}.withdraw", WithdrawBody, record_type.withdraw)


def record_type(name: str) -> RecordType:
    return _TYPES[name]


def message_types() -> dict[str, tuple[str, bool]]:
    """Each registered message type → (its record type, whether it is a withdrawal)."""
    kinds = {kind.upsert: (name, False) for name, kind in _TYPES.items()}
    kinds |= {f"{name}.withdraw": (name, True) for name, kind in _TYPES.items() if kind.withdraw}
    return kinds


class ExchangeError(Refused):
    """A sharing or partner operation the rules refuse; the message says why."""


def peer_for(node_id: str) -> Peer:
    peer = Peer.objects.filter(node_id=node_id).first()
    if peer is None:
        raise ExchangeError(_("%(node)s is not a partner node.") % {"node": node_id or "?"})
    return peer


def envelope_handling(record: Shareable) -> str:
    # H3 records are never disclosed; a withdrawal of a record made H3 after it was shared
    # carries no content, and goes as H2.
    code = effective_handling_code(record)  # type: ignore[arg-type]
    return code if code != HandlingCode.H3 else HandlingCode.H2


# Sending (inside the caller's transaction: the envelope commits with the change)


def send(
    peer: Peer,
    name: str,
    record: Shareable,
    *,
    actor: Any,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> OutboxEnvelope:
    """Queue the record's current version for `peer`, remember the share, log the disclosure."""
    kind = _TYPES[name]
    handling = envelope_handling(record)
    sender = actor if getattr(actor, "pk", None) else None
    row = enqueue(peer, kind.upsert, kind.serialise(record), handling=handling, sent_by=sender)
    remember_share(peer, name, record.uid, actor)
    log_event(
        action="disclose",
        request=request,
        actor=actor if getattr(actor, "pk", None) else None,
        peer_node=peer.node_id,
        object_type=name,
        object_id=str(record.uid),
        detail={
            "envelope": str(row.envelope_id),
            "type": row.message_type,
            "version": record.version,
            "handling": handling,
            **(detail or {}),
        },
    )
    return row


def push_update(name: str, record: Shareable) -> int:
    """After the owner changed a shared record (in the same transaction): every partner
    holding it gets the new version, or all lose it where the policy now refuses it (made
    H3, flagged, or its sharer lost the right); a partner no longer among the record's
    recipients loses its copy alone. Returns how many partners were told."""
    kind = _TYPES[name]
    shares = list(_shares_of(name, record.uid).select_related("peer", "shared_by"))
    if kind.audience is not None:
        audience = kind.audience(record)
        dropped = [share for share in shares if share.peer.node_id not in audience]
        _withdraw_from(name, record, dropped, reason="no longer a recipient")
        shares = [share for share in shares if share.peer.node_id in audience]
    if any(kind.refusal(share, record) for share in shares):
        return withdraw(name, record, reason="no longer shareable")
    for share in shares:
        send(share.peer, name, record, actor=share.shared_by, detail={"update": 1})
    return len(shares)


def withdraw(name: str, record: Shareable, *, reason: str) -> int:
    """Tell every partner holding `record` to delete its copy; returns how many were told."""
    shares = list(_shares_of(name, record.uid).select_related("peer"))
    _withdraw_from(name, record, shares, reason=reason)
    return len(shares)


def _withdraw_from(name: str, record: Shareable, shares: list[Share], *, reason: str) -> None:
    body = WithdrawBody(
        uid=record.uid, owner=record.owner_node, version=record.version, reason=reason[:300]
    )
    for share in shares:
        row = enqueue(
            share.peer,
            f"{name}.withdraw",
            body.model_dump(mode="json"),
            handling=envelope_handling(record),
        )
        log_event(
            action="disclose",
            peer_node=share.peer.node_id,
            object_type=name,
            object_id=str(record.uid),
            detail={"envelope": str(row.envelope_id), "type": row.message_type, "reason": reason},
        )
    Share.objects.filter(pk__in=[s.pk for s in shares]).delete()


def forget_shares(uids: list[Any]) -> None:
    """Partners deleted these with the record they belong to: nothing left to withdraw."""
    Share.objects.filter(object_uid__in=uids).delete()


def _shares_of(name: str, uid: Any) -> QuerySet[Share]:
    return Share.objects.filter(object_type=name, object_uid=uid)


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
    followers: int = 0  # what went after the records resent (their files), counted by its app


# What goes after a record resent to a partner: (type name, record, partner, its sharer) ->
# how many were queued. The attachments app sends the record's files again this way.
ResendFollower = Callable[[str, Any, str, Any], int]
_FOLLOWERS: list[ResendFollower] = []


def follow_resends(follower: ResendFollower) -> None:
    """Let an app queue what goes with each record `resync_peer` sends again."""
    if follower not in _FOLLOWERS:
        _FOLLOWERS.append(follower)


@transaction.atomic
def resync_peer(*, node_id: str) -> ShareResult:
    """Re-send the current version of everything shared with `node_id` (a partner that lost
    its data). Each record is checked again against the policy, as its sharer."""
    peer = peer_for(node_id)
    result = ShareResult(partner=node_id)
    shares = sorted(
        Share.objects.filter(peer=peer, object_type__in=_TYPES).select_related("shared_by"),
        key=lambda s: (_TYPES[s.object_type].resync_order, s.pk),
    )
    for share in shares:
        _resend(result, peer, share)
    return result


def _resend(result: ShareResult, peer: Peer, share: Share) -> None:
    kind = _TYPES[share.object_type]
    record = kind.find(share.object_uid)
    if record is None:
        share.delete()
        return
    refusal = kind.refusal(share, record)
    if refusal:
        result.skipped.append(Skipped(share.object_type, str(record.uid), str(record), refusal))
        return
    row = send(peer, kind.name, record, actor=share.shared_by, detail={"resync": 1})
    result.envelopes.append(str(row.envelope_id))
    for follower in _FOLLOWERS:
        result.followers += follower(kind.name, record, peer.node_id, share.shared_by)


# Receiving: ownership and withdrawals, the same for every type


def owned_by_sender(sender: str, owner: str) -> None:
    """A partner may only send records it owns, and never one of this node's."""
    if owner != sender:
        raise ProtocolError(Reason.NOT_OWNER, f"{sender} sent a record owned by {owner}")
    if owner == settings.NODE_ID:
        raise ProtocolError(Reason.NOT_OWNER, "a partner cannot change this node's records")


def shared_with(node_id: str, name: str, uid: Any) -> bool:
    """This node shares the record with that partner now (a partner may attach to it)."""
    return _shares_of(name, uid).filter(peer__node_id=node_id).exists()


def withdrawn(owner: str, uid: Any, version: int) -> bool:
    """The owner withdrew this record at this version or later: an older upsert is stale."""
    tomb = Tombstone.objects.filter(owner_node=owner, object_uid=uid)
    return tomb.filter(version__gte=version).exists()


def bury(owner: str, name: str, uid: Any, version: int) -> None:
    """Remember the owner's withdrawal (the highest version), so late upserts stay dead."""
    tomb, _created = Tombstone.objects.get_or_create(
        owner_node=owner,
        object_uid=uid,
        defaults={"object_type": name, "version": version},
    )
    if tomb.version < version:
        tomb.version = version
        tomb.save(update_fields=["version", "withdrawn_at"])

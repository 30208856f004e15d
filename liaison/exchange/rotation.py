"""Rotating this node's signing key, and learning a partner's new key (docs/federation.md).

The sender: `rotate_node_key` makes a new key and queues a `node.key_rotated` envelope to
every partner, in the partner's queue like any envelope (an offline partner gets it when
it is back). Until a partner's receipt for it comes back, what is signed for that partner
is signed with the key it knows (`Peer.our_key`, identity.signing_key): order holds, and
nothing in flight fails. The retired private key stays in the data directory until then.

The receiver: the announcement is applied only if the key pinned now signed it (not a
retired one), it names the sender, replaces the pinned key, and the new key signs a proof.
The replaced key is still accepted for LIAISON_KEY_GRACE_HOURS (envelopes and receipts
signed before the sender learnt that we know the new key), then refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from joserfc.jwk import OKPKey

from liaison.audit.actions import log_event
from liaison.audit.models import AuditEntry
from liaison.config import env_int
from liaison.exchange import keys
from liaison.exchange.identity import node_key
from liaison.exchange.models import OutboxEnvelope, OutboxState, Peer, RetiredPeerKey
from liaison.exchange.outbox import enqueue
from liaison.exchange.protocol import KEY_ROTATED, KeyRotated, check_key_rotated, key_rotated_body
from liaison.exchange.receive import Applied, register


def key_grace() -> timedelta:
    """How long a partner's replaced key is still accepted after its announcement."""
    return timedelta(hours=env_int("LIAISON_KEY_GRACE_HOURS", 168))


# This node's key


@dataclass(frozen=True)
class Rotation:
    previous: str
    fingerprint: str
    partners: list[str] = field(default_factory=list)


def rotate_node_key(*, compromised: bool = False) -> Rotation:
    """Replace this node's key. Announced to every partner, signed by the current key;
    `compromised`: announced to no one (a stolen key's signature proves nothing), the old
    key deleted at once, partners re-pin the new one after checking it out of band."""
    data_dir = Path(settings.DATA_DIR)
    new = keys.stage_key(data_dir)
    old = keys.retire_current(data_dir)
    try:
        rotation = _record_rotation(data_dir, old, new, compromised=compromised)
    except BaseException:
        keys.restore_retired(data_dir, keys.fingerprint(old))
        raise
    prune_retired()
    return rotation


@transaction.atomic
def _record_rotation(
    data_dir: Path, old_key: OKPKey, new: OKPKey, *, compromised: bool
) -> Rotation:
    old, new_fp = keys.fingerprint(old_key), keys.fingerprint(new)
    partners = list(Peer.objects.select_for_update().order_by("node_id"))
    body = key_rotated_body(node=settings.NODE_ID, previous=old, new=new)
    if compromised:  # announcements still queued would be signed by a stolen key
        _queued_announcements().update(state=OutboxState.DROPPED)
    for peer in partners:
        if compromised:
            peer.our_key = ""
        else:
            peer.our_key = peer.our_key or old  # rotated twice: it still knows the first
            enqueue(peer, KEY_ROTATED, body, handling="H0")
        peer.save(update_fields=["our_key"])
    log_event(
        action="admin",
        object_type="node_key",
        object_id=new_fp,
        origin="cli",
        detail={
            "status": "compromised" if compromised else "rotated",
            "previous": old,
            # Kept so that what this node signed before (witnessed heads) still verifies.
            "previous_key": keys.public_jwk(old_key)["x"],
            "pinned": new_fp,
            "partners": [] if compromised else [p.node_id for p in partners],
        },
    )
    keys.promote_staged(data_dir)  # last: a failure before leaves the old key current
    return Rotation(old, new_fp, [p.node_id for p in partners])


def acknowledged(peer: Peer, row: OutboxEnvelope) -> None:
    """The partner's receipt for our announcement came back: it knows the announced key,
    so it is what we sign with for it from now on (none: the current key)."""
    announced = str(row.payload["object"]["fingerprint"])
    current = keys.fingerprint(node_key())
    our_key = "" if announced == current else announced
    Peer.objects.filter(pk=peer.pk).update(our_key=our_key)
    peer.our_key = our_key
    transaction.on_commit(prune_retired)


def prune_retired() -> list[str]:
    """Delete the retired private keys no partner needs any more (each partner has
    acknowledged the key that replaced it, or it was compromised); their fingerprints. A
    key is needed while a partner knows only it, or a queued announcement replaces it."""
    data_dir = Path(settings.DATA_DIR)
    needed = set(Peer.objects.exclude(our_key="").values_list("our_key", flat=True))
    queued = _queued_announcements().values_list("payload", flat=True)
    needed.update(str(payload["object"]["previous"]) for payload in queued)
    pruned = [fp for fp in keys.retired_fingerprints(data_dir) if fp not in needed]
    for fp in pruned:
        keys.retired_path(data_dir, fp).unlink(missing_ok=True)
    return pruned


def _queued_announcements() -> QuerySet[OutboxEnvelope]:
    waiting = [OutboxState.PENDING, OutboxState.SET_ASIDE]
    return OutboxEnvelope.objects.filter(message_type=KEY_ROTATED, state__in=waiting)


def own_public_keys() -> list[OKPKey]:
    """This node's current key, then every key it rotated away from (from the audit log),
    to recognise what it signed before."""
    rotations = AuditEntry.objects.filter(object_type="node_key").order_by("-seq")
    previous = [entry.detail.get("previous_key") for entry in rotations.only("detail")]
    return [node_key(), *(keys.public_key_from_x(x) for x in previous if isinstance(x, str))]


# A partner's key


def apply_key_rotated(sender: str, body: KeyRotated) -> Applied:
    """Pin the partner's new key; keep the one it replaces for the grace period. Runs in the
    transport's transaction, with the inbox row and the audit entry."""
    peer = Peer.objects.select_for_update().get(node_id=sender)
    new = check_key_rotated(body, sender=sender, pinned=peer.fingerprint)
    now = timezone.now()
    until = now + key_grace()
    RetiredPeerKey.objects.update_or_create(
        peer=peer,
        fingerprint=peer.fingerprint,
        defaults={"public_key": peer.public_key, "retired_at": now, "accepted_until": until},
    )
    peer.fingerprint, peer.public_key = body.fingerprint, keys.public_jwk(new)["x"]
    peer.retired_keys_until = max(until, peer.retired_keys_until or until)
    peer.save(update_fields=["fingerprint", "public_key", "retired_keys_until"])
    log_event(
        action="admin",
        peer_node=sender,
        object_type="peer",
        object_id=sender,
        detail={
            "status": "rotated",
            "previous": body.previous,
            "pinned": body.fingerprint,
            "accepted_until": until.isoformat(),
        },
    )
    return Applied("updated", "peer", sender)


def forget_retired_keys(peer: Peer) -> int:
    """No grace for any key the partner had: used when its key is re-pinned by hand."""
    peer.retired_keys_until = None
    return RetiredPeerKey.objects.filter(peer=peer).delete()[0]


register(KEY_ROTATED, KeyRotated, apply_key_rotated)

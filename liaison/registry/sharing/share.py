"""Sharing registry records: the action behind the share form and `POST …/shares`, the
follow-up of changes, withdrawals, and hits going back to the person's owner.

Everything here runs inside the calling action's transaction; the exchange writes the
envelopes to the outbox in it, so a change and its envelopes commit or roll back together.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from liaison.exchange import sharing
from liaison.exchange.models import Peer, Share
from liaison.exchange.sharing import ShareResult, Skipped
from liaison.policy import Action, atomic_action, authorise, decide
from liaison.records import SharedRecord, kept_local
from liaison.registry.choices import AlertStatus, WarrantStatus
from liaison.registry.models import Hit, HitDecision, Person

SHAREABLE_WARRANTS = [WarrantStatus.ACTIVE]
SHAREABLE_ALERTS = [AlertStatus.ACTIVE, AlertStatus.LOCATED]


@atomic_action
def share_person(
    *, actor: Any, person: Person, partner: str, request: HttpRequest | None = None
) -> ShareResult:
    """Send the person, and its active warrants and alerts that the policy lets go, to
    `partner`. The envelopes are written in this transaction; the worker delivers them."""
    authorise(actor, Action.DISCLOSE, person, request=request, object_type="person")
    peer = sharing.peer_for(partner)
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
    actor: Any,
    request: HttpRequest | None,
) -> None:
    row = sharing.send(peer, object_type, record, actor=actor, request=request)
    result.envelopes.append(str(row.envelope_id))


def hit_refusal(share: Share, hit: SharedRecord) -> str:
    """Hits go back to the person's owner without a disclose role: only H3 or a flag stops them."""
    if kept_local(hit):
        return _("The hit is now H3 or flagged.")
    return ""


def push_update(record: SharedRecord, object_type: str) -> None:
    """Partners holding a copy get the new version, through the outbox, in this transaction."""
    sharing.push_update(object_type, record)


def withdraw(record: SharedRecord, object_type: str, *, reason: str) -> None:
    """Partners delete their copy; a person's warrants and alerts go with it there."""
    sharing.withdraw(object_type, record, reason=reason)
    if isinstance(record, Person):
        attached = [*record.warrants.values_list("uid", flat=True)]
        attached += [*record.alerts.values_list("uid", flat=True)]
        attached += [*HitDecision.objects.filter(hit__person=record).values_list("uid", flat=True)]
        sharing.forget_shares(attached)


def hit_refusal_for(record: SharedRecord) -> str:
    """Why nothing about this hit (or a decision on it) may go to a partner; empty if it may."""
    return hit_refusal(Share(), record)


def peer_of(node_id: str) -> Peer | None:
    return Peer.objects.filter(node_id=node_id).first()


def send_decision(
    peer: Peer, decision: HitDecision, *, actor: Any, request: HttpRequest | None = None
) -> None:
    """The owner's decision on a partner's hit goes back to the hit's recorder."""
    sharing.send(peer, "hitdecision", decision, actor=actor, request=request)


def holders(object_type: str, uid: Any) -> list[str]:
    """The services holding a copy of the record now (their name, or node id if unnamed)."""
    shares = Share.objects.filter(object_type=object_type, object_uid=uid).select_related("peer")
    return sorted(s.peer.agency or s.peer.node_id for s in shares)


def notify_owner_of_hit(hit: Hit) -> None:
    """A hit recorded here on a partner's person goes back to that partner, the owner."""
    person = hit.person
    if person.is_local or person.received_at is None or hit_refusal(Share(), hit):
        return  # ours, or H3/flagged: the policy never discloses these
    peer = Peer.objects.filter(node_id=person.owner_node).first()
    if peer is not None:
        sharing.send(peer, "hit", hit, actor=hit.created_by)

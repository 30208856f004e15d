"""Run inside a node (`liaison shell -c`): seed users, make bursts, report state as JSON.

No pytest here: a node process imports this module by name.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F

from liaison.accounts.models import Agency, User
from liaison.accounts.tokens import create_api_token
from liaison.audit.models import AuditEntry
from liaison.exchange.models import InboxEnvelope, OutboxEnvelope, Peer
from liaison.registry.actions import NameData, PersonData, create_person
from liaison.registry.models import Alert, Hit, Person, Warrant
from liaison.registry.sharing.share import share_person

AGENCIES = {
    "ma": ("Sûreté nationale (test)", "MA"),
    "fr": ("Police nationale (test)", "FR"),
    "es": ("Policía Nacional (test)", "ES"),
}


def seed() -> None:
    """Both agencies; a liaison officer and a supervisor of this node; print their tokens."""
    for node_id, (name, country) in AGENCIES.items():
        Agency.objects.get_or_create(name=name, defaults={"country": country, "node_id": node_id})
    agency = Agency.objects.get(node_id=settings.NODE_ID)
    tokens = {}
    for username, role in (("lo", "liaison_officer"), ("sup", "supervisor")):
        user, _ = User.objects.get_or_create(username=username, defaults={"agency": agency})
        user.groups.set([Group.objects.get(name=role)])
        tokens[username] = create_api_token(user=user, name="tests")[1]
    print(json.dumps(tokens))


class Hold:
    """Holds a burst once, when `at` envelopes are queued, until the file `go` exists: the
    test then acts mid-burst (a kill) knowing that the rest is still to come. A burst
    could otherwise be delivered whole before the test's next step, and a receiver
    killed after it would be missed by no one."""

    def __init__(self, at: int = 0, go: str = "") -> None:
        self.at, self.go, self.held = at, Path(go), False

    def after(self, queued: int) -> None:
        if not self.at or self.held or queued < self.at:
            return
        deadline = time.monotonic() + 300
        while not self.go.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"burst held at {queued} envelopes for 300 s: no {self.go}")
            time.sleep(0.05)
        self.held = True


def burst(
    persons: int,
    rounds: int,
    partner: str,
    prefix: str,
    batch: int = 10,
    hold_at: int = 0,
    go: str = "",
) -> None:
    """`persons` new persons, each shared then changed and shared again `rounds - 1` times:
    persons * rounds person.upsert envelopes, `batch` shares per transaction (short ones, so
    the workers get the SQLite write lock in between, as between web requests); held once
    at `hold_at` envelopes until the file `go` exists (`Hold`)."""
    actor = User.objects.get(username="lo")
    hold = Hold(hold_at, go)
    people = []
    for start in range(0, persons, batch):
        # Recorded, then shared, as two requests would: an action audits last, so one
        # transaction that audits a creation and then queues a share would take the chain
        # head's lock before the partner's queue, the reverse of the worker's order.
        with transaction.atomic():
            made = [
                create_person(actor=actor, data=_data(f"{prefix} Person {i}"))
                for i in range(start, min(start + batch, persons))
            ]
        with transaction.atomic():
            for person in made:
                share_person(actor=actor, person=person, partner=partner)
        people += made
        hold.after(len(people))
    for version in range(1, rounds):
        for start in range(0, persons, batch):
            with transaction.atomic():
                for person in people[start : start + batch]:
                    # A new version, cheaply (update_person has its own tests): the share
                    # is the real one.
                    Person.objects.filter(pk=person.pk).update(
                        version=F("version") + 1, distinguishing_marks=f"revision {version}"
                    )
                    share_person(actor=actor, person=person, partner=partner)
            hold.after(version * persons + min(start + batch, persons))
    print(json.dumps({"persons": persons, "envelopes": persons * rounds}))


def _data(name: str) -> PersonData:
    return PersonData(category="wanted", names=[NameData(name)], distinguishing_marks="revision 0")


def state(prefix: str = "") -> None:
    """Registry copies, inbox and outbox as seen on this node."""
    persons = Person.objects.filter(names__full_name__startswith=prefix).distinct()
    inbox = InboxEnvelope.objects.order_by("pk")
    print(
        json.dumps(
            {
                "persons": {str(p.uid): p.version for p in persons},
                "warrants": {str(w.uid): w.status for w in Warrant.objects.all()},
                "alerts": {str(a.uid): a.status for a in Alert.objects.all()},
                "hits": {str(h.uid): h.owner_node for h in Hit.objects.all()},
                "inbox": _inbox_report(inbox, {str(p.uid) for p in persons}),
                "outbox": _outbox_report(),
                "audit": _audit_report(),
            }
        )
    )


def _inbox_report(inbox: Any, uids: set[str]) -> dict[str, Any]:
    versions: dict[str, list[int]] = defaultdict(list)
    statuses: dict[str, int] = defaultdict(int)
    for row in inbox:
        statuses[row.status] += 1
        if row.object_uid in uids and row.status == "applied":
            versions[row.object_uid].append(row.object_version)
    ordered = all(v == sorted(set(v)) for v in versions.values())
    return {
        "statuses": statuses,
        "applied_for_prefix": sum(len(v) for v in versions.values()),
        "in_version_order": ordered,
        "distinct_ids": inbox.values("envelope_id").distinct().count(),
        "rows": inbox.count(),
        "rejections": [[r.reason, r.detail] for r in inbox.filter(status="rejected")],
    }


def _outbox_report() -> dict[str, Any]:
    rows = OutboxEnvelope.objects.all()
    counts: dict[str, int] = defaultdict(int)
    for row in rows.values("state"):
        counts[row["state"]] += 1
    last = {r.message_type: r.receipt_status for r in rows.order_by("seq") if r.receipt_status}
    return {"states": counts, "last_receipt_by_type": last}


def _audit_report() -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    reasons = []
    for entry in AuditEntry.objects.filter(action__in=["receive", "permission_denied", "disclose"]):
        counts[entry.action] += 1
        if entry.action == "permission_denied" and entry.detail.get("reason"):
            reasons.append(entry.detail["reason"])
    return {"counts": counts, "denied_reasons": reasons}


def wipe_registry() -> None:
    """What a partner that lost its data looks like: no person, warrant, alert or hit."""
    Person.objects.all().delete()
    print(json.dumps({"persons": Person.objects.count()}))


def wait_delivered(at_least: int, drained: bool, timeout: float) -> None:
    """Block until `at_least` envelopes are delivered (and, if `drained`, none is pending):
    one process polling the database, instead of a process per poll."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        delivered = OutboxEnvelope.objects.filter(state="delivered").count()
        pending = OutboxEnvelope.objects.filter(state="pending").count()
        done = delivered >= at_least and (pending == 0 or not drained)
        if done or time.monotonic() > deadline:
            rejected = OutboxEnvelope.objects.filter(state="rejected").count()
            report = {"delivered": delivered, "pending": pending, "rejected": rejected}
            print(json.dumps(report | {"timed_out": not done}))
            return
        time.sleep(0.1)


def lease(partner: str) -> None:
    """Who holds the lease on `partner`'s queue, and for how many more seconds."""
    from django.utils import timezone

    from liaison.exchange.models import Peer

    peer = Peer.objects.get(node_id=partner)
    left = (peer.lease_until - timezone.now()).total_seconds() if peer.lease_until else 0.0
    print(json.dumps({"owner": peer.lease_owner, "left": left}))


def name_peer(node_id: str, agency: str) -> None:
    """Give a partner its service name (as its identity document would)."""
    updated = Peer.objects.filter(node_id=node_id).update(agency=agency)
    print(json.dumps({"updated": updated}))


def peer_state(partner: str) -> None:
    """What the sender knows of `partner`: failures in a row, the last error, pending rows."""
    peer = Peer.objects.get(node_id=partner)
    pending = OutboxEnvelope.objects.filter(peer=peer, state="pending").count()
    print(
        json.dumps({"failures": peer.failures, "last_error": peer.last_error, "pending": pending})
    )


def wait_failures(partner: str, at_least: int, timeout: float) -> None:
    """Block until the sender has counted `at_least` failures in a row to `partner`."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        peer = Peer.objects.get(node_id=partner)
        done = peer.failures >= at_least
        if done or time.monotonic() > deadline:
            report = {"failures": peer.failures, "last_error": peer.last_error}
            print(json.dumps(report | {"timed_out": not done}))
            return
        time.sleep(0.1)


def key_state(partner: str) -> None:
    """What this node knows of `partner`'s key, and which of its own it signs with for it."""
    from liaison.exchange.models import RetiredPeerKey

    peer = Peer.objects.get(node_id=partner)
    retired = RetiredPeerKey.objects.filter(peer=peer).order_by("retired_at")
    rotations = AuditEntry.objects.filter(action="admin", detail__status="rotated")
    print(
        json.dumps(
            {
                "pinned": peer.fingerprint,
                "our_key": peer.our_key,
                "retired": [r.fingerprint for r in retired],
                "rotations": [[e.object_type, e.detail["pinned"]] for e in rotations],
            }
        )
    )


def age_retired_keys(partner: str) -> None:
    """Time passes for `partner`'s retired keys: their grace period is over (the rows are
    moved back by the grace period, as if it had elapsed; nothing else is touched)."""
    from liaison.exchange.models import RetiredPeerKey
    from liaison.exchange.rotation import key_grace

    grace = key_grace()
    peer = Peer.objects.get(node_id=partner)
    RetiredPeerKey.objects.filter(peer=peer).update(
        retired_at=F("retired_at") - grace, accepted_until=F("accepted_until") - grace
    )
    Peer.objects.filter(pk=peer.pk).update(retired_keys_until=F("retired_keys_until") - grace)
    print(json.dumps({"aged": RetiredPeerKey.objects.filter(peer=peer).count()}))

"""Run inside a node for the three-node tests (`liaison shell -c`): a burst shared with
several partners, and what one node sent or received about given records, as JSON.

No pytest here: a node process imports this module by name. State, wiping and waiting for
deliveries are in tests/federation/helpers.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from liaison.accounts.models import User
from liaison.exchange.models import InboxEnvelope, OutboxEnvelope
from liaison.registry.actions import NameData, PersonData, create_person
from liaison.registry.models import Person
from liaison.registry.sharing.share import push_update, share_person
from liaison.witness.actions import HEAD_MESSAGE
from tests.federation.helpers import Hold


def burst_shared(
    persons: int, rounds: int, partners: list[str], prefix: str, hold_at: int = 0, go: str = ""
) -> None:
    """`persons` new persons, each shared with every partner, then changed `rounds - 1`
    times, each change going to every partner holding it (the owner's update path):
    persons * rounds * len(partners) person.upsert envelopes. Ten persons per transaction,
    so the workers get the SQLite write lock in between, as between web requests. Held
    once at `hold_at` envelopes until the file `go` exists (`helpers.Hold`)."""
    actor = User.objects.get(username="lo")
    hold = Hold(hold_at, go)
    people: list[Person] = []
    for start in range(0, persons, 10):
        with transaction.atomic():
            for i in range(start, min(start + 10, persons)):
                person = create_person(actor=actor, data=_data(f"{prefix} Person {i}"))
                for partner in partners:
                    share_person(actor=actor, person=person, partner=partner)
                people.append(person)
        hold.after(len(people) * len(partners))
    for version in range(1, rounds):
        for start in range(0, persons, 10):
            with transaction.atomic():
                for person in people[start : start + 10]:
                    _change(person, version)
            hold.after((version * persons + min(start + 10, persons)) * len(partners))
    print(json.dumps({"envelopes": persons * rounds * len(partners)}))


def _data(name: str) -> PersonData:
    return PersonData(category="wanted", names=[NameData(name)], distinguishing_marks="revision 0")


def _change(person: Person, version: int) -> None:
    # A new version, cheaply (update_person has its own tests); the push to partners is real.
    Person.objects.filter(pk=person.pk).update(
        version=F("version") + 1, distinguishing_marks=f"revision {version}"
    )
    push_update(Person.objects.get(pk=person.pk), "person")


def sent_about(uids: list[str]) -> None:
    """This node's outbox rows about these records, in queue order, per partner."""
    rows = OutboxEnvelope.objects.filter(object_uid__in=uids).order_by("peer__node_id", "seq")
    print(
        json.dumps(
            [
                [r.peer.node_id, r.message_type, r.object_version, r.state, r.receipt_status]
                for r in rows.select_related("peer")
            ]
        )
    )


def received_about(uids: list[str]) -> None:
    """This node's inbox rows about these records: sender, type, version, status."""
    rows = InboxEnvelope.objects.filter(object_uid__in=uids).order_by("pk")
    print(json.dumps([[r.sender, r.message_type, r.object_version, r.status] for r in rows]))


def queued() -> None:
    """How many record envelopes this node ever queued for each partner (signed audit
    heads, sent by every worker on its own schedule, left out)."""
    print(
        json.dumps(_per_node(OutboxEnvelope.objects.values_list("peer__node_id", "message_type")))
    )


def received() -> None:
    """How many record envelopes this node ever received from each partner (heads left out)."""
    print(json.dumps(_per_node(InboxEnvelope.objects.values_list("sender", "message_type"))))


def _per_node(rows: Iterable[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node_id, message_type in rows:
        if message_type != HEAD_MESSAGE:
            counts[node_id] = counts.get(node_id, 0) + 1
    return counts

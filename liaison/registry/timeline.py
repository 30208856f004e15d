"""A person's timeline: what happened to them and their warrants, alerts and hits, in words.

Read from the audit log (the one record of what happened), told with liaison.audit.labels:
"Changed · warrant RBT-2026-77 (MA) · amina · review date: 2026-01-31 → 2026-07-31".
Only records the viewer may see are listed (the person's prefetched, permission-scoped
warrants, alerts and hits); their values are the record content the viewer already sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liaison.audit import labels
from liaison.audit.choices import Action
from liaison.audit.models import AuditEntry
from liaison.registry.models import Person

SHOWN = [Action.COLLECT, Action.ALTER, Action.DISCLOSE, Action.RECEIVE]
LENGTH = 50


@dataclass(frozen=True)
class TimelineItem:
    """One line of the timeline."""

    at: datetime
    verb: str
    record_type: str  # "warrant", in the reader's language
    record_name: str  # "RBT-2026-77 (MA)"; empty for the person the page is about
    who: str  # the user, or the partner node for what the exchange did
    partner: str  # the partner it went to or came from
    changes: list[labels.Change]


def person_timeline(person: Person) -> list[TimelineItem]:
    """The latest entries about the person and the records attached that the viewer sees
    (`person` comes from get_person_for_user: its related records are already scoped)."""
    records = {str(person.uid): ("person", "")}
    for warrant in person.warrants.all():
        records[str(warrant.uid)] = ("warrant", str(warrant))
    for alert in person.alerts.all():
        records[str(alert.uid)] = ("alert", str(alert.get_alert_type_display()))
    for hit in person.hits.all():
        records[str(hit.uid)] = ("hit", hit.place)
    entries = AuditEntry.objects.filter(object_id__in=list(records), action__in=SHOWN)
    return [_item(entry, *records[entry.object_id]) for entry in entries.order_by("-seq")[:LENGTH]]


def _item(entry: AuditEntry, object_type: str, name: str) -> TimelineItem:
    return TimelineItem(
        at=entry.at,
        verb=labels.action_verb(entry.action),
        record_type=labels.object_type_label(object_type),
        record_name=name,
        who=entry.actor_username or entry.peer_node,
        partner=entry.peer_node,
        changes=labels.changes_in_words(object_type, entry.changes),
    )

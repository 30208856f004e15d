"""The "Sharing" panel of every shared record's page, for any record type.

To which partner services a record (and what the page shows with it) went, by whom, when,
and whether it arrived; where a partner's copy came from. The rows come from
`liaison.exchange.queries.share_status`: two queries for all the records of a page. Callers
pass only records the user may see (scoped lookups); the partner's refusal reasons and
delivery errors are for those who share (`disclose_records`), who can act on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from liaison.exchange.queries import ShareStatus, service_names_for, share_status
from liaison.records import SharedRecord

DELIVERY_DETAIL_CAPABILITY = "accounts.disclose_records"


@dataclass(frozen=True)
class SharingItem:
    """One record on the page and its share status with each partner."""

    object_type: str
    label: str
    record: SharedRecord
    statuses: list[ShareStatus]

    @property
    def received(self) -> bool:
        return not self.record.is_local and self.record.received_at is not None


def sharing_items(records: list[tuple[str, str, SharedRecord]]) -> list[SharingItem]:
    """(object type, label, record) → the items worth showing, in the given order: the
    records shared with a partner, and partners' copies."""
    statuses: dict[str, list[ShareStatus]] = {}
    for status in share_status([(kind, record.uid) for kind, _label, record in records]):
        statuses.setdefault(status.uid, []).append(status)
    items = [
        SharingItem(kind, label, record, statuses.get(str(record.uid), []))
        for kind, label, record in records
    ]
    return [item for item in items if item.statuses or item.received]


def sharing_context(user: Any, records: list[tuple[str, str, SharedRecord]]) -> dict[str, Any]:
    """Template context of the panel (`includes/sharing.html`) and of the share form's
    "already shared" note; the first record is the page's own."""
    items = sharing_items(records)
    uid = str(records[0][2].uid)
    already = [s for item in items for s in item.statuses if s.uid == uid and s.shared]
    return {
        "sharing": items,
        "sharing_details": user.has_perm(DELIVERY_DETAIL_CAPABILITY),
        "share_already": already,
    }


def partner_choices(request: Any) -> list[tuple[str, str]]:
    """The share form's partners: (node id, service name), this node left out."""
    names = service_names_for(request)
    return sorted(
        ((node, name) for node, name in names.items() if node != settings.NODE_ID),
        key=lambda pair: (pair[1].casefold(), pair[0]),
    )


def shared_before(object_type: str, uid: Any, partner: str) -> ShareStatus | None:
    """The record's current share with `partner` (None if it does not hold it): what a
    share again is compared with."""
    rows = share_status([(object_type, uid)])
    return next((s for s in rows if s.partner == partner and s.shared), None)

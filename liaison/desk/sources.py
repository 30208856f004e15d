"""How apps put items on the desk, without the desk knowing what their records are.

An app describes each kind of item once (`DeskSource`) and registers it from its
AppConfig.ready(), as record types are registered with the exchange:

    register_desk_source(DeskSource(
        key="hits", title=_("Hits recorded by partners"), order=20,
        may_see=lambda user: user.has_perm("accounts.view_records"),
        feeds=lambda user: [Feed(restrict(Hit.objects..., user), describe=_hit_item)],
    ))

A source's `feeds(user)` are querysets already scoped to what the user may see (the
policy's `restrict`), each with the field that keys an item, the field that versions it
(a newer version is unread again), the field that orders it and `describe(row)`, which
turns a row into a `DeskItem`. The desk counts the unread rows of every feed in one query,
lists the first rows of each, finds one row by its key when it is opened, and marks rows
read per user (liaison/desk/queries.py, liaison/desk/actions.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise

from liaison.exchange.models import Peer, Tombstone
from liaison.policy import Action, decide

if TYPE_CHECKING:
    from liaison.accounts.models import User

# How far back arrivals stay on the desk (reviews due and delivery problems are states,
# and stay as long as they last).
DESK_DAYS = 30


@dataclass(frozen=True)
class DeskItem:
    """One line on the desk: what happened (`title`, in words), to what (`label`: a name or
    a reference, user data), where and when, from which partner service, and where it opens
    (the record's page, which asks the purpose first; "" when there is nothing to open)."""

    key: UUID
    version: int
    title: str | Promise
    label: str = ""
    detail: str = ""
    at: datetime | date | None = None
    partner: str = ""
    place: str = ""
    url: str = ""
    unread: bool = field(default=False, compare=False)

    @property
    def has_time(self) -> bool:
        return isinstance(self.at, datetime)


@dataclass(frozen=True)
class Feed:
    """Items of one kind: a scoped queryset and how to read its rows."""

    queryset: QuerySet[Any]
    describe: Callable[[Any], DeskItem]
    key: str = "uid"
    version: str | None = "version"  # None: an item never changes once read
    order_by: str = "-received_at"


@dataclass(frozen=True)
class DeskSource:
    """One section of the desk, registered by the app that owns its records."""

    key: str
    title: str | Promise
    may_see: Callable[[User], bool]
    feeds: Callable[[User], Sequence[Feed]]
    order: int = 100
    oldest_first: bool = False  # e.g. reviews: the soonest due first
    empty: str | Promise = ""
    # A page listing everything of this kind, for those who may see it ("" when none).
    more_url: Callable[[User], str] = field(default=lambda user: "")
    # Lines about the state of things rather than items to read (a partner unreachable).
    notes: Callable[[User], list[str]] = field(default=lambda user: [])


_SOURCES: dict[str, DeskSource] = {}


def register_desk_source(source: DeskSource) -> None:
    """Add a section to the desk (from the owning app's AppConfig.ready())."""
    if len(source.key) > 32:
        raise ValueError(f"desk source key too long: {source.key}")
    _SOURCES[source.key] = source


def desk_sources() -> list[DeskSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def desk_source(key: str) -> DeskSource | None:
    return _SOURCES.get(key)


def sources_for(user: User) -> list[DeskSource]:
    """The sections this user may see: only what their role lets them act on or read."""
    return [s for s in desk_sources() if s.may_see(user)]


# Helpers for the apps' feeds


def may_list(user: User) -> bool:
    """Whether the user may list records at all: the test of the partners' records sections."""
    return decide(user, Action.LIST).allowed


def first_arrival(record: Any) -> bool:
    """Whether the copy was created by its latest arrival: a copy is stamped received_at
    just before it is created (created_at after it), while an update stamps received_at
    long after its creation."""
    return record.received_at is not None and bool(record.created_at >= record.received_at)


def since() -> datetime:
    """The oldest arrival still on the desk."""
    return timezone.now() - timedelta(days=DESK_DAYS)


def with_partner_name(queryset: QuerySet[Any], node_field: str = "owner_node") -> QuerySet[Any]:
    """Annotate `partner_name`: the partner service's name (Peer.agency) in the same query."""
    agency = Peer.objects.filter(node_id=OuterRef(node_field)).values("agency")[:1]
    annotated: QuerySet[Any] = queryset.annotate(partner_name=Subquery(agency))
    return annotated


def partner_of(row: Any, node_field: str = "owner_node") -> str:
    """The partner service's name, or its node id when the agency is not known."""
    return str(getattr(row, "partner_name", "") or getattr(row, node_field, ""))


def withdrawal_feed(titles: dict[str, str | Promise]) -> Feed:
    """Partners' withdrawals of copies they had shared, titled per record type: the
    exchange's tombstones (one per record withdrawn, at the highest version withdrawn).
    The record is gone: the item opens nothing and says only what kind of record, from
    whom and when. The caller checks that the user may see records at all (a partner's
    copy is never H3)."""
    rows = Tombstone.objects.filter(object_type__in=list(titles), withdrawn_at__gte=since())

    def describe(row: Tombstone) -> DeskItem:
        return DeskItem(
            key=row.object_uid,
            version=row.version,
            title=titles[row.object_type],
            at=row.withdrawn_at,
            partner=partner_of(row),
        )

    return Feed(with_partner_name(rows), describe, key="object_uid", order_by="-withdrawn_at")

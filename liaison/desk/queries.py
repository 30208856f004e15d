"""Reads of the desk: sections with their items, unread counts, one item by its key.

Every read costs a fixed number of queries whatever the data: the unread counts of all
sections are one query (none on a page that reuses them: request_unread_counts); each
feed lists its first rows in one query (plus the feed's own prefetches); the read marks
of every listed item are one more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL

from liaison.desk.models import DeskRead
from liaison.desk.sources import DeskItem, DeskSource, Feed, desk_source, sources_for

if TYPE_CHECKING:
    from django.http import HttpRequest

    from liaison.accounts.models import User

ITEMS_PER_SECTION = 10
UNREAD_SHOWN = 100  # counts stop there: the desk shows "99+"
Feeds = dict[str, Sequence[Feed]]  # per source key


@dataclass(frozen=True)
class Section:
    source: DeskSource
    items: list[DeskItem]
    unread: int
    notes: list[str]
    more_url: str

    @property
    def unread_shown(self) -> str:
        return shown_count(self.unread)


def shown_count(unread: int) -> str:
    """A count as the desk shows it: counting stops at UNREAD_SHOWN ("99+"); none is ""."""
    if not unread:
        return ""
    return str(unread) if unread < UNREAD_SHOWN else f"{UNREAD_SHOWN - 1}+"


def unread_rows(feed: Feed, user: User, source: str) -> QuerySet[Any]:
    """The feed's rows this user has not read at their current version."""
    reads = DeskRead.objects.filter(user=user, source=source, key=OuterRef(feed.key))
    if feed.version is not None:
        reads = reads.filter(version__gte=OuterRef(feed.version))
    return feed.queryset.filter(~Exists(reads))


def _count(rows: QuerySet[Any]) -> RawSQL:
    # COUNT(*) as a scalar subquery, so that every feed is counted in the same statement;
    # over the first UNREAD_SHOWN rows only, so thousands unread cost no more than a page.
    first = rows.order_by().values("pk")[:UNREAD_SHOWN]
    sql, params = first.query.sql_with_params()
    # The SQL is Django's own, compiled from the queryset; values stay in params.
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS unread", params)  # noqa: S608, S611


def unread_counts(
    user: User, sources: list[DeskSource] | None = None, feeds: Feeds | None = None
) -> dict[str, int]:
    """Unread items per section for this user: one query (none for a user with no section)."""
    sources = sources_for(user) if sources is None else sources
    feeds = feeds_for(user, sources) if feeds is None else feeds
    counts = {
        f"n{index}_{number}": _count(unread_rows(feed, user, source.key))
        for index, source in enumerate(sources)
        for number, feed in enumerate(feeds[source.key])
    }
    if not counts:
        return {source.key: 0 for source in sources}
    found: Any = get_user_model().objects.filter(pk=user.pk).values(**counts).first()
    row: dict[str, Any] = found or {}
    return {
        source.key: sum(int(v or 0) for k, v in row.items() if k.startswith(f"n{index}_"))
        for index, source in enumerate(sources)
    }


def feeds_for(user: User, sources: list[DeskSource]) -> Feeds:
    """Each source's feeds for this user (querysets: built, not run)."""
    return {source.key: source.feeds(user) for source in sources}


def request_feeds(request: HttpRequest) -> Feeds:
    """The signed-in user's feeds, built once per request: the navbar's count and the desk
    page's lists use the same querysets (building the policy's filters costs CPU)."""
    cached: Feeds | None = getattr(request, "_desk_feeds", None)
    if cached is None:
        user: Any = request.user
        cached = feeds_for(user, sources_for(user))
        request._desk_feeds = cached  # type: ignore[attr-defined]
    return cached


def request_unread_counts(request: HttpRequest, *, fresh: bool = False) -> dict[str, int]:
    """The signed-in user's counts, computed once per request (navbar and desk share it).

    Other pages take the counts remembered for `settings.DESK_BADGE_SECONDS` (counting
    every feed is the dearest query of a page); `fresh` (the desk itself) counts anew and
    remembers that. Marking items read forgets them (`forget_unread_counts`)."""
    cached: dict[str, int] | None = getattr(request, "_desk_unread", None)
    if cached is None:
        user: Any = request.user
        cached = {} if not user.is_authenticated else _user_counts(request, user, fresh)
        request._desk_unread = cached  # type: ignore[attr-defined]
    return cached


def _user_counts(request: HttpRequest, user: User, fresh: bool) -> dict[str, int]:
    sources = sources_for(user)
    seconds: int = settings.DESK_BADGE_SECONDS
    if not seconds:
        return unread_counts(user, sources, request_feeds(request))
    key = _counts_key(user, sources)
    remembered: dict[str, int] | None = None if fresh else cache.get(key)
    if remembered is None:
        remembered = unread_counts(user, sources, request_feeds(request))
        cache.set(key, remembered, seconds)
    return remembered


def _counts_key(user: User, sources: list[DeskSource]) -> str:
    # The sections are in the key: a user whose roles change gets their new sections' counts.
    return f"desk-unread:{user.pk}:{','.join(source.key for source in sources)}"


def forget_unread_counts(user: User) -> None:
    cache.delete(_counts_key(user, sources_for(user)))


def sections_for(
    user: User,
    counts: dict[str, int],
    *,
    feeds: Feeds | None = None,
    limit: int = ITEMS_PER_SECTION,
) -> list[Section]:
    sources = sources_for(user)
    feeds = feeds_for(user, sources) if feeds is None else feeds
    listed = {source.key: _items(source, feeds[source.key], limit) for source in sources}
    read = _read_versions(user, listed)
    return [
        Section(
            source=source,
            items=[
                _with_state(item, read.get((source.key, item.key))) for item in listed[source.key]
            ],
            unread=counts.get(source.key, 0),
            notes=source.notes(user),
            more_url=source.more_url(user),
        )
        for source in sources
    ]


def _items(source: DeskSource, feeds: Sequence[Feed], limit: int) -> list[DeskItem]:
    items: list[DeskItem] = []
    for feed in feeds:
        items.extend(feed.describe(row) for row in feed.queryset.order_by(feed.order_by)[:limit])
    if len(feeds) > 1:  # dates or datetimes in UTC, of one kind per source: ISO order
        items.sort(key=lambda i: str(i.at or ""), reverse=not source.oldest_first)
    return items[:limit]


def _read_versions(user: User, listed: dict[str, list[DeskItem]]) -> dict[tuple[str, UUID], int]:
    keys = {item.key for items in listed.values() for item in items}
    if not keys:
        return {}  # an empty desk costs this one query less
    marks = DeskRead.objects.filter(user=user, source__in=list(listed), key__in=keys)
    return {(m.source, m.key): m.version for m in marks.only("source", "key", "version")}


def _with_state(item: DeskItem, read_version: int | None) -> DeskItem:
    return replace(item, unread=read_version is None or read_version < item.version)


def find_item(user: User, source_key: str, key: UUID) -> DeskItem | None:
    """One item of a section the user may see, if they may see it; None otherwise."""
    source = desk_source(source_key)
    if source is None or not source.may_see(user):
        return None
    for feed in source.feeds(user):
        row = feed.queryset.filter(**{feed.key: key}).first()
        if row is not None:
            return feed.describe(row)
    return None

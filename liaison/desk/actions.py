"""Marking desk items read, per user. Nothing here changes a record, so nothing is audited:
reading the record itself is (the record's page logs the consultation with its purpose)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from liaison.desk.models import DeskRead
from liaison.desk.queries import forget_unread_counts, unread_rows
from liaison.desk.sources import DeskItem, DeskSource, sources_for

if TYPE_CHECKING:
    from liaison.accounts.models import User


def mark_read(*, user: User, source: str, item: DeskItem) -> None:
    """`user` has read `item` at its current version (a later version is unread again)."""
    with transaction.atomic():
        read, created = DeskRead.objects.select_for_update().get_or_create(
            user=user, source=source, key=item.key, defaults={"version": item.version}
        )
        if not created and read.version < item.version:
            read.version = item.version
            read.save(update_fields=["version", "read_at"])
    forget_unread_counts(user)  # after the commit: a page in between would count the old mark


def mark_all_read(*, user: User, source: str = "") -> int:
    """Every unread item of the user's sections (or of one section) read; how many."""
    chosen = [s for s in sources_for(user) if not source or s.key == source]
    marks = [mark for s in chosen for mark in _unread_marks(user, s)]
    with transaction.atomic():
        DeskRead.objects.bulk_create(
            marks,
            update_conflicts=True,
            unique_fields=["user", "source", "key"],
            update_fields=["version", "read_at"],
            batch_size=500,
        )
    forget_unread_counts(user)
    return len(marks)


def _unread_marks(user: User, source: DeskSource) -> list[DeskRead]:
    marks = {}
    for feed in source.feeds(user):
        fields = [feed.key] if feed.version is None else [feed.key, feed.version]
        for values in unread_rows(feed, user, source.key).order_by().values_list(*fields):
            version = values[1] if len(values) > 1 else 0
            marks[values[0]] = DeskRead(
                user=user, source=source.key, key=values[0], version=version
            )
    return list(marks.values())

"""Who a report is for: the partner nodes it names one by one, and the working groups and
joint cases it names, which stand for their participating nodes (docs/intel.md,
"Recipients"). `partners_of` is the one answer to "may this report go to that partner":
sharing, and the files that follow a shared report, ask it.

A group's or case's nodes are read when the report is shared, not when it is written: a
node that joins the group later may receive the report. Groups and cases live in
liaison/cooperation, which uses intel (a case links reports): it registers them here
(`register_audience`, from its AppConfig), so intel imports nothing of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from liaison.accounts.models import Actor
from liaison.intel.models import Report

# The report's fields that name groups and cases (uids), in the order they are read.
GROUPS = "recipient_groups"
CASES = "recipient_cases"
AUDIENCE_FIELDS = (GROUPS, CASES)
MAX_NAMED = 20


@dataclass(frozen=True)
class Audience:
    """A kind of recipient that stands for several nodes (a working group, a joint case).

    `held(user)`: the rows held on this node, those `user` may see (None: every row);
    `nodes(row)`: its participating nodes, or none if this node does not take part in it;
    `label(row)`: how a form names it; `url_name`: its page (the uid its argument)."""

    field: str
    held: Callable[[Actor | None], QuerySet[Any]]
    nodes: Callable[[Any], list[str]]
    label: Callable[[Any], str]
    url_name: str


_AUDIENCES: dict[str, Audience] = {}


def register_audience(audience: Audience) -> None:
    if audience.field not in AUDIENCE_FIELDS:
        raise ValueError(f"reports name no {audience.field}")
    _AUDIENCES[audience.field] = audience


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def _taking_part(audience: Audience, user: Actor | None, uids: Iterable[str]) -> list[Any]:
    rows = audience.held(user).filter(uid__in=_uuids(uids))
    return [row for row in rows if audience.nodes(row)]


def not_nameable(user: Actor, field: str, uids: Iterable[str]) -> list[str]:
    """The uids among `uids` that `user` may not name in `field`: not a group (case) held
    here that this node takes part in and the user may see. Sorted; empty if all may be."""
    wanted = {str(u).strip() for u in uids if str(u).strip()}
    audience = _AUDIENCES.get(field)
    known = set() if audience is None else _taking_part(audience, user, wanted)
    return sorted(wanted - {str(row.uid) for row in known})


def choices(user: Actor, field: str) -> list[tuple[str, str]]:
    """What `user` may name in `field`, for a form: (uid, label)."""
    audience = _AUDIENCES.get(field)
    if audience is None:
        return []
    rows = [row for row in audience.held(user) if audience.nodes(row)]
    return [(str(row.uid), audience.label(row)) for row in rows]


def named(user: Actor, report: Report) -> list[tuple[str, str]]:
    """The groups and cases the report names that `user` may see here, as (label, url) for
    the report page; one query per field that names any. One held nowhere here, or hidden
    from the user, is left out."""
    shown: list[tuple[str, str]] = []
    for field, audience in _AUDIENCES.items():
        uids = getattr(report, field)
        rows = audience.held(user).filter(uid__in=_uuids(uids)) if uids else []
        shown += [(audience.label(row), reverse(audience.url_name, args=[row.uid])) for row in rows]
    return shown


def partners_of(report: Report) -> set[str]:
    """The partners the report may be shared with: the nodes it names and the nodes of the
    groups and cases it names that this node takes part in, as they are now; never this
    node. One query per field that names any."""
    nodes = set(report.recipients)
    for field, audience in _AUDIENCES.items():
        uids = getattr(report, field)
        for row in _taking_part(audience, None, uids) if uids else []:
            nodes.update(audience.nodes(row))
    return nodes - {settings.NODE_ID}

"""An action's evidence resolved to the records this node holds, as `user` may see them:
each through the scoped lookup of its own app (the one its page uses), so handling codes and
need-to-know apply. A link to a record not held here, or one the user may not see, shows
the same words ("not available on this node"): never its title, never whether it exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from liaison.accounts.models import Actor
from liaison.assistance.queries import requests_visible_to
from liaison.cooperation.queries import cases_visible_to
from liaison.events.queries import events_visible_to
from liaison.intel.queries import reports_visible_to
from liaison.plan.choices import EvidenceType
from liaison.plan.queries import assistance_visible_to, trainings_visible_to
from liaison.policy import Action
from liaison.registry.queries import persons_visible_to


@dataclass(frozen=True)
class Lookup:
    rows: Callable[[Actor], QuerySet[Any]]
    page: str  # the URL name of the record's page
    prefetch: tuple[str, ...] = ()  # what its title is read from, read once for all links


LOOKUPS: dict[str, Lookup] = {
    EvidenceType.CASE: Lookup(lambda user: cases_visible_to(user, Action.VIEW), "cooperation:case"),
    EvidenceType.REQUEST: Lookup(
        lambda user: requests_visible_to(user, Action.VIEW), "assistance:detail"
    ),
    EvidenceType.EVENT: Lookup(lambda user: events_visible_to(user, Action.VIEW), "events:detail"),
    EvidenceType.TRAINING: Lookup(
        lambda user: trainings_visible_to(user, Action.VIEW), "plan:training"
    ),
    EvidenceType.ASSISTANCE: Lookup(
        lambda user: assistance_visible_to(user, Action.VIEW), "plan:assistance"
    ),
    EvidenceType.REPORT: Lookup(lambda user: reports_visible_to(user, Action.VIEW), "intel:detail"),
    EvidenceType.PERSON: Lookup(persons_visible_to, "registry:person", ("names",)),
}


@dataclass(frozen=True)
class EvidenceLink:
    """One link as the page shows it: `title` and `url` only if the user may see it here."""

    type: str
    type_label: str
    uid: str
    title: str | None = None
    url: str | None = None


def resolved(user: Actor, evidence: list[dict[str, str]]) -> list[EvidenceLink]:
    """The links in their order, each resolved or not: one query per type named (and the
    persons' names), whatever the number of links."""
    found: dict[tuple[str, str], Any] = {}
    for kind, lookup in LOOKUPS.items():
        uids = {link["uid"] for link in evidence if link["type"] == kind}
        if uids:
            rows = lookup.rows(user).filter(uid__in=uids).prefetch_related(*lookup.prefetch)
            found |= {(kind, str(row.uid)): row for row in rows}
    labels = dict(EvidenceType.choices)
    links = []
    for link in evidence:
        kind, uid = link["type"], link["uid"]
        record = found.get((kind, uid))
        label = str(labels.get(kind, kind))
        if record is None:
            links.append(EvidenceLink(kind, label, uid))
        else:
            url = reverse(LOOKUPS[kind].page, kwargs={"uid": record.uid})
            links.append(EvidenceLink(kind, label, uid, str(record), url))
    return links

"""Permission-scoped reads of the registry. Views never fetch by primary key directly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor
from liaison.matching import Identity
from liaison.policy import Action, restrict
from liaison.registry.choices import NameKind
from liaison.registry.models import Alert, BirthDate, Hit, Person, PersonName, Warrant


def persons_visible_to(user: Actor, action: Action = Action.VIEW) -> QuerySet[Person]:
    return restrict(Person.objects.all(), user, action)


def _with_details(persons: QuerySet[Person], user: Actor) -> QuerySet[Person]:
    return persons.prefetch_related(
        Prefetch("names", queryset=PersonName.objects.order_by("id")),
        Prefetch("birth_dates", queryset=BirthDate.objects.order_by("value")),
        "nationalities",
        "documents",
        Prefetch("warrants", queryset=restrict(Warrant.objects.all(), user)),
        Prefetch("alerts", queryset=restrict(Alert.objects.select_related("warrant"), user)),
        Prefetch("hits", queryset=restrict(Hit.objects.select_related("alert__warrant"), user)),
    )


def get_person_for_user(user: Actor, uid: Any) -> Person:
    """The person if `user` may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return _with_details(persons_visible_to(user), user).get(uid=uid)
    except (Person.DoesNotExist, ValueError):
        raise Http404 from None


def get_record_for_user(user: Actor, model: type[Warrant | Alert | Hit], uid: Any) -> Any:
    try:
        return restrict(model.objects.select_related("person"), user).get(uid=uid)
    except (model.DoesNotExist, ValueError):
        raise Http404 from None


def owner_services() -> list[tuple[str, str]]:
    """The owner nodes a search may be narrowed to: this node, then its partners by the
    name of their service (one query)."""
    from liaison.exchange.models import Peer

    own = (settings.NODE_ID, _("Our service"))
    partners = Peer.objects.order_by("agency", "node_id").values_list("node_id", "agency")
    return [own, *((node, agency or node) for node, agency in partners)]


REVIEW_WARNING_DAYS = 122  # about four months


def records_due_for_review(user: Actor, within_days: int = REVIEW_WARNING_DAYS) -> dict[str, Any]:
    """This node's alerts and warrants whose review date is within four months, or past."""
    limit = timezone.localdate() + timedelta(days=within_days)
    due = {"owner_node": settings.NODE_ID, "review_date__lte": limit}
    return {
        "alerts": restrict(Alert.objects.filter(**due).select_related("person"), user),
        "warrants": restrict(Warrant.objects.filter(**due).select_related("person"), user),
    }


def recent_persons(user: Actor, limit: int = 20) -> QuerySet[Person]:
    return _with_details(persons_visible_to(user, Action.LIST), user)[:limit]


def watchlist_identities() -> Iterator[Identity]:
    """Persons with an active alert, own and received from partners: what screening checks.

    For the node's own screening (CLI, events), not scoped to a user: the caller decides who
    sees the resulting candidate hits.
    """
    from liaison.registry.choices import AlertStatus

    yield from identities_of(Person.objects.filter(alerts__status=AlertStatus.ACTIVE))


def identities_of(persons: QuerySet[Person]) -> Iterator[Identity]:
    """The matcher's identity of each person, its id the person's uid, read in chunks."""
    from liaison.registry.search import identity_of

    persons = persons.distinct().prefetch_related("names", "birth_dates", "nationalities")
    for person in persons.iterator(chunk_size=2000):
        yield replace(identity_of(person), id=str(person.uid))


def with_person_name(rows: QuerySet[Any], person: str = "person") -> QuerySet[Any]:
    """Annotate `person_name`: the person's primary name (else the first), in the same query,
    as Person.__str__ gives it."""
    primary_first = Case(When(kind=NameKind.PRIMARY, then=Value(0)), default=Value(1))
    names = PersonName.objects.filter(person=OuterRef(person)).order_by(primary_first, "id")
    named: QuerySet[Any] = rows.annotate(person_name=Subquery(names.values("full_name")[:1]))
    return named

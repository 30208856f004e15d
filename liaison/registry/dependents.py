"""Records other apps keep on a person, ended before the person goes, without the registry
importing them (the events' bans: docs/events.md). An app registers a function (in its
AppConfig.ready) that ends its records of a departing person: withdraws them from the
partners holding them and audits each, and returns their uids, which the person's erasure
entry lists with its warrants and alerts. Without it they would go silently with the
person's row (a cascade), and partners would keep their copies.

A person goes when it is erased here (`erase_person`) or, a partner's copy, when its owner
withdraws it (`person.withdraw`); both call `end_dependents` before the row is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from liaison.accounts.models import Actor
from liaison.registry.models import Person


@dataclass(frozen=True)
class Departure:
    """Why and by whom a person goes: the actor and request of an erasure here, or the
    partner (`peer_node`) that withdrew its person."""

    person: Person
    reason: str
    actor: Actor | None = None
    request: HttpRequest | None = None
    peer_node: str = ""


PersonDependents = Callable[[Departure], list[str]]
_DEPENDENTS: dict[str, PersonDependents] = {}


def register_person_dependents(name: str, end: PersonDependents) -> None:
    """`end(departure)` ends the app's `name` records of the person; returns their uids."""
    _DEPENDENTS[name] = end


def end_dependents(departure: Departure) -> dict[str, list[str]]:
    """Every registered app's records of the person, ended; their uids by record type."""
    ended = {name: end(departure) for name, end in _DEPENDENTS.items()}
    return {name: uids for name, uids in ended.items() if uids}

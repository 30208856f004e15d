"""An action's milestones: steps with a due date, and the date each was reached. They are a
part of the action (its owner sets them; the other side proposes changes to them), so they
are versioned, sent and proposed with it. Pure: no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

ON_TIME, LATE, OVERDUE, OPEN = "on_time", "late", "overdue", "open"


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Milestone:
    title: str
    due_on: date
    reached_on: date | None

    @classmethod
    def of(cls, stored: dict[str, Any]) -> Milestone:
        due = _day(stored["due_on"])
        assert due is not None
        return cls(stored["title"], due, _day(stored.get("reached_on")))

    def state(self, today: date) -> str:
        """Reached on time or late, overdue (not reached, past due), or open."""
        if self.reached_on is not None:
            return ON_TIME if self.reached_on <= self.due_on else LATE
        return OVERDUE if self.due_on < today else OPEN

    def is_late(self, today: date) -> bool:
        return self.state(today) in (LATE, OVERDUE)


def milestones_of(stored: Iterable[dict[str, Any]]) -> list[Milestone]:
    return sorted((Milestone.of(m) for m in stored), key=lambda m: (m.due_on, m.title))


def problems(
    stored: Iterable[dict[str, Any]], starts_on: date, due_on: date, today: date
) -> list[str]:
    """What is wrong with each milestone, one sentence each naming it (none: fine). A
    milestone falls within its action's dates; it is not reached in the future."""
    found = []
    for milestone in milestones_of(stored):
        names = {
            "title": milestone.title,
            "due": milestone.due_on.isoformat(),
            "start": starts_on.isoformat(),
            "end": due_on.isoformat(),
        }
        if not starts_on <= milestone.due_on <= due_on:
            found.append(
                _(
                    "Milestone “%(title)s” is due on %(due)s, outside the action's dates "
                    "(%(start)s to %(end)s): move it, or change the action's dates."
                )
                % names
            )
        if milestone.reached_on is not None and milestone.reached_on > today:
            reached = {"title": milestone.title, "reached": milestone.reached_on.isoformat()}
            found.append(
                _("Milestone “%(title)s” cannot be reached on %(reached)s, a date to come.")
                % reached
            )
    return found

"""Panels other apps add to the person page, without the registry importing them: an app
registers a function (in its AppConfig.ready) that returns the panel's template and
context for a viewer and a person, or None to leave it out. Each function reads what the
viewer may see itself (the intelligence app: "Mentioned in reports")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liaison.accounts.models import Actor
from liaison.registry.models import Person

PersonPanel = Callable[[Actor, Person], dict[str, Any] | None]
_PANELS: list[PersonPanel] = []


def register_person_panel(panel: PersonPanel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def person_panels(user: Actor, person: Person) -> list[dict[str, Any]]:
    """The panels to show, in the order their apps registered them."""
    shown = (panel(user, person) for panel in _PANELS)
    return [p for p in shown if p is not None]

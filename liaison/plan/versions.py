"""An action's history on this node: what each version changed, by whom."""

from __future__ import annotations

from datetime import date
from typing import Any

from liaison.plan.bodies import ACTION_FIELDS
from liaison.plan.models import ActionVersion, PlanAction


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def action_values(action: PlanAction) -> dict[str, Any]:
    return {name: getattr(action, name) for name in [*ACTION_FIELDS, "handling_code"]}


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [_plain(v), _plain(after[k])] for k, v in before.items() if v != after[k]}


def record_version(action: PlanAction, changes: dict[str, Any], by: str) -> None:
    """This node's row for the action's current version (the first: no changes)."""
    ActionVersion.objects.get_or_create(
        action=action, version=action.version, defaults={"changes": changes, "changed_by": by}
    )

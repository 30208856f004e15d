"""Who may do what to which record: one answer for views, the API, the CLI and the exchange.

The rules, role by role and handling code by handling code, are the table in
docs/permissions.md; tests/test_permission_matrix.py checks every cell against this
module and against the real views and API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest

    from liaison.accounts.models import Actor, User


class HandlingCode(models.TextChoices):
    """SIENA-style handling codes; the originator sets one on every shareable record."""

    H0 = "H0", _("H0 · law-enforcement use")
    H1 = "H1", _("H1 · not for use as evidence without the originator's consent")
    H2 = "H2", _("H2 · no further dissemination without the originator's consent")
    H3 = "H3", _("H3 · restricted to named recipients")


# The TLP 2.0 label closest to each handling code, shown beside it for TLP readers.
TLP_LABELS = {
    HandlingCode.H0: "TLP:GREEN",
    HandlingCode.H1: "TLP:AMBER",
    HandlingCode.H2: "TLP:AMBER+STRICT",
    HandlingCode.H3: "TLP:RED",
}


class Action(StrEnum):
    LIST = "list"
    VIEW = "view"
    SEARCH = "search"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    DISCLOSE = "disclose"


CAPABILITY = {
    Action.LIST: "view_records",
    Action.VIEW: "view_records",
    Action.SEARCH: "search_records",
    Action.CREATE: "create_records",
    Action.CHANGE: "change_records",
    Action.DELETE: "delete_records",
    Action.DISCLOSE: "disclose_records",
}

_WRITES = {Action.CHANGE, Action.DELETE}


class Record(Protocol):
    """What the policy reads from a record; registry models (and later ones) provide it."""

    pk: Any
    handling_code: str
    owner_node: str
    created_by_id: int | None

    def named_recipient_ids(self) -> set[int]: ...

    def neutrality_concern(self) -> bool: ...


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str | Promise = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def decide(
    user: Actor | None,
    action: Action,
    record: Record | None = None,
    *,
    handling_code: str | None = None,
) -> Decision:
    """May `user` do `action` (to `record`, or setting `handling_code`)? With the reason if not."""
    if not _signed_in(user):
        return Decision(False, _("Sign in first."))
    decision = _decide_for_user(user, action)
    if decision and record is not None:
        decision = _decide_for_record(user, action, record)
    marks_h3 = handling_code == HandlingCode.H3 and action in (Action.CREATE, Action.CHANGE)
    if decision and marks_h3 and not user.has_perm("accounts.approve_handling"):
        decision = Decision(False, _("Only a supervisor may mark a record H3."))
    return decision


def _signed_in(user: Actor | None) -> TypeGuard[User]:
    """A user who signed in: not the anonymous one, nor nobody (a share whose sharer is gone)."""
    return user is not None and user.is_authenticated


def _decide_for_user(user: User, action: Action) -> Decision:
    if not user.is_active:
        return Decision(False, _("Sign in first."))
    agency = user.agency
    if agency is None or agency.node_id != settings.NODE_ID:
        return Decision(False, _("Your account belongs to no agency of this node."))
    if not user.has_perm(f"accounts.{CAPABILITY[action]}"):
        return Decision(False, _("Your role does not allow this."))
    return ALLOWED


def _decide_for_record(user: User, action: Action, record: Record) -> Decision:
    if record.handling_code == HandlingCode.H3 and not _is_named(user, record):
        return Decision(False, _("This record is restricted to named recipients."))
    local = record.owner_node == settings.NODE_ID
    if action in _WRITES and not local:
        return Decision(False, _("Only the originating service may change this record."))
    if action == Action.DISCLOSE:
        return _decide_disclosure(record, local=local)
    return ALLOWED


def _decide_disclosure(record: Record, *, local: bool) -> Decision:
    if not local:
        return Decision(False, _("Only the originating service may share this record."))
    if record.handling_code == HandlingCode.H3:
        return Decision(False, _("H3 records stay with their named recipients."))
    if record.neutrality_concern():
        return Decision(
            False,
            _("Records of a political, military, religious or racial character are never shared."),
        )
    return ALLOWED


def _is_named(user: User, record: Record) -> bool:
    return user.pk == record.created_by_id or user.pk in record.named_recipient_ids()


def require(
    request: HttpRequest,
    action: Action,
    record: Record | None = None,
    *,
    handling_code: str | None = None,
    object_type: str = "",
) -> None:
    """Raise PermissionDenied (audited as permission_denied) unless the action is allowed."""
    decision = decide(request.user, action, record, handling_code=handling_code)
    if decision:
        return
    from liaison.audit.actions import log_event

    log_event(
        action="permission_denied",
        request=request,
        object_type=object_type,
        object_id=str(record.pk) if record is not None else "",
        detail={"attempted": str(action), "reason": str(decision.reason)},
    )
    raise PermissionDenied(decision.reason)


def restrict(
    queryset: QuerySet[Any], user: Actor | None, action: Action = Action.VIEW
) -> QuerySet[Any]:
    """Only the rows `user` may see: none without the capability, no foreign H3 rows."""
    if not _signed_in(user) or not _decide_for_user(user, action):
        return queryset.none()
    # EXISTS rather than a join, so no row is repeated and no DISTINCT is needed.
    through = queryset.model.restricted_to.through
    source = f"{queryset.model._meta.model_name}_id"
    named = Exists(through.objects.filter(**{source: OuterRef("pk"), "user_id": user.pk}))
    return queryset.filter(~Q(handling_code=HandlingCode.H3) | Q(created_by=user) | named)

"""Who may do what to which record: one answer for views, the API, the CLI and the exchange.

The rules, role by role and handling code by handling code, are the table in
docs/permissions.md; tests/test_permission_matrix.py checks every cell against this
module and against the real views and API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeGuard

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liaison.audit.actions import log_event

if TYPE_CHECKING:
    from django.http import HttpRequest

    from liaison.accounts.models import Actor, User


class HandlingCode(models.TextChoices):
    """SIENA-style handling codes; the originator sets one on every shareable record."""

    H0 = "H0", _("H0 · law-enforcement use")
    H1 = "H1", _("H1 · not for use as evidence without the originator's consent")
    H2 = "H2", _("H2 · no further dissemination without the originator's consent")
    H3 = "H3", _("H3 · restricted to named recipients")


HANDLING_ORDER = (HandlingCode.H0, HandlingCode.H1, HandlingCode.H2, HandlingCode.H3)


def strictest(*codes: str) -> HandlingCode:
    """The most restrictive of the given handling codes (H0 when none)."""
    return max((HandlingCode(c) for c in codes), key=HANDLING_ORDER.index, default=HandlingCode.H0)


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
    EXTEND = "extend"  # keep a record past its review date
    SUBJECT_ACCESS = "subject_access"  # report what the node holds on a person (LED art. 14)
    DECIDE = "decide"  # answer a partner's hit on one of this node's persons (SIRENE form G)
    ASSIST = "assist"  # send, answer, refuse or withdraw a request for assistance (issue 17)
    WRITE_REPORT = "write_report"  # write or change an intelligence report (issue 13)


CAPABILITY = {
    Action.LIST: "view_records",
    Action.VIEW: "view_records",
    Action.SEARCH: "search_records",
    Action.CREATE: "create_records",
    Action.CHANGE: "change_records",
    Action.DELETE: "delete_records",
    Action.DISCLOSE: "disclose_records",
    Action.EXTEND: "approve_handling",
    Action.SUBJECT_ACCESS: "subject_access",
    # The decision goes to the partner's service: the liaison officer's work, as sharing is.
    Action.DECIDE: "disclose_records",
    # A request for assistance and every answer to one go to a partner's service.
    Action.ASSIST: "disclose_records",
    # Analysts write reports as officers do; neither may change a partner's.
    Action.WRITE_REPORT: "write_reports",
}

_WRITES = {Action.CHANGE, Action.DELETE, Action.EXTEND, Action.WRITE_REPORT}

_ROLE_REFUSALS = {
    Action.EXTEND: _("Only a supervisor may extend a review date."),
    Action.DECIDE: _("Only a liaison officer gives a decision on a partner's hit."),
    Action.ASSIST: _("Only a liaison officer sends and answers requests for assistance."),
}


class Record(Protocol):
    """What the policy reads from a record; registry models (and later ones) provide it.

    A record that belongs to others (a warrant to its person, a hit to its alert) names
    the foreign keys to them in `handling_parent_fields`: `restrict` filters by the
    parents' visibility and `decide` walks the lineage.
    """

    pk: Any
    handling_code: str
    owner_node: str
    created_by_id: int | None
    handling_parent_fields: ClassVar[Sequence[str]]

    def named_recipient_ids(self) -> set[int]: ...

    def neutrality_concern(self) -> bool: ...


def lineage(record: Record) -> Iterator[Record]:
    """The record, then every record it belongs to, nearest first (each once).

    A parent already met on another path (a hit's person, again as its alert's person) is
    reused rather than read again, so a page of children costs no query per child.
    """
    known: dict[tuple[type, Any], Record] = {}
    pending = [record]
    while pending:
        current = pending.pop(0)
        key = (type(current), current.pk)
        if key in known:
            continue
        known[key] = current
        yield current
        pending.extend(_parents(current, known))


def _parents(record: Any, known: dict[tuple[type, Any], Record]) -> Iterator[Record]:
    for name in record.handling_parent_fields:
        field = record._meta.get_field(name)
        if not field.is_cached(record):
            parent_id = getattr(record, field.attname)
            if parent_id is None:
                # Not mutated: `break` is equivalent while every optional parent is the last
                # of its model's fields (Alert.warrant, Hit.alert); a model with an optional
                # parent first must test its lineage.
                continue  # pragma: no mutate
            seen = known.get((field.related_model, parent_id))
            if seen is not None:
                field.set_cached_value(record, seen)
        parent = getattr(record, name)
        if parent is not None:
            yield parent


def effective_handling_code(record: Record) -> HandlingCode:
    """A record is never more visible than what it belongs to: the strictest code of its
    lineage (an H0 alert on an H3 person is handled as H3)."""
    return strictest(*(r.handling_code for r in lineage(record)))


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
    writes = (Action.CREATE, Action.CHANGE, Action.WRITE_REPORT)
    marks_h3 = handling_code == HandlingCode.H3 and action in writes
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
        return Decision(False, _ROLE_REFUSALS.get(action, _("Your role does not allow this.")))
    return ALLOWED


def _decide_for_record(user: User, action: Action, record: Record) -> Decision:
    family = list(lineage(record))
    if any(r.handling_code == HandlingCode.H3 and not _is_named(user, r) for r in family):
        return Decision(False, _("This record is restricted to named recipients."))
    local = record.owner_node == settings.NODE_ID
    if action in _WRITES and not local:
        return Decision(False, _("Only the originating service may change this record."))
    if action == Action.DISCLOSE:
        return _decide_disclosure(family, local=local)
    return ALLOWED


def _decide_disclosure(family: list[Record], *, local: bool) -> Decision:
    if not local:
        return Decision(False, _("Only the originating service may share this record."))
    if any(r.handling_code == HandlingCode.H3 for r in family):
        return Decision(False, _("H3 records stay with their named recipients."))
    if any(r.neutrality_concern() for r in family):
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
    """Only the rows `user` may see: none without the capability, no H3 row they are not
    named on, and no row that belongs to a record they may not see."""
    if not _signed_in(user) or not _decide_for_user(user, action):
        return queryset.none()
    model: Any = queryset.model  # a class: hashable, as the cache needs
    return queryset.filter(_visible(model, user.pk))


# The condition depends on the model and the user's key only, and building it (the parents'
# querysets, recursively) is most of what a page with several feeds spends on restrict:
# built once per user and model. A Q is not changed by the queries it is added to.
# Not mutated: the cache's size, or no cache, changes the cost only.
@lru_cache(maxsize=1024)  # pragma: no mutate
def _visible(model: Any, user_id: int) -> Q:
    # EXISTS rather than a join, so no row is repeated and no DISTINCT is needed.
    through = model.restricted_to.through
    source = f"{model._meta.model_name}_id"
    named = Exists(through.objects.filter(**{source: OuterRef("pk"), "user_id": user_id}))
    visible = ~Q(handling_code=HandlingCode.H3) | Q(created_by_id=user_id) | Q(named)
    for field in model.handling_parent_fields:
        # The row's own parent, looked up by its key (correlated EXISTS), rather than
        # `IN (every parent the user may see)`: that set costs a scan of the parent table
        # (and of its parents) whatever the rows asked for, and PostgreSQL's planner,
        # seeing its cost, compiled the query (JIT) for seconds (docs/desk.md).
        # A parent that must be there (NOT NULL) is a plain EXISTS, which the databases
        # turn into a semi-join; only an optional one needs the `IS NULL OR`.
        relation = model._meta.get_field(field)
        parent = relation.related_model
        seen = Exists(parent.objects.filter(_visible(parent, user_id), pk=OuterRef(field)))
        visible &= (Q(**{f"{field}__isnull": True}) | Q(seen)) if relation.null else Q(seen)
    return visible


# Enforcing decisions inside actions (every app's actions.py)


class Denied(PermissionDenied):
    """A refusal by the policy inside an action, carrying what its audit entry needs."""

    def __init__(self, reason: str, entry: dict[str, Any]) -> None:
        super().__init__(reason)
        self.entry = entry


def denial(
    actor: Actor, record: Any, object_type: str, reason: Any, request: HttpRequest | None = None
) -> Denied:
    """A refusal decided by the action itself (not by `decide`), audited like the others."""
    object_id = str(record.uid) if record is not None else ""
    entry = {"request": request, "actor": actor, "object_type": object_type}
    return Denied(str(reason), entry | {"object_id": object_id, "detail": {"reason": str(reason)}})


def authorise(
    actor: Actor,
    action: Action,
    record: Record | None = None,
    *,
    handling_code: str | None = None,
    request: HttpRequest | None = None,
    object_type: str = "",
) -> User:
    """The actor, as the signed-in user the policy allows `action`; Denied otherwise
    (`atomic_action` audits it after the rollback)."""
    decision = decide(actor, action, record, handling_code=handling_code)
    # decide() refuses anonymous users; the second test only tells the type checker so.
    if not decision or not actor.is_authenticated:
        raise Denied(
            str(decision.reason),
            {
                "request": request,
                "actor": actor,
                "object_type": object_type,
                "object_id": str(getattr(record, "uid", "")) if record is not None else "",
                "detail": {"attempted": str(action), "reason": str(decision.reason)},
            },
        )
    return actor


def atomic_action[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Run the action in one transaction; audit a refusal after the rollback, so it stays."""

    # Not mutated: without wraps only the wrapper's name and docstring change; nothing
    # reads them.
    @wraps(func)  # pragma: no mutate
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except Denied as refusal:
            log_event(action="permission_denied", **refusal.entry)
            raise PermissionDenied(*refusal.args) from None

    return wrapper

"""Writing to the audit log. `log_event` is the one function other apps call."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from liaison.audit.chain import GENESIS, changes_digest, entry_hash
from liaison.audit.choices import Action
from liaison.audit.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from liaison.accounts.models import Actor, User

HEAD_ID = 1


def log_event(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: Actor | None = None,
    peer_node: str = "",
    object_type: str = "",
    object_id: str = "",
    purpose: str = "",
    purpose_reference: str = "",
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    origin: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction.

    If the caller's transaction rolls back, so does the entry: what did not happen is not
    logged. Any failure raises; an action that cannot be audited does not happen either.
    Call it last in an action's transaction: on PostgreSQL it holds the chain-head lock
    until commit.
    """
    if action not in Action.values:
        raise ValueError(f"Unknown audit action: {action!r}")
    user = _acting_user(actor, request)
    agency = user.agency if user is not None else None
    fields: dict[str, Any] = {
        "actor_user_id": user.pk if user is not None else None,
        "actor_username": user.get_username() if user is not None else "",
        "actor_agency": agency.name if agency is not None else "",
        "peer_node": peer_node,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "purpose": purpose,
        "purpose_reference": purpose_reference,
        "origin": origin if origin is not None else _origin(request, peer_node),
        "changes": _plain(changes) if changes is not None else None,
        "detail": _plain(detail or {}),
    }
    fields["changes_digest"] = changes_digest(fields["changes"])
    with transaction.atomic():
        return _append(fields)


def _append(fields: dict[str, Any]) -> AuditEntry:
    head = _locked_head()
    fields.update(seq=head.seq + 1, prev_hash=head.hash, at=timezone.now())
    fields["hash"] = entry_hash(fields)
    entry = AuditEntry(**fields)
    entry.save()
    AuditChainHead.objects.filter(pk=HEAD_ID).update(seq=entry.seq, hash=entry.hash)
    return entry


def _locked_head() -> AuditChainHead:
    """The chain head, locked until commit (PostgreSQL: SELECT ... FOR UPDATE).

    SQLite ignores FOR UPDATE, but the project's IMMEDIATE transactions already hold the
    database's single write lock from BEGIN, so the read below is current and exclusive.
    """
    try:
        return AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)
    except AuditChainHead.DoesNotExist:
        pass
    # First append after installation or a flush: derive the head from the last entry. Two
    # writers may race here; the conflict-ignoring insert lets one win, both then lock it.
    last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    seed = last or {"seq": 0, "hash": GENESIS}
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(pk=HEAD_ID, seq=seed["seq"], hash=seed["hash"])], ignore_conflicts=True
    )
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)


def chain_head() -> tuple[int, str]:
    """The committed head of the chain: (seq, hash) of the last entry; (0, GENESIS) if none.

    The one reader of the head outside `log_event`: witnessing signs what it returns.
    """
    head = AuditChainHead.objects.filter(pk=HEAD_ID).values_list("seq", "hash").first()
    if head is not None:
        return head
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    return last or (0, GENESIS)


def _acting_user(actor: Actor | None, request: HttpRequest | None) -> User | None:
    """The signed-in user who acts: `actor` if given, else the request's; None if anonymous."""
    user: Actor | None = actor if actor is not None else getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _origin(request: HttpRequest | None, peer_node: str) -> str:
    if request is not None:
        return f"{request.META.get('REMOTE_ADDR', '')} {request.path}"[:300]
    return "exchange" if peer_node else "cli"


def _plain(value: dict[str, Any]) -> Any:
    """JSON-safe copy that reads back from either database exactly as it was hashed.

    Dates, UUIDs and decimals become strings (DjangoJSONEncoder); floats become strings too,
    because PostgreSQL's jsonb may print them differently from Python (1e+20 vs 1e20).
    """
    return _no_floats(json.loads(json.dumps(value, cls=DjangoJSONEncoder)))


def _no_floats(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(key): _no_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_no_floats(item) for item in value]
    return value

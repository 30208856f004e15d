"""Writing to the audit log. `log_event` is the one function other apps call."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.transaction import TransactionManagementError
from django.http import HttpRequest
from django.utils import timezone

from liaison.audit.chain import GENESIS, HASHED_FIELDS, changes_digest, entry_hash
from liaison.audit.choices import Action
from liaison.audit.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from liaison.accounts.models import Actor, User

HEAD_ID = 1
_ACTIONS = frozenset(Action.values)
_MODEL_FIELDS = [field.attname for field in AuditEntry._meta.concrete_fields]
_COLUMNS = (*HASHED_FIELDS, "changes", "hash")
_ENTRY_TABLE = AuditEntry._meta.db_table
_HEAD_TABLE = AuditChainHead._meta.db_table
_INSERT = (
    f"INSERT INTO {_ENTRY_TABLE} ({', '.join(_COLUMNS)})"  # noqa: S608 (constant names)
    f" VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
)
_MOVE_HEAD = f"UPDATE {_HEAD_TABLE} SET seq = %s, hash = %s WHERE id = %s"  # noqa: S608
_INSERT_AND_MOVE_HEAD = (
    f"WITH entry AS ({_INSERT} RETURNING seq, hash)"  # noqa: S608
    f" UPDATE {_HEAD_TABLE} SET seq = entry.seq, hash = entry.hash FROM entry WHERE id = %s"
)
_READ_HEAD = f"SELECT seq, hash FROM {_HEAD_TABLE} WHERE id = %s"  # noqa: S608


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
    if action not in _ACTIONS:
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
    together = _TOGETHER.get()
    if together is not None:
        return together.chain(fields)
    with transaction.atomic():
        return _append(fields)


@dataclass
class _Together:
    """Entries chained in memory from the head locked at the first, written on leaving."""

    head: tuple[int, str] | None = None
    rows: list[list[Any]] = field(default_factory=list)

    def chain(self, fields: dict[str, Any]) -> AuditEntry:
        if self.head is None:
            with connection.cursor() as cursor:
                self.head = _locked_head(cursor)
        self.rows.append(_linked(fields, self.head))
        self.head = (fields["seq"], fields["hash"])
        return _saved_entry(fields)

    def write(self) -> None:
        if self.head is None:
            return
        with connection.cursor() as cursor:
            cursor.executemany(_INSERT, self.rows)
            cursor.execute(_MOVE_HEAD, [*self.head, HEAD_ID])


_TOGETHER: ContextVar[_Together | None] = ContextVar("audit_appended_together", default=None)


@contextmanager
def appended_together() -> Iterator[None]:
    """Entries logged inside are chained as they are logged and written together on
    leaving, in one statement, with the head moved once: for a caller that would hold the
    chain head for the whole transaction anyway (a batch of received envelopes).

    Inside a transaction only. An entry is kept even if an inner savepoint that logged it
    rolls back, so anything inside that fails must fail the whole block: on an exception
    nothing is written, and the caller's transaction must roll back.
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("appended_together() needs a transaction")
    if _TOGETHER.get() is not None:
        raise TransactionManagementError("appended_together() is not reentrant")
    together = _Together()
    token = _TOGETHER.set(together)
    try:
        yield
        together.write()
    finally:
        _TOGETHER.reset(token)


class RedactionRefused(ValueError):
    """The seqs given to redact_changes are not alterations of that record with values."""


def redact_changes(
    *,
    seqs: Iterable[int],
    object_type: str,
    object_id: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    purpose: str = "",
    purpose_reference: str = "",
) -> AuditEntry:
    """Erase the old/new values (record content) of an erased record's past alterations.

    Sets `changes` to NULL on the given entries, which must all be alterations of that
    record still holding values, and appends an `erase` entry naming them. Their
    `changes_digest` stays, so the chain still verifies. The one path that the PostgreSQL
    append-only trigger lets through (docs/audit.md, "Redaction"). All or nothing.
    """
    wanted = sorted(set(seqs))
    with transaction.atomic():
        _check_redactable(wanted, object_type, str(object_id))
        with connection.cursor() as cursor:
            _redact(cursor, wanted)
        return log_event(
            action=Action.ERASE,
            request=request,
            actor=actor,
            object_type=object_type,
            object_id=str(object_id),
            purpose=purpose,
            purpose_reference=purpose_reference,
            detail={"redacted_seqs": wanted},
        )


def _check_redactable(seqs: list[int], object_type: str, object_id: str) -> None:
    if not seqs:
        raise RedactionRefused("No audit entries to redact.")
    # Locked (PostgreSQL), so a concurrent redaction of the same entries waits, then finds
    # them redacted and is refused, instead of logging a second erasure of them.
    redactable = AuditEntry.objects.select_for_update().filter(
        seq__in=seqs, object_type=object_type, object_id=object_id, changes__isnull=False
    )
    found = set(redactable.values_list("seq", flat=True))
    missing = [seq for seq in seqs if seq not in found]
    if missing:
        raise RedactionRefused(
            f"Not alterations of {object_type} {object_id} with values to redact: {missing}"
        )


def _redact(cursor: CursorWrapper, seqs: list[int]) -> None:
    """The raw UPDATE (the ORM refuses any), with the trigger's bypass on for it alone."""
    marks = ", ".join(["%s"] * len(seqs))
    redact = f"UPDATE {_ENTRY_TABLE} SET changes = NULL WHERE seq IN ({marks})"  # noqa: S608
    if connection.vendor != "postgresql":
        cursor.execute(redact, seqs)
        return
    # Transaction-local (true), and off again right after for whatever else the caller's
    # transaction does; if the UPDATE fails, the rollback drops the setting with it.
    cursor.execute("SELECT set_config('liaison.audit_redaction', 'on', true)")
    cursor.execute(redact, seqs)
    cursor.execute("SELECT set_config('liaison.audit_redaction', 'off', true)")


def _append(fields: dict[str, Any]) -> AuditEntry:
    """Lock the head, hash, insert and move the head: two statements on plain cursors.

    The ORM's save() cost more than the chain itself (docs/audit.md, "Cost"); the model's
    append-only guards stay for every other caller.
    """
    with connection.cursor() as cursor:
        values = _linked(fields, _locked_head(cursor))
        if connection.vendor == "postgresql":  # one round trip for both writes
            cursor.execute(_INSERT_AND_MOVE_HEAD, [*values, HEAD_ID])
        else:
            cursor.execute(_INSERT, values)
            cursor.execute(_MOVE_HEAD, [fields["seq"], fields["hash"], HEAD_ID])
    return _saved_entry(fields)


def _linked(fields: dict[str, Any], head: tuple[int, str]) -> list[Any]:
    """Chain the entry after `head` (seq, hash, time); its row's values, ready to insert."""
    seq, prev_hash = head
    fields.update(seq=seq + 1, prev_hash=prev_hash, at=timezone.now())
    fields["hash"] = entry_hash(fields)
    return _db_values(fields)


def _locked_head(cursor: CursorWrapper) -> tuple[int, str]:
    """The chain head's (seq, hash), locked until commit (PostgreSQL: SELECT ... FOR UPDATE).

    SQLite has no FOR UPDATE, but the project's IMMEDIATE transactions already hold the
    database's single write lock from BEGIN, so the read below is current and exclusive.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    cursor.execute(f"{_READ_HEAD}{lock}", [HEAD_ID])
    row = cursor.fetchone()
    if row is not None:
        return int(row[0]), str(row[1])
    # First append after installation or a flush: derive the head from the last entry. Two
    # writers may race here; the conflict-ignoring insert lets one win, both then lock it.
    last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    seed = last or {"seq": 0, "hash": GENESIS}
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(pk=HEAD_ID, seq=seed["seq"], hash=seed["hash"])], ignore_conflicts=True
    )
    cursor.execute(f"{_READ_HEAD}{lock}", [HEAD_ID])
    seq, digest = cursor.fetchone()
    return int(seq), str(digest)


def _db_values(fields: dict[str, Any]) -> list[Any]:
    """The row's values in _COLUMNS order, adapted as the ORM's JSONField and DateTimeField
    would for this database (SQL NULL for no changes)."""
    ops = connection.ops
    values = {
        **fields,
        "at": ops.adapt_datetimefield_value(fields["at"]),
        "changes": None
        if fields["changes"] is None
        else ops.adapt_json_value(fields["changes"], None),
        "detail": ops.adapt_json_value(fields["detail"], None),
    }
    return [values[name] for name in _COLUMNS]


def _saved_entry(fields: dict[str, Any]) -> AuditEntry:
    """The model instance for the row just inserted, marked as saved (not addable again)."""
    return AuditEntry.from_db(connection.alias, _MODEL_FIELDS, [fields[n] for n in _MODEL_FIELDS])


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

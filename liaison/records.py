"""What every record shared between nodes is: the model base, the envelope fields, and the
receiving side's rules for partners' copies. One implementation of the sharing contract's
common part (liaison/exchange/sharing.py), used by every app that shares records.

- `SharedRecord`: uid, owner node, version, handling code (a child is never more visible
  than its parent: `handling_parent_fields`), named recipients, review date, neutrality
  flag, received_at.
- `Owned`/`Shared`: the envelope body fields every shared record carries.
- Appliers' helpers: a partner's copy is found only among that partner's records, kept at
  the highest version, never revived by an upsert older than its withdrawal, and a
  withdrawal applier that works for any type.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field

from liaison.exchange.models import Share
from liaison.exchange.protocol import MAX_COUNT, NODE_ID, ProtocolError, Reason
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import WithdrawBody, bury, owned_by_sender, withdrawn
from liaison.policy import TLP_LABELS, Action, HandlingCode, decide, effective_handling_code
from liaison.refusals import Refused


class SharedRecord(models.Model):
    """What every shareable record carries: owner, version, handling code, review date.

    A record owned by a partner node is a read-only copy (`received_at` is set).
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner_node = models.CharField(_("owner node"), max_length=32, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    handling_code = models.CharField(
        _("handling code"), max_length=2, choices=HandlingCode.choices, default=HandlingCode.H0
    )
    review_date = models.DateField(_("review date"), null=True, blank=True)
    neutrality_flag = models.BooleanField(
        _("political, military, religious or racial character"),
        default=False,
        help_text=_("Such records are never shared with partners."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    restricted_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("named recipients (H3)"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Indexed: the desk lists and counts what arrived from partners in its window.
    received_at = models.DateTimeField(_("received at"), null=True, blank=True, db_index=True)

    # The records this one belongs to (foreign keys): it is never more visible than they are.
    handling_parent_fields: ClassVar[Sequence[str]] = ()

    class Meta:
        abstract = True

    @property
    def is_local(self) -> bool:
        return self.owner_node == settings.NODE_ID

    @property
    def effective_handling_code(self) -> HandlingCode:
        """The code this record is handled under: its own or a stricter one inherited."""
        return effective_handling_code(self)

    @property
    def tlp_label(self) -> str:
        return TLP_LABELS[self.effective_handling_code]

    def named_recipient_ids(self) -> set[int]:
        return set(self.restricted_to.values_list("pk", flat=True))

    def neutrality_concern(self) -> bool:
        return self.neutrality_flag


def clean_or_refuse[M: models.Model](
    instance: M, refusal: type[Refused], *, exclude: tuple[str, ...] = ()
) -> M:
    """Apply the model's own rules (choices, lengths, validators, constraints) to input
    that did not come through a form, so the API, importers and the exchange get the same
    checks and the same clear messages, as `refusal` naming each field."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        problems = [
            f"{_label(instance, name)}: {message}" if name != NON_FIELD_ERRORS else message
            for name, messages in error.message_dict.items()
            for message in messages
        ]
        raise refusal("; ".join(problems)) from None
    return instance


def _label(instance: models.Model, name: str) -> str:
    return str(getattr(instance._meta.get_field(name), "verbose_name", name))


# Envelope bodies: what `object` holds. Unknown fields are refused.


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Owned(Body):
    """Every shared record carries its uid, its owner node and its version."""

    uid: UUID
    owner: str = Field(pattern=NODE_ID)
    version: int = Field(ge=1, le=MAX_COUNT)


class Shared(Owned):
    handling_code: Literal["H0", "H1", "H2"]
    review_date: date | None = None


def shared_fields(record: SharedRecord) -> dict[str, Any]:
    """The body fields every shared record sends: the effective handling code, not its own."""
    return {
        "uid": record.uid,
        "owner": record.owner_node,
        "version": record.version,
        "handling_code": record.effective_handling_code,
        "review_date": record.review_date,
    }


# Receiving partners' copies


# Copies a batch will update, locked and read in one query (`copies_read_ahead`).
_READ_AHEAD: ContextVar[dict[tuple[type[SharedRecord], UUID], Any] | None] = ContextVar(
    "copies_read_ahead", default=None
)


@contextmanager
def copies_read_ahead[M: SharedRecord](
    model: type[M], uids: Sequence[UUID]
) -> Iterator[dict[UUID, M]]:
    """Lock and read the copies of `uids` at once, for a batch of envelopes about to be
    applied; yields those found. Inside, `existing_copy` takes each from here once: a second
    envelope for the same record in the batch reads it again, as whatever the first one
    did (an update, a withdrawal) is then in the database, not here."""
    found = {
        record.uid: record
        for record in model._default_manager.select_for_update().filter(uid__in=uids).order_by()
    }
    ahead = (_READ_AHEAD.get() or {}) | {(model, uid): found.get(uid) for uid in uids}
    token = _READ_AHEAD.set(ahead)
    try:
        yield found
    finally:
        _READ_AHEAD.reset(token)


def existing_copy[M: SharedRecord](model: type[M], sender: str, uid: UUID) -> M | None:
    ahead = _READ_AHEAD.get()
    if ahead is not None and (model, uid) in ahead:
        record: M | None = ahead.pop((model, uid))
    else:
        # uid is unique: no ordering (the ORM's ordering would cost more than the row)
        query = model._default_manager.select_for_update().filter(uid=uid).order_by()
        record = next(iter(query), None)
    if record is not None and record.owner_node != sender:
        raise ProtocolError(Reason.NOT_OWNER, f"{uid} is owned by {record.owner_node}")
    return record


def superseded(record: SharedRecord | None, body: Owned) -> bool:
    """The copy is at least as new, or the record was withdrawn at this version or later.

    A withdrawal deletes the copy unless the copy is newer than it, so a copy still here is
    newer than every tombstone of its uid: only an absent copy needs the tombstone look-up."""
    if record is not None:
        return record.version >= body.version
    return withdrawn(body.owner, body.uid, body.version)


def received_fields(sender: str, body: Shared) -> dict[str, Any]:
    return {
        "owner_node": sender,
        "version": body.version,
        "handling_code": body.handling_code,
        "review_date": body.review_date,
        "received_at": timezone.now(),
    }


def save_copy[M: SharedRecord](
    model: type[M], record: M | None, uid: UUID, values: dict[str, Any]
) -> M:
    """Create the copy, or update only the columns whose value changed (and updated_at)."""
    if record is None:
        return model._default_manager.create(uid=uid, **values)
    changed = [name for name, value in values.items() if _stored(record, name) != _key(value)]
    for name in changed:
        setattr(record, name, values[name])
    record.save(update_fields=[*changed, "updated_at"])
    return record


def _stored(record: models.Model, name: str) -> Any:
    """A field's value as stored: a foreign key's id, without fetching the related row."""
    field = record._meta.get_field(name)
    return getattr(record, field.attname if isinstance(field, models.Field) else name)


def _key(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def withdraw_applier[M: SharedRecord](
    model: type[M], object_type: str, before_delete: Callable[[str, M], None] | None = None
) -> Callable[[str, WithdrawBody], Applied]:
    """Delete a partner's copy on its owner's word, and remember the withdrawal.
    `before_delete(sender, record)` runs just before the copy is deleted."""

    def apply_withdraw(sender: str, body: WithdrawBody) -> Applied:
        owned_by_sender(sender, body.owner)
        record = existing_copy(model, sender, body.uid)
        bury(sender, object_type, body.uid, body.version)
        if record is None:
            return Applied("absent", object_type, str(body.uid), body.version)
        if record.version > body.version:
            return Applied("unchanged", object_type, str(body.uid), body.version)
        if before_delete is not None:
            before_delete(sender, record)
        record.delete()
        return Applied("deleted", object_type, str(body.uid), body.version)

    return apply_withdraw


# The sharing contract's `find` and `refusal` (liaison/exchange/sharing.py, RecordType) as
# most record types need them.


def finder[M: SharedRecord](model: type[M]) -> Callable[[UUID], M | None]:
    """`find`: the record with this uid, this node's own or a partner's copy."""
    return lambda uid: model._default_manager.filter(uid=uid).first()


def disclose_refusal(share: Share, record: SharedRecord) -> str:
    """`refusal` of a record a liaison officer shares: the policy, as its sharer; empty if
    it may still go to the partner."""
    decision = decide(share.shared_by, Action.DISCLOSE, record)
    return "" if decision else str(decision.reason)


def kept_local(record: SharedRecord) -> bool:
    """An H3 or flagged record never leaves the node, whatever else allows it."""
    return record.effective_handling_code == HandlingCode.H3 or record.neutrality_concern()


def held_back(share: Share, record: SharedRecord) -> str:
    """`refusal` of a record that follows another without a disclose check (a reply, a
    proposal, a consent): only H3 or the neutrality flag keeps it on this node."""
    return str(_("H3 or flagged: it stays on this node.")) if kept_local(record) else ""

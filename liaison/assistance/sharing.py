"""Requests for assistance in the sharing contract (liaison/exchange/sharing.py).

`request.upsert` carries the requester's record (what is asked, information supplied,
a withdrawal) to the recipient; `request.reply` carries the recipient's reply (its state,
deadline clock and answer) back to the requester. Each node applies only the other's
record: a request only from its owner and only if addressed here, a reply only from the
node the request was sent to. Registered from AssistanceConfig.ready().
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from liaison.assistance import actions
from liaison.assistance.choices import (
    CLOSED,
    OPEN,
    RefusalCategory,
    RequestType,
    Status,
    Urgency,
)
from liaison.assistance.models import AssistanceRequest, Reply
from liaison.assistance.queries import get_request_for_user
from liaison.attachments.parents import ParentType, register_parent
from liaison.core.field_rules import Line, Text
from liaison.exchange.protocol import MAX_COUNT, NODE_ID, ProtocolError, Reason
from liaison.exchange.receive import Applied
from liaison.exchange.sharing import RecordType, owned_by_sender, register_record_type
from liaison.policy import Action
from liaison.records import (
    Body,
    Shared,
    existing_copy,
    held_back,
    received_fields,
    save_copy,
    shared_fields,
    superseded,
)

MAX_PERSONS = 50
MAX_HISTORY = 200
REQUEST_FIELDS = [
    "request_type",
    "subject",
    "text",
    "urgency",
    "agreed_due",
    "requested_by_name",
    "withdrawn_at",
]
REPLY_FIELDS = [
    "status",
    "received_on",
    "due_at",
    "paused_since",
    "paused_seconds",
    "acknowledged_at",
    "closed_at",
    "text",
    "handled_by_name",
    "refusal_category",
]


class Entry(Body):
    """One step in a request's timeline."""

    at: datetime
    step: str = Field(pattern=r"^[a-z_]{1,32}$")
    note: Text = Field("", max_length=8000)
    by: Line = Field("", max_length=200)


class RequestBody(Shared):
    recipient: str = Field(pattern=NODE_ID)
    request_type: RequestType
    subject: Line = Field(min_length=1, max_length=200)
    text: Text = Field(min_length=1, max_length=8000)
    urgency: Urgency
    agreed_due: datetime | None = None
    persons: list[UUID] = Field(max_length=MAX_PERSONS)
    requested_by_name: Line = Field(max_length=200)
    withdrawn_at: datetime | None = None
    history: list[Entry] = Field(max_length=MAX_HISTORY)


class ReplyBody(Shared):
    request: UUID
    status: Status
    received_on: datetime
    due_at: datetime
    paused_since: datetime | None = None
    paused_seconds: int = Field(ge=0, le=MAX_COUNT)
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    text: Text = Field(max_length=8000)
    persons: list[UUID] = Field(max_length=MAX_PERSONS)
    handled_by_name: Line = Field(max_length=200)
    history: list[Entry] = Field(max_length=MAX_HISTORY)
    # Only with a refusal; "" for every other state (and for refusals made before
    # categories existed). A sender that predates the field sends none: "".
    refusal_category: RefusalCategory | Literal[""] = ""

    @model_validator(mode="after")
    def _category_only_with_a_refusal(self) -> ReplyBody:
        if self.refusal_category and self.status != Status.REFUSED:
            raise ValueError("a refusal category goes with a refused reply only")
        return self


def request_object(record: AssistanceRequest) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in REQUEST_FIELDS}
    body = RequestBody(
        **shared_fields(record),
        **values,
        recipient=record.recipient_node,
        persons=record.persons,
        history=record.history,
    )
    return body.model_dump(mode="json")


def reply_object(reply: Reply) -> dict[str, Any]:
    values = {name: getattr(reply, name) for name in REPLY_FIELDS}
    body = ReplyBody(
        **shared_fields(reply),
        **values,
        request=reply.request.uid,
        persons=reply.persons,
        history=reply.history,
    )
    return body.model_dump(mode="json")


def _json(values: list[Any]) -> list[Any]:
    return [v.model_dump(mode="json") if isinstance(v, Body) else str(v) for v in values]


def apply_request(sender: str, body: RequestBody) -> Applied:
    """A partner's request addressed to this node: a read-only copy; the first time, the
    reply that starts the clock (sent back at once)."""
    owned_by_sender(sender, body.owner)
    if body.recipient != settings.NODE_ID:
        raise ProtocolError(Reason.WRONG_RECIPIENT, f"request for {body.recipient}")
    record = existing_copy(AssistanceRequest, sender, body.uid)
    if superseded(record, body):
        return Applied("unchanged", "request", str(body.uid), body.version)
    values = received_fields(sender, body) | {name: getattr(body, name) for name in REQUEST_FIELDS}
    values |= {
        "recipient_node": body.recipient,
        "persons": _json(body.persons),
        "history": _json(body.history),
    }
    effect = "created" if record is None else "updated"
    record = save_copy(AssistanceRequest, record, body.uid, values)
    if effect == "created":
        actions.receive_request(record)
    else:
        actions.follow_requester(record)
    return Applied(effect, "request", str(body.uid), body.version)


def apply_reply(sender: str, body: ReplyBody) -> Applied:
    """The recipient's reply to a request this node sent it."""
    owned_by_sender(sender, body.owner)
    if body.status not in (*OPEN, *CLOSED):
        raise ProtocolError(Reason.BAD_SCHEMA, f"a reply cannot be {body.status}")
    record = AssistanceRequest.objects.filter(uid=body.request, owner_node=settings.NODE_ID).first()
    if record is None:
        return Applied("absent", "request_reply", str(body.uid), body.version)
    if record.recipient_node != sender:
        raise ProtocolError(
            Reason.UNKNOWN_REFERENCE, f"request {body.request} was not sent to {sender}"
        )
    reply = existing_copy(Reply, sender, body.uid)
    if superseded(reply, body):
        return Applied("unchanged", "request_reply", str(body.uid), body.version)
    values = received_fields(sender, body) | {name: getattr(body, name) for name in REPLY_FIELDS}
    values |= {"request": record, "persons": _json(body.persons), "history": _json(body.history)}
    effect = "created" if reply is None else "updated"
    save_copy(Reply, reply, body.uid, values)
    return Applied(effect, "request_reply", str(body.uid), body.version)


def register() -> None:
    register_record_type(
        RecordType(
            name="request",
            body=RequestBody,
            serialise=request_object,
            apply=apply_request,
            find=lambda uid: AssistanceRequest.objects.filter(uid=uid).first(),
            refusal=held_back,
            resync_order=10,
        )
    )
    register_record_type(
        RecordType(
            name="request_reply",
            body=ReplyBody,
            serialise=reply_object,
            apply=apply_reply,
            find=lambda uid: Reply.objects.filter(uid=uid).first(),
            refusal=held_back,
            message="request.reply",
            resync_order=11,
        )
    )


# Attachments (liaison/attachments/): either side attaches files to an open request; they
# go to the other side.


def _closed(record: AssistanceRequest) -> str:
    return "" if record.is_open else _("The request is closed: no more files can be attached.")


def _other_side(record: AssistanceRequest) -> list[str]:
    return [record.recipient_node if record.is_local else record.owner_node]


def _takes_part(record: AssistanceRequest, sender: str) -> bool:
    sides = {record.owner_node, record.recipient_node}
    return sender in sides and settings.NODE_ID in sides


def register_attachments() -> None:
    register_parent(
        ParentType(
            name="request",
            model=AssistanceRequest,
            get_for_user=get_request_for_user,
            upload_action=Action.ASSIST,
            upload_refusal=_closed,
            partners=_other_side,
            accepts=_takes_part,
            url_name="assistance:detail",
        )
    )

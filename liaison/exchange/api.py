"""The exchange's JSON API: the outbox, and the schemas of share and delivery state.

For liaison officers (`disclose_records`): what was sent to which partner, and whether it
was delivered. Only exchange metadata (ids, types, states, the partner's receipt status
and reason), never an envelope's payload. The exchange imports nothing of the web core:
`liaison/api.py` builds this router with the API's documented error responses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from liaison.exchange.protocol import NODE_ID
from liaison.exchange.queries import envelope_summary, outbox
from liaison.policy import Action, require

MAX_PAGE = 500


class EnvelopeOut(Schema):
    partner: str
    envelope: UUID
    seq: int
    type: str
    uid: str = Field(description="The record the envelope is about.")
    version: int | None
    handling: str
    state: str = Field(description="pending, delivered, or rejected (by the partner).")
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    receipt_status: str = Field(description="The partner's signed receipt: applied, ...")
    reason: str = Field(description="The partner's reason, when it rejected the envelope.")
    detail: str


class SharedWithOut(Schema):
    partner: str
    object_type: str
    uid: UUID
    shared_at: datetime
    shared_by: str | None = Field(description="Who shared it (None: the account is gone).")


class DeliveryOut(Schema):
    envelope: UUID
    version: int | None
    state: str = Field(description="pending, delivered, rejected, set_aside or dropped.")
    sent_by: str | None = Field(description="Who sent it (None: a withdrawal, or gone).")
    created_at: datetime
    delivered_at: datetime | None
    receipt_status: str
    reason: str = Field(description="The partner's reason code, when it refused it.")
    refusal: str = Field(description="That reason in words, in the request's language.")


class ShareStatusOut(Schema):
    partner: str
    service: str = Field(description="The partner's service (its agency), or its node id.")
    object_type: str
    uid: UUID
    state: Literal["queued", "delivered", "refused", "set_aside", "dropped", "withdrawn"]
    shared: bool = Field(description="The partner holds it now, as far as this node knows.")
    shared_by: str | None
    shared_at: datetime | None = Field(description="When this share began.")
    sent: int = Field(description="Envelopes sent in this share: the first, then updates.")
    updates: int
    updates_delivered: int
    latest: DeliveryOut | None = Field(description="The latest version sent.")
    delivered: DeliveryOut | None = Field(description="The latest version the partner holds.")
    withdrawal: DeliveryOut | None = Field(description="When withdrawn: the withdrawal.")


class PageQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10_000_000)


class OutboxQuery(PageQuery):
    partner: str = Field("", pattern=f"({NODE_ID})|^$", description="A partner's node id.")
    state: Literal["", "pending", "delivered", "rejected"] = ""


class OutboxPageOut(Schema):
    envelopes: list[EnvelopeOut]
    count: int = Field(description="How many envelopes match, on all pages.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; None if last.")


def page(
    rows: QuerySet[Any], limit: int, offset: int, out: Callable[[Any], dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One page of `rows` (as `out` gives each), and what the page says of the others."""
    count = rows.count()
    items = [out(row) for row in rows[offset : offset + limit]]
    following = offset + limit if offset + limit < count else None
    return {"count": count, "limit": limit, "offset": offset, "next_offset": following}, items


def build_router(errors: Callable[..., dict[int, Any]]) -> Router:
    """The exchange's routes, documented with `errors(*statuses)` (the API's error shape)."""
    router = Router(tags=["exchange"])

    @router.get(
        "/outbox",
        response={200: OutboxPageOut, **errors(400, 401, 403)},
        summary="The outbox: envelopes to partners and their delivery state",
    )
    def list_outbox(request: HttpRequest, query: Query[OutboxQuery]) -> Any:
        """Liaison officers only. In sending order (partner, then sequence number);
        `state=pending` is what is still waiting, `state=rejected` what partners refused."""
        require(request, Action.DISCLOSE, object_type="outbox")
        rows = outbox(partner=query.partner, state=query.state)
        meta, envelopes = page(rows, query.limit, query.offset, envelope_summary)
        return meta | {"envelopes": envelopes}

    return router

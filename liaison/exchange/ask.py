"""Signed queries between nodes: a partner asks, this node answers from what it keeps.

Envelopes (receive.py) change the receiver's data; a query only reads it. An app registers
a query type with `register_query(name, body_schema, answer)`: `answer(sender, body)`
returns the answer's object, computed for the verified sender. A query is authenticated as
an envelope is (the claimed sender's pinned key, recipient, clock); the answer is signed
by the receiver and names the query it answers, so an old answer cannot be passed off as
a new one. A replayed query gets its sender's data again, signed for its sender.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from pydantic import BaseModel, ValidationError

from liaison.audit.actions import log_event
from liaison.exchange.identity import PeerKeyError, accepted_keys, signing_key, signing_key_for
from liaison.exchange.models import Peer
from liaison.exchange.protocol import (
    ANSWER_TYP,
    MAX_ANSWER_BYTES,
    QUERY_TYP,
    ProtocolError,
    Query,
    QueryAnswer,
    Reason,
    answer_claims,
    first_error,
    open_answer,
    open_query,
    printable,
    query_claims,
    sign,
    unverified_claims,
)
from liaison.exchange.receive import key_for
from liaison.exchange.tally import UNAUTHENTICATED, count_refusal

logger = logging.getLogger("liaison.exchange.ask")

QUERIES_PATH = "/federation/v1/queries"
HTTP_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class QueryType:
    body: type[BaseModel]
    answer: Callable[[str, Any], dict[str, Any]]


_QUERIES: dict[str, QueryType] = {}


def register_query[B: BaseModel](
    name: str, body: type[B], answer: Callable[[str, B], dict[str, Any]]
) -> None:
    if name in _QUERIES and _QUERIES[name].body is not body:
        raise ValueError(f"Query type {name!r} is already registered.")
    _QUERIES[name] = QueryType(body, answer)


@dataclass(frozen=True)
class Reply:
    """The signed answer and the HTTP status to send it with."""

    status_code: int
    answer: str


# Answering (the node asked)


def answer_query(raw: bytes, *, source: str = "") -> Reply:
    """Verify one query from client address `source`, answer it for its sender, audit it.
    Raises DatabaseError only."""
    try:
        query = open_query(raw, key_for, me=settings.NODE_ID)
        obj = _answer(query)
    except ProtocolError as error:
        return _refuse(raw, error, source)
    log_event(
        action="disclose",
        peer_node=query.from_,
        object_type=query.type,
        detail={"query": str(query.id), "status": "answered"},
    )
    claims = answer_claims(query_id=query.id, me=settings.NODE_ID, sender=query.from_, obj=obj)
    return Reply(200, sign(claims, signing_key_for(query.from_), typ=ANSWER_TYP))


def _answer(query: Query) -> dict[str, Any]:
    kind = _QUERIES.get(query.type)
    if kind is None:
        raise ProtocolError(Reason.UNKNOWN_TYPE, query.type)
    try:
        body = kind.body.model_validate(query.object)
    except ValidationError as error:
        raise ProtocolError(Reason.BAD_SCHEMA, first_error(error)) from None
    return kind.answer(query.from_, body)


def _refuse(raw: bytes, error: ProtocolError, source: str) -> Reply:
    claimed = _claimed(raw)
    unauthenticated = error.reason in UNAUTHENTICATED
    if unauthenticated:  # counted per source, not audited one by one (tally.py)
        if count_refusal(kind="query", address=source, error=error, claimed=claimed).limited:
            return Reply(429, "")
    else:
        log_event(
            action="permission_denied",
            object_type=claimed.get("type", "query"),
            object_id=claimed.get("id", ""),
            peer_node=claimed.get("from", ""),
            origin="exchange",
            detail={"status": "rejected", "reason": error.reason, "why": error.detail, **claimed},
        )
    claims = answer_claims(
        query_id=None, me=settings.NODE_ID, sender=claimed.get("from"), refusal=error
    )
    status = 401 if unauthenticated else 400
    return Reply(status, sign(claims, signing_key_for(claimed.get("from")), typ=ANSWER_TYP))


def _claimed(raw: bytes) -> dict[str, str]:
    try:
        claims = unverified_claims(raw)
    except ProtocolError:
        return {}
    return {k: printable(claims.get(k), 64) for k in ("id", "from", "to", "type") if k in claims}


# Asking (the node that wants its data)


class QueryError(Exception):
    """The partner could not be asked, refused, or gave no valid answer."""


def ask(peer: Peer, query_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """Ask `peer` one query; the object of its verified answer."""
    try:
        key = accepted_keys(peer)
    except PeerKeyError as error:
        raise QueryError(str(error)) from error
    claims = query_claims(
        sender=settings.NODE_ID, recipient=peer.node_id, query_type=query_type, obj=obj
    )
    raw = _post(peer.url, sign(claims, signing_key(peer), typ=QUERY_TYP).encode("ascii"))
    try:
        answer = open_answer(raw, key)
    except ProtocolError as error:
        raise QueryError(f"{peer.node_id} gave no valid answer ({error.reason})") from None
    _check_answer(answer, peer, claims["id"])
    return answer.object


def _check_answer(answer: QueryAnswer, peer: Peer, query_id: str) -> None:
    if answer.from_ != peer.node_id or answer.to != settings.NODE_ID:
        raise QueryError(f"{peer.node_id}: the answer is from or for another node")
    if answer.status == "rejected":
        raise QueryError(f"{peer.node_id} refused: {answer.reason} {answer.detail}".strip())
    if str(answer.query) != query_id:
        raise QueryError(f"{peer.node_id}: the answer is for another query")


def _post(url: str, body: bytes) -> bytes:
    target = url.rstrip("/") + QUERIES_PATH
    if urllib.parse.urlsplit(target).scheme not in {"http", "https"}:
        raise QueryError(f"{url} is not an http(s) URL.")
    request = urllib.request.Request(target, data=body, method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/jose")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            return bytes(response.read(MAX_ANSWER_BYTES))
    except urllib.error.HTTPError as error:
        return bytes(error.read(MAX_ANSWER_BYTES))  # a refusal is a signed answer too
    except OSError as error:
        raise QueryError(f"{target}: {error}") from error

"""The node's public identity, the envelope endpoint, the partners page."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from liaison.audit.decorators import capability_required
from liaison.config import ConfigError
from liaison.exchange.ask import Reply, answer_query
from liaison.exchange.batches import receive_batch
from liaison.exchange.identity import node_document
from liaison.exchange.protocol import (
    BATCH_MEDIA_TYPE,
    MAX_BATCH_BYTES,
    MAX_ENVELOPE_BYTES,
    MAX_QUERY_BYTES,
    ProtocolError,
    Reason,
    open_batch,
    receipts_body,
)
from liaison.exchange.queries import peer_states
from liaison.exchange.receive import Answer, receive, refuse

logger = logging.getLogger("liaison.exchange")


@require_GET
@never_cache
def well_known(request: HttpRequest) -> JsonResponse:
    """Node id, agency, country, public key (JWK), fingerprint and protocol version."""
    try:
        return JsonResponse(node_document())
    except ConfigError as error:
        logger.error("%s", error)
        return JsonResponse({"detail": "This node has no signing key yet."}, status=503)


@csrf_exempt  # authenticated by the envelope's signature, not by a session
@require_POST
def envelopes(request: HttpRequest) -> HttpResponse:
    """Receive one envelope (a JWS, compact serialisation); answer with a signed receipt."""
    try:
        answer = _receive(request)
    except (DatabaseError, ConfigError):
        logger.exception("cannot take envelopes now")
        return JsonResponse({"detail": "Temporarily unavailable; retry later."}, status=503)
    return HttpResponse(
        answer.receipt,
        status=answer.status_code,
        content_type=answer.content_type,
        headers=answer.headers,
    )


def _receive(request: HttpRequest) -> Answer:
    # Refuse by the declared length before reading anything: the body is never parsed.
    # (The server itself refuses a larger body before reading it: liaison serve.)
    source = request.META.get("REMOTE_ADDR", "")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        error = ProtocolError(Reason.LENGTH_REQUIRED, "Content-Length is required")
        return refuse(error, source=source)
    if length > MAX_ENVELOPE_BYTES:
        error = ProtocolError(Reason.TOO_LARGE, f"{length} > {MAX_ENVELOPE_BYTES} bytes")
        return refuse(error, source=source)
    return receive(request.read(MAX_ENVELOPE_BYTES), source=source)


@csrf_exempt  # each envelope is authenticated by its own signature, not by a session
@require_POST
def batches(request: HttpRequest) -> HttpResponse:
    """Receive several envelopes in one request; answer with one signed receipt for each."""
    try:
        return _receive_batch(request)
    except (DatabaseError, ConfigError):
        logger.exception("cannot take envelopes now")
        return JsonResponse({"detail": "Temporarily unavailable; retry later."}, status=503)


def _receive_batch(request: HttpRequest) -> HttpResponse:
    source = request.META.get("REMOTE_ADDR", "")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        error = ProtocolError(Reason.LENGTH_REQUIRED, "Content-Length is required")
        return _refused(error, source)
    if length > MAX_BATCH_BYTES:
        error = ProtocolError(Reason.TOO_LARGE, f"{length} > {MAX_BATCH_BYTES} bytes")
        return _refused(error, source)
    try:
        tokens = open_batch(request.read(MAX_BATCH_BYTES))
    except ProtocolError as error:
        return _refused(error, source)
    receipts = receive_batch(tokens, source=source)
    return HttpResponse(receipts_body(receipts), content_type=BATCH_MEDIA_TYPE)


def _refused(error: ProtocolError, source: str) -> HttpResponse:
    """A request that is not a batch: one rejection receipt for no envelope, as /envelopes
    (counted per source like every unauthenticated refusal)."""
    answer = refuse(error, source=source)
    return HttpResponse(
        answer.receipt,
        status=answer.status_code,
        content_type="application/jose",
        headers=answer.headers,
    )


@csrf_exempt  # authenticated by the query's signature, not by a session
@require_POST
@never_cache
def queries(request: HttpRequest) -> HttpResponse:
    """Answer one signed query from a partner with a signed answer (exchange/ask.py)."""
    try:
        reply = _answer(request)
    except (DatabaseError, ConfigError):
        logger.exception("cannot answer queries now")
        return JsonResponse({"detail": "Temporarily unavailable; retry later."}, status=503)
    return HttpResponse(reply.answer, status=reply.status_code, content_type="application/jose")


def _answer(request: HttpRequest) -> Reply:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        length = MAX_QUERY_BYTES + 1
    if length > MAX_QUERY_BYTES:
        return Reply(413, "")
    return answer_query(request.read(MAX_QUERY_BYTES), source=request.META.get("REMOTE_ADDR", ""))


@require_GET
@never_cache
@login_required
@capability_required("accounts.manage_peers", object_type="peers")
def peers(request: HttpRequest) -> HttpResponse:
    """For node administrators: each partner's state and the envelopes it rejected."""
    return render(request, "exchange/peers.html", {"peers": peer_states(rejections=20)})

"""Accreditation lists and the review queue through the JSON API, under
/api/v1/events/{uid}/lists: the same scoped queries, actions and audit as the pages
(docs/events.md): upload (multipart), map the columns, follow the progress, review."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from pydantic import Field, StrictBool

from liaison.audit.actions import log_event
from liaison.core.api_errors import error_responses
from liaison.core.api_input import ApiInput
from liaison.core.field_rules import Text
from liaison.events import accreditation, review
from liaison.events.models import AccreditationList, Candidate
from liaison.events.queries import (
    get_event_for_user,
    lists_with_progress,
    review_candidates,
    visible_candidates,
)
from liaison.events.tables import Mapping
from liaison.exchange.api import page
from liaison.policy import Action, require

router = Router(tags=["events"])
READ_ERRORS = error_responses(400, 401, 403, 404)
DECIDE_ERRORS = error_responses(400, 401, 403, 404)
BODY_ERRORS = error_responses(400, 401, 403, 404, 413)
PAGE_MAX = 200
QueueStatus = Literal["pending", "proposed", "confirmed", "cleared"]


class AccreditationListOut(Schema):
    uid: UUID
    name: str
    purpose: str
    file_name: str
    status: str = Field(description="mapping, queued, running, done or cancelled.")
    run: int
    rows_total: int
    rows_screened: int
    percent: int
    bad_rows: int
    candidates: int = Field(description="The last run's candidates the reader may see.")
    pending: int = Field(description="Candidates the reader may see, to review.")
    proposed: int = Field(description="Candidates awaiting a second confirmation.")
    uploaded_by: str
    uploaded_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    four_eyes: bool = Field(description="Whether a confirmation needs a second officer.")
    columns: list[str] = Field(description="The file's header, for the mapping.")
    mapping: dict[str, Any] = Field(description="Column indexes, once mapped.")


class ApplicantOut(Schema):
    line: int
    names: list[str]
    date_of_birth: str
    nationalities: list[str]
    documents: list[str]
    category: str


class WatchedPersonOut(Schema):
    uid: UUID
    owner_node: str
    names: list[str]
    birth_dates: list[str]
    nationalities: list[str]
    documents: list[str]


class ReviewCandidateOut(Schema):
    id: int
    status: str
    score: float
    explanation: str
    evidence: dict[str, Any]
    run: int
    applicant: ApplicantOut
    person: WatchedPersonOut
    proposed_by: str | None
    proposed_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    rejected_by: str | None
    rejected_at: datetime | None
    rejection: str
    hit: UUID | None


class ReviewQueueOut(Schema):
    count: int
    limit: int
    offset: int
    next_offset: int | None
    candidates: list[ReviewCandidateOut]


class ReviewQueueQuery(Schema):
    status: QueueStatus = "pending"
    limit: int = Field(50, ge=1, le=PAGE_MAX)
    offset: int = Field(0, ge=0, le=10_000_000)


class DecisionReasonIn(ApiInput):
    model_config = {"extra": "forbid"}

    reason: Text = Field(min_length=1, max_length=2000)


Column = Annotated[int, Field(ge=0, le=10_000)]


class ColumnsIn(ApiInput):
    """Which columns (0 for the first) hold what; names are joined in the file's order."""

    model_config = {"extra": "forbid"}

    names: list[Column] = Field(min_length=1, max_length=20)
    alias: Column | None = None
    date_of_birth: Column | None = None
    nationality: Column | None = None
    documents: list[Column] = Field(default_factory=list, max_length=20)
    category: Column | None = None


class FourEyesIn(ApiInput):
    model_config = {"extra": "forbid"}

    four_eyes: StrictBool | None = Field(description="true, false, or null for the node's setting.")


class FourEyesOut(Schema):
    four_eyes: bool | None
    effective: bool


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def list_out(lst: AccreditationList) -> dict[str, Any]:
    fields = ["uid", "name", "purpose", "file_name", "status", "run", "rows_total"]
    # Not the watchlist's size nor the pairs decided earlier: node-wide counts that take in
    # persons the reader may not see.
    fields += ["rows_screened", "percent", "uploaded_at", "started_at"]
    fields += ["finished_at", "pending", "proposed", "columns", "mapping"]
    return {f: getattr(lst, f) for f in fields} | {
        "bad_rows": len(lst.bad_rows),
        "candidates": lst.found,  # type: ignore[attr-defined]
        "uploaded_by": lst.uploaded_by.get_username(),
        "four_eyes": review.four_eyes(lst.event),
    }


def candidate_out(c: Candidate) -> dict[str, Any]:
    a, p = c.applicant, c.person
    fields = ["id", "status", "score", "evidence", "run", "proposed_at", "decided_at"]
    fields += ["reason", "rejected_at", "rejection"]
    applicant = ["line", "names", "date_of_birth", "nationalities", "documents", "category"]
    return {f: getattr(c, f) for f in fields} | {
        "explanation": review.explanation(c),
        "applicant": {f: getattr(a, f) for f in applicant},
        "person": {
            "uid": p.uid,
            "owner_node": p.owner_node,
            "names": [n.full_name for n in p.names.all()],
            "birth_dates": [d.value for d in p.birth_dates.all()],
            "nationalities": [n.code for n in p.nationalities.all()],
            "documents": [d.number for d in p.documents.all()],
        },
        "proposed_by": _name(c.proposed_by),
        "decided_by": _name(c.decided_by),
        "rejected_by": _name(c.rejected_by),
        "hit": c.hit.uid if c.hit is not None else None,
    }


def _lists(request: HttpRequest, uid: UUID) -> Any:
    event = get_event_for_user(request.user, uid)
    require(request, Action.SEARCH, object_type=accreditation.OBJECT)
    return lists_with_progress(request.user, event).select_related("event")


def _list(request: HttpRequest, uid: UUID, list_uid: UUID) -> AccreditationList:
    try:
        lst: AccreditationList = _lists(request, uid).get(uid=list_uid)
    except AccreditationList.DoesNotExist:
        raise Http404 from None
    return lst


@router.get(
    "/events/{uid}/lists",
    response={200: list[AccreditationListOut], **READ_ERRORS},
    summary="List an event's accreditation lists, with their progress",
)
def list_lists(request: HttpRequest, uid: UUID) -> Any:
    return [list_out(lst) for lst in _lists(request, uid)]


@router.post(
    "/events/{uid}/lists",
    response={201: AccreditationListOut, **BODY_ERRORS},
    summary="Upload an accreditation list (multipart: file, name, purpose)",
)
def upload_list(
    request: HttpRequest,
    uid: UUID,
    file: File[UploadedFile],
    purpose: Form[str],
    name: Form[str] = "",
) -> Any:
    event = get_event_for_user(request.user, uid)
    if file.size is not None and file.size > settings.LIST_MAX_BYTES:
        raise HttpError(413, _("The file is too large."))
    lst = accreditation.upload_list(
        actor=request.user,
        event=event,
        name=name,
        purpose=purpose,
        file_name=file.name or "",
        data=file.read(),
        request=request,
    )
    return Status(201, list_out(_list(request, uid, lst.uid)))


@router.post(
    "/events/{uid}/lists/{list_uid}/columns",
    response={200: AccreditationListOut, **BODY_ERRORS},
    summary="Map the list's columns: its rows are read and screened in the background",
)
def map_columns(request: HttpRequest, uid: UUID, list_uid: UUID, payload: ColumnsIn) -> Any:
    lst = _list(request, uid, list_uid)
    mapping = Mapping(**payload.model_dump())
    accreditation.map_columns(actor=request.user, lst=lst, mapping=mapping, request=request)
    return list_out(_list(request, uid, list_uid))


@router.get(
    "/events/{uid}/lists/{list_uid}",
    response={200: AccreditationListOut, **READ_ERRORS},
    summary="Open an accreditation list: its progress and counts",
)
def get_list(request: HttpRequest, uid: UUID, list_uid: UUID) -> Any:
    return list_out(_list(request, uid, list_uid))


@router.get(
    "/events/{uid}/lists/{list_uid}/candidates",
    response={200: ReviewQueueOut, **READ_ERRORS},
    summary="The review queue: candidates with score, explanation and evidence",
)
def list_candidates(
    request: HttpRequest, uid: UUID, list_uid: UUID, query: Query[ReviewQueueQuery]
) -> Any:
    lst = _list(request, uid, list_uid)
    rows = review_candidates(request.user, lst, query.status).select_related("hit")
    meta, items = page(rows, query.limit, query.offset, candidate_out)
    log_event(
        action="consult",
        request=request,
        object_type=accreditation.OBJECT,
        object_id=str(lst.uid),
        purpose=lst.purpose,
        detail={"candidates": [c["id"] for c in items], "status": query.status},
    )
    return meta | {"candidates": items}


def _candidate(request: HttpRequest, uid: UUID, list_uid: UUID, pk: int) -> Candidate:
    """A candidate the user may see (404 otherwise), for a user who may decide (403)."""
    lst = _list(request, uid, list_uid)
    require(request, Action.CREATE, object_type=accreditation.OBJECT)
    try:
        return visible_candidates(request.user, lst).get(pk=pk)
    except Candidate.DoesNotExist:
        raise Http404 from None


def _after(candidate: Candidate) -> dict[str, Any]:
    related = ("applicant", "person", "decided_by", "proposed_by", "rejected_by", "hit")
    fresh = Candidate.objects.select_related(*related).get(pk=candidate.pk)
    return candidate_out(fresh)


DECISION = "/events/{uid}/lists/{list_uid}/candidates/{pk}"


@router.post(
    f"{DECISION}/confirm",
    response={200: ReviewCandidateOut, **DECIDE_ERRORS},
    summary="Confirm a candidate (with four-eyes, a first confirmation proposes)",
)
def confirm(request: HttpRequest, uid: UUID, list_uid: UUID, pk: int) -> Any:
    candidate = _candidate(request, uid, list_uid, pk)
    return _after(
        review.confirm_candidate(actor=request.user, candidate=candidate, request=request)
    )


@router.post(
    f"{DECISION}/propose",
    response={200: ReviewCandidateOut, **DECIDE_ERRORS},
    summary="Propose a confirmation, for a second officer to confirm or reject",
)
def propose(request: HttpRequest, uid: UUID, list_uid: UUID, pk: int) -> Any:
    candidate = _candidate(request, uid, list_uid, pk)
    done = review.propose_confirmation(actor=request.user, candidate=candidate, request=request)
    return _after(done)


@router.post(
    f"{DECISION}/reject",
    response={200: ReviewCandidateOut, **BODY_ERRORS},
    summary="Reject a proposed confirmation (back to the queue), with the reason",
)
def reject(
    request: HttpRequest, uid: UUID, list_uid: UUID, pk: int, payload: DecisionReasonIn
) -> Any:
    candidate = _candidate(request, uid, list_uid, pk)
    done = review.reject_proposal(
        actor=request.user, candidate=candidate, reason=payload.reason, request=request
    )
    return _after(done)


@router.post(
    f"{DECISION}/clear",
    response={200: ReviewCandidateOut, **BODY_ERRORS},
    summary="Clear a candidate, with the reason",
)
def clear(
    request: HttpRequest, uid: UUID, list_uid: UUID, pk: int, payload: DecisionReasonIn
) -> Any:
    candidate = _candidate(request, uid, list_uid, pk)
    done = review.clear_candidate(
        actor=request.user, candidate=candidate, reason=payload.reason, request=request
    )
    return _after(done)


@router.put(
    "/events/{uid}/four-eyes",
    response={200: FourEyesOut, **BODY_ERRORS},
    summary="Set whether confirmations in the event need a second officer",
)
def set_four_eyes(request: HttpRequest, uid: UUID, payload: FourEyesIn) -> Any:
    event = get_event_for_user(request.user, uid)
    event = review.set_four_eyes(
        actor=request.user, event=event, four_eyes=payload.four_eyes, request=request
    )
    return {"four_eyes": event.four_eyes, "effective": review.four_eyes(event)}

"""Registry JSON API under /api/v1/: the same actions and scoped queries as the pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from liaison.audit.actions import log_event
from liaison.core import idempotency
from liaison.core.api_errors import error_body, error_responses
from liaison.core.api_input import ApiInput, IsoDateTime
from liaison.core.field_rules import (
    Line,
    Name,
    OptionalDateOfBirth,
    Purpose,
    optional_country,
)
from liaison.exchange.api import EnvelopeOut, SharedWithOut, ShareStatusOut, page
from liaison.exchange.protocol import NODE_ID
from liaison.exchange.queries import (
    envelope_summary,
    envelopes_about,
    service_names_for,
    share_outcome,
    share_status,
    share_summary,
    shares_of,
)
from liaison.policy import Action, require
from liaison.registry import actions
from liaison.registry import subject_access as sar
from liaison.registry.choices import PersonCategory
from liaison.registry.models import Alert, Hit, HitDecision, Person, PersonName, Warrant
from liaison.registry.queries import get_person_for_user, get_record_for_user, persons_visible_to
from liaison.registry.schemas import (
    AlertIn,
    AlertOut,
    AlertStatusIn,
    DispositionIn,
    ExtensionIn,
    HitDecisionIn,
    HitDecisionOut,
    HitIn,
    HitOut,
    HitOutcomeIn,
    PersonIn,
    PersonOut,
    PersonPageOut,
    SearchOut,
    Strict,
    SubjectAccessOut,
    WarrantIn,
    WarrantOut,
    WarrantStatusIn,
)
from liaison.registry.search import SORTS, Criteria, Filters, search_detail, search_persons
from liaison.registry.sharing.panel import person_records
from liaison.registry.sharing.share import share_person as share_person_action
from liaison.share_status import shared_before

router = Router(tags=["registry"])
# What each kind of operation may answer besides success (liaison/core/api_errors.py).
LIST_ERRORS = error_responses(401, 403)
QUERY_ERRORS = error_responses(400, 401, 403)
CREATE_ERRORS = error_responses(400, 401, 403, 413, *idempotency.ERRORS)
ADD_ERRORS = error_responses(400, 401, 403, 404, 413, *idempotency.ERRORS)
RECORD_ERRORS = error_responses(400, 401, 403, 404)
CHANGE_ERRORS = error_responses(400, 401, 403, 404, 413)
LIST_DEFAULT = 50
SORT_PATTERN = f"^-?({'|'.join(SORTS)})$"
LIST_MAX = 200


class PurposeQuery(ApiInput):
    purpose: Purpose = Field(max_length=300, description="Why you consult (logged).")
    reference: Line = Field("", max_length=100, description="Case or legal basis reference.")


class SearchQuery(PurposeQuery):
    name: Name = Field("", max_length=300)
    date_of_birth: OptionalDateOfBirth = ""
    # Any case in a search; capitals for the rule.
    nationality: Annotated[str, AfterValidator(str.upper), AfterValidator(optional_country)] = (
        Field("", pattern=r"^([A-Za-z]{2})?$")
    )
    # Both a search and a list: filters, and paging.
    category: PersonCategory | None = Field(None, description="The person's category.")
    owner: str = Field("", pattern=f"({NODE_ID})|^$", description="The owner node.")
    received: bool | None = Field(
        None, description="True for partners' records, false for this node's."
    )
    sort: str = Field(
        "score",
        pattern=SORT_PATTERN,
        description="Search: score (best first, the default), name, dob (oldest first) or "
        "updated (latest first); a leading '-' reverses.",
    )
    # Without name, date of birth or nationality: a list, filtered and paged.
    handling_code: Literal["", "H0", "H1", "H2", "H3"] = Field(
        "", description="List: the record's own handling code."
    )
    updated_since: IsoDateTime | None = Field(
        None, description="List: changed (or received again) at or after this time."
    )
    limit: int = Field(LIST_DEFAULT, ge=1, le=LIST_MAX, description="Page size.")
    offset: int = Field(0, ge=0, le=10_000_000, description="Persons or results to skip.")


_LIST_ONLY = ("handling_code", "updated_since")
_LIST_FILTERS = ("category", "owner", "received", "handling_code", "updated_since")


def person_out(person: Person) -> dict[str, Any]:
    return {
        "uid": person.uid,
        "owner_node": person.owner_node,
        "version": person.version,
        "handling_code": person.handling_code,
        "tlp": person.tlp_label,
        "review_date": person.review_date,
        "category": person.category,
        "sex": person.sex,
        "names": [
            {"full_name": n.full_name, "kind": n.kind, "script": n.script}
            for n in person.names.all()
        ],
        "birth_dates": [b.value for b in person.birth_dates.all()],
        "nationalities": person.nationality_codes,
        "place_of_birth": person.place_of_birth,
        "country_of_birth": person.country_of_birth,
        "external_ref": person.external_ref,
        "received_at": person.received_at,
    }


def warrant_out(warrant: Warrant) -> dict[str, Any]:
    fields = ["uid", "owner_node", "version", "status", "issuing_country"]
    fields += ["issuing_authority", "reference", "offences", "issued_on", "expires_on"]
    fields += ["extradition_sought", "review_date"]
    return {f: getattr(warrant, f) for f in fields} | {
        "person": warrant.person.uid,
        "handling_code": warrant.effective_handling_code,
    }


def alert_out(alert: Alert) -> dict[str, Any]:
    fields = ["uid", "owner_node", "version", "alert_type", "status"]
    fields += ["action_on_hit", "facts", "assessment", "review_date"]
    warrant = alert.warrant.uid if alert.warrant else None
    return {f: getattr(alert, f) for f in fields} | {
        "person": alert.person.uid,
        "warrant": warrant,
        "handling_code": alert.effective_handling_code,
    }


def hit_out(hit: Hit) -> dict[str, Any]:
    fields = ["uid", "owner_node", "encountered_name", "encountered_on", "place", "context"]
    fields += ["score", "explanation", "disposition", "action_taken"]
    alert = hit.alert.uid if hit.alert else None
    return {f: getattr(hit, f) for f in fields} | {
        "person": hit.person.uid,
        "alert": alert,
        "handling_code": hit.effective_handling_code,
        "status_reason": hit.status_reason,
        "decisions": [decision_out(d) for d in hit.decisions.all()],
        "outcome": hit.outcome or None,
        "outcome_on": hit.outcome_on,
        "arrested_on": hit.arrested_on,
    }


def decision_out(decision: HitDecision) -> dict[str, Any]:
    fields = ["uid", "owner_node", "decision", "message", "decided_by_name"]
    fields += ["decided_by_agency", "decided_on"]
    return {f: getattr(decision, f) for f in fields} | {"hit": decision.hit.uid}


def _field_error(field: str, message: str) -> dict[str, Any]:
    return error_body(message, [{"loc": ["body", field], "msg": message, "type": "not_found"}])


def _person_data(values: dict[str, Any]) -> actions.PersonData:
    values = dict(values)
    values["names"] = [actions.NameData(**n) for n in values["names"]]
    values["documents"] = [actions.DocumentData(**d) for d in values["documents"]]
    return actions.PersonData(**values)


def _current_values(person: Person) -> dict[str, Any]:
    """The person as a PersonIn body: what an update keeps of the fields it is not given."""
    return {
        "category": person.category,
        "names": [
            {
                "full_name": n.full_name,
                "kind": n.kind,
                "given_names": n.given_names,
                "family_name": n.family_name,
            }
            for n in person.names.all()
        ],
        "sex": person.sex,
        "birth_dates": [b.value for b in person.birth_dates.all()],
        "place_of_birth": person.place_of_birth,
        "country_of_birth": person.country_of_birth,
        "nationalities": person.nationality_codes,
        "distinguishing_marks": person.distinguishing_marks,
        "documents": [
            {
                "document_type": d.document_type,
                "number": d.number,
                "issuing_country": d.issuing_country,
            }
            for d in person.documents.all()
        ],
        "handling_code": person.handling_code,
        "review_date": person.review_date,
        "neutrality_flag": person.neutrality_flag,
        "named_recipients": list(person.restricted_to.values_list("username", flat=True)),
    }


@router.get(
    "/persons",
    response={200: SearchOut | PersonPageOut, **QUERY_ERRORS},
    summary="Search persons, or list them",
)
def search(request: HttpRequest, query: Query[SearchQuery]) -> Any:
    """With `name`, `date_of_birth` or `nationality`: a search (name in any script: a full
    name, a family name alone, a given name with a date of birth, a name's first letters),
    best first or by `sort` (`SearchOut`, each result explained in words). Without: a list
    of the persons the user may see (`PersonPageOut`), oldest change first. Both are
    filtered by `category`, `owner`, `received` and paged by `limit` and `offset`;
    `handling_code` and `updated_since` filter a list only.
    `purpose` is required either way: a list is a consultation too, audited as a search
    is (`person-search`, with the filters used and the uids of the page returned)."""
    if not (query.name.strip() or query.date_of_birth or query.nationality):
        return _list_persons(request, query)
    given = [f for f in _LIST_ONLY if f in query.model_fields_set]
    if given:
        message = _("%(fields)s list persons; they do not combine with a search.")
        return Status(400, error_body(message % {"fields": ", ".join(given)}))
    require(request, Action.SEARCH, object_type="person")
    criteria: Criteria = {
        "name": query.name,
        "date_of_birth": query.date_of_birth,
        "nationality": query.nationality.upper(),
    }
    filters = Filters(query.category or "", query.owner, query.received)
    outcome = search_persons(
        persons_visible_to(request.user, Action.SEARCH),
        **criteria,
        filters=filters,
        sort=query.sort,
        offset=query.offset,
        limit=query.limit,
    )
    log_event(
        action="consult",
        request=request,
        object_type="person-search",
        purpose=query.purpose,
        purpose_reference=query.reference,
        detail=search_detail(criteria, outcome, filters),
    )
    results = [
        {
            "person": person_out(r.person),
            "score": round(r.score, 4),
            "explanation": r.words,
            "evidence": r.explanation,
        }
        for r in outcome.results
    ]
    following = query.offset + len(results)
    return {
        "results": results,
        "candidates": outcome.candidates,
        "broad": outcome.broad,
        "more": outcome.more,
        "count": outcome.count,
        "limit": query.limit,
        "offset": query.offset,
        "next_offset": following if following < outcome.count else None,
    }


def _list_persons(request: HttpRequest, query: SearchQuery) -> dict[str, Any]:
    require(request, Action.LIST, object_type="person")
    persons = persons_visible_to(request.user, Action.LIST).order_by("updated_at", "pk")
    filters: dict[str, Any] = {}
    if query.category:
        filters["category"] = query.category
    if query.owner:
        filters["owner_node"] = query.owner
    if query.received is not None:
        filters["received_at__isnull"] = not query.received
    if query.handling_code:
        filters["handling_code"] = query.handling_code
    if query.updated_since is not None:
        filters["updated_at__gte"] = query.updated_since
    persons = persons.filter(**filters).prefetch_related(
        Prefetch("names", queryset=PersonName.objects.order_by("id")),
        "birth_dates",
        "nationalities",
    )
    meta, page_ = page(persons, query.limit, query.offset, person_out)
    log_event(
        action="consult",
        request=request,
        object_type="person-search",
        purpose=query.purpose,
        purpose_reference=query.reference,
        detail={
            "list": True,
            "criteria": sorted(
                f for f in (*_LIST_FILTERS, "limit", "offset") if f in query.model_fields_set
            ),
            "offset": query.offset,
            "results": [str(p["uid"]) for p in page_],
        },
    )
    return meta | {"persons": page_}


@router.post("/persons", response={201: PersonOut, **CREATE_ERRORS}, summary="Record a person")
@idempotency.idempotent
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    person = actions.create_person(
        actor=request.user, data=_person_data(payload.model_dump()), request=request
    )
    return Status(201, person_out(get_person_for_user(request.user, person.uid)))


@router.get("/persons/{uid}", response={200: PersonOut, **RECORD_ERRORS}, summary="Open a person")
def get_person(request: HttpRequest, uid: UUID, query: Query[PurposeQuery]) -> Any:
    person = get_person_for_user(request.user, uid)
    log_event(
        action="consult",
        request=request,
        object_type="person",
        object_id=str(person.uid),
        purpose=query.purpose,
        purpose_reference=query.reference,
    )
    return person_out(person)


@router.put("/persons/{uid}", response={200: PersonOut, **CHANGE_ERRORS}, summary="Change a person")
def update_person(request: HttpRequest, uid: UUID, payload: PersonIn) -> Any:
    """Fields left out of the body keep their current values (send `[]` or `""` to clear
    one); the external reference, which the body cannot carry, is always kept."""
    person = get_person_for_user(request.user, uid)
    # The kept values were validated when they were written; only the given ones are new.
    values = _current_values(person) | payload.model_dump(exclude_unset=True)
    actions.update_person(
        actor=request.user, person=person, data=_person_data(values), request=request
    )
    return person_out(get_person_for_user(request.user, uid))


class ReasonQuery(ApiInput):
    reason: Line = Field(
        min_length=3, max_length=500, description="Why the person is erased (logged)."
    )


@router.delete("/persons/{uid}", response={204: None, **RECORD_ERRORS}, summary="Erase a person")
def erase_person(request: HttpRequest, uid: UUID, query: Query[ReasonQuery]) -> Any:
    person = get_person_for_user(request.user, uid)
    reason = query.reason
    actions.erase_person(actor=request.user, person=person, reason=reason, request=request)
    return Status(204, None)


class ShareIn(Strict):
    partner: str = Field(pattern=r"^[a-z][a-z0-9-]{1,31}$", description="The partner's node id.")


class SkippedOut(Schema):
    object_type: str
    uid: str
    reason: str


class ShareOut(Schema):
    partner: str
    envelopes: list[str]
    skipped: list[SkippedOut]
    already_shared: bool = Field(description="The partner held the person before this share.")
    message: str = Field(description="What the share did: a first share, or sent again.")


@router.post(
    "/persons/{uid}/shares",
    response={201: ShareOut, **ADD_ERRORS},
    summary="Share a person, with its warrants and alerts, with a partner node",
)
@idempotency.idempotent
def share_person(request: HttpRequest, uid: UUID, payload: ShareIn) -> Any:
    """Refused (403) when the policy forbids disclosing the person; attached warrants and
    alerts that it forbids are left out and listed in `skipped` with the reason."""
    person = get_person_for_user(request.user, uid)
    before = shared_before("person", person.uid, payload.partner)
    result = share_person_action(
        actor=request.user, person=person, partner=payload.partner, request=request
    )
    skipped = [s.__dict__ for s in result.skipped]
    service = service_names_for(request).get(result.partner, result.partner)
    return Status(
        201,
        {
            "partner": result.partner,
            "envelopes": result.envelopes,
            "skipped": skipped,
            "already_shared": before is not None,
            "message": share_outcome(before, service, person.version),
        },
    )


class ShareStateQuery(ApiInput):
    limit: int = Field(100, ge=1, le=500, description="Envelopes: how many, newest first.")


class ShareStateOut(Schema):
    uid: UUID
    shares: list[SharedWithOut] = Field(
        description="Who holds the person, and its warrants, alerts and hits, now."
    )
    envelopes: list[EnvelopeOut] = Field(
        description="What was sent about them, newest first, with the delivery state and the "
        "partner's receipt status (shares, updates, withdrawals)."
    )
    status: list[ShareStatusOut] = Field(
        description="Per record and partner, as the person page's Sharing panel: by whom, "
        "since when, the state (queued, delivered, refused, set aside, dropped, withdrawn), "
        "the version the partner holds, updates sent and delivered, the withdrawal."
    )


@router.get(
    "/persons/{uid}/shares",
    response={200: ShareStateOut, **RECORD_ERRORS},
    summary="To whom a person (and what belongs to it) is shared, and what was delivered",
)
def share_state(request: HttpRequest, uid: UUID, query: Query[ShareStateQuery]) -> Any:
    """Liaison officers only (`disclose_records`), for a person they may see (404
    otherwise); records attached to it that they may not see are left out. Audited as a
    consultation of the person (`detail.read` = `shares`)."""
    require(request, Action.DISCLOSE, object_type="person-shares")
    person = get_person_for_user(request.user, uid)
    records = [(kind, record.uid) for kind, _label, record in person_records(person)]
    uids = [uid for _kind, uid in records]
    log_event(
        action="consult",
        request=request,
        object_type="person",
        object_id=str(person.uid),
        detail={"read": "shares"},
    )
    return {
        "uid": person.uid,
        "shares": [share_summary(s) for s in shares_of(uids)],
        "envelopes": [envelope_summary(e) for e in envelopes_about(uids)[: query.limit]],
        "status": [row.as_dict() for row in share_status(records)],
    }


class SubjectAccessQuery(ApiInput):
    purpose: Purpose = Field(max_length=300, description="Why (logged).")
    reference: Line = Field(
        min_length=1, max_length=100, description="The request's registration number (logged)."
    )


@router.get(
    "/persons/{uid}/access",
    response={200: SubjectAccessOut, **RECORD_ERRORS},
    summary="Subject access report (LED art. 14): held data, consultations, disclosures",
)
def subject_access(request: HttpRequest, uid: UUID, query: Query[SubjectAccessQuery]) -> Any:
    """Supervisors only (`subject_access`); producing it is audited as a consultation."""
    require(request, Action.SUBJECT_ACCESS, object_type="person")
    person = get_person_for_user(request.user, uid)
    production = sar.record_production(
        actor=request.user,
        person=person,
        purpose=query.purpose,
        reference=query.reference,
        fmt="json",
        request=request,
    )
    return sar.as_json(sar.subject_access_report(request.user, person, production))


@router.get("/warrants", response={200: list[WarrantOut], **LIST_ERRORS}, summary="List warrants")
def list_warrants(request: HttpRequest) -> Any:
    return [warrant_out(w) for w in _visible(request, Warrant)]


@router.post("/persons/{uid}/warrants", response={201: WarrantOut, **ADD_ERRORS})
@idempotency.idempotent
def create_warrant(request: HttpRequest, uid: UUID, payload: WarrantIn) -> Any:
    person = get_person_for_user(request.user, uid)
    data = actions.WarrantData(**payload.model_dump())
    warrant = actions.create_warrant(actor=request.user, person=person, data=data, request=request)
    return Status(201, warrant_out(warrant))


@router.post("/warrants/{uid}/status", response={200: WarrantOut, **CHANGE_ERRORS})
def warrant_status(request: HttpRequest, uid: UUID, payload: WarrantStatusIn) -> Any:
    warrant = get_record_for_user(request.user, Warrant, uid)
    changed = actions.set_warrant_status(
        actor=request.user,
        warrant=warrant,
        status=payload.status,
        reason=payload.reason,
        request=request,
    )
    return warrant_out(changed)


@router.post(
    "/warrants/{uid}/review",
    response={200: WarrantOut, **CHANGE_ERRORS},
    summary="Keep a warrant past its review date (supervisors, with a justification)",
)
def warrant_review(request: HttpRequest, uid: UUID, payload: ExtensionIn) -> Any:
    return warrant_out(_extend(request, Warrant, uid, payload))


@router.post(
    "/alerts/{uid}/review",
    response={200: AlertOut, **CHANGE_ERRORS},
    summary="Keep an alert past its review date (supervisors, with a justification)",
)
def alert_review(request: HttpRequest, uid: UUID, payload: ExtensionIn) -> Any:
    return alert_out(_extend(request, Alert, uid, payload))


def _extend(
    request: HttpRequest, model: type[Warrant | Alert], uid: UUID, payload: ExtensionIn
) -> Any:
    record = get_record_for_user(request.user, model, uid)
    return actions.extend_review(
        actor=request.user,
        record=record,
        new_date=payload.review_date,
        justification=payload.justification,
        request=request,
    )


@router.get("/alerts", response={200: list[AlertOut], **LIST_ERRORS}, summary="List alerts")
def list_alerts(request: HttpRequest) -> Any:
    return [alert_out(a) for a in _visible(request, Alert).select_related("warrant")]


@router.post("/persons/{uid}/alerts", response={201: AlertOut, **ADD_ERRORS})
@idempotency.idempotent
def create_alert(request: HttpRequest, uid: UUID, payload: AlertIn) -> Any:
    person = get_person_for_user(request.user, uid)
    values = payload.model_dump()
    warrant_uid = values.pop("warrant")
    warrant = person.warrants.filter(uid=warrant_uid).first() if warrant_uid else None
    if warrant_uid and warrant is None:
        return Status(400, _field_error("warrant", _("That warrant is not one of this person's.")))
    data = actions.AlertData(warrant_id=warrant.pk if warrant else None, **values)
    alert = actions.create_alert(actor=request.user, person=person, data=data, request=request)
    return Status(201, alert_out(alert))


@router.post("/alerts/{uid}/status", response={200: AlertOut, **CHANGE_ERRORS})
def alert_status(request: HttpRequest, uid: UUID, payload: AlertStatusIn) -> Any:
    alert = get_record_for_user(request.user, Alert, uid)
    changed = actions.set_alert_status(
        actor=request.user,
        alert=alert,
        status=payload.status,
        reason=payload.reason,
        request=request,
    )
    return alert_out(changed)


@router.get("/hits", response={200: list[HitOut], **LIST_ERRORS}, summary="List hits")
def list_hits(request: HttpRequest) -> Any:
    hits = _visible(request, Hit).select_related("alert__warrant")
    return [hit_out(h) for h in hits.prefetch_related("decisions")]


@router.post("/persons/{uid}/hits", response={201: HitOut, **ADD_ERRORS})
@idempotency.idempotent
def create_hit(request: HttpRequest, uid: UUID, payload: HitIn) -> Any:
    person = get_person_for_user(request.user, uid)
    values = payload.model_dump()
    alert_uid = values.pop("alert")
    alert = person.alerts.filter(uid=alert_uid).first() if alert_uid else None
    if alert_uid and alert is None:
        return Status(400, _field_error("alert", _("That alert is not one of this person's.")))
    data = actions.HitData(alert_id=alert.pk if alert else None, **values)
    hit = actions.record_hit(actor=request.user, person=person, data=data, request=request)
    return Status(201, hit_out(hit))


@router.post("/hits/{uid}/disposition", response={200: HitOut, **CHANGE_ERRORS})
def hit_disposition(request: HttpRequest, uid: UUID, payload: DispositionIn) -> Any:
    hit = get_record_for_user(request.user, Hit, uid)
    changed = actions.dispose_hit(
        actor=request.user,
        hit=hit,
        disposition=payload.disposition,
        action_taken=payload.action_taken,
        reason=payload.reason,
        request=request,
    )
    return hit_out(changed)


@router.post(
    "/hits/{uid}/outcome",
    response={200: HitOut, **CHANGE_ERRORS},
    summary="Record what became of the person after a confirmed hit (its recorder only)",
)
def hit_outcome(request: HttpRequest, uid: UUID, payload: HitOutcomeIn) -> Any:
    """Located, arrested, extradition requested, extradited, surrendered under another
    procedure or released, with its date; the hit's new version goes to the person's owner."""
    hit = get_record_for_user(request.user, Hit, uid)
    changed = actions.record_hit_outcome(
        actor=request.user, hit=hit, outcome=payload.outcome, on=payload.on, request=request
    )
    return hit_out(changed)


@router.post(
    "/hits/{uid}/decision",
    response={201: HitDecisionOut, **ADD_ERRORS},
    summary="Answer a partner's hit on one of this node's persons (liaison officers)",
)
@idempotency.idempotent
def hit_decision(request: HttpRequest, uid: UUID, payload: HitDecisionIn) -> Any:
    """The owner's decision (confirmed, false positive, more information needed) and a
    message, sent back to the service that recorded the hit; a confirmed hit moves its
    active alert to "located"."""
    hit = get_record_for_user(request.user, Hit, uid)
    decision = actions.decide_hit(
        actor=request.user,
        hit=hit,
        decision=payload.decision,
        message=payload.message,
        request=request,
    )
    return Status(201, decision_out(decision))


def _visible(request: HttpRequest, model: type[Warrant | Alert | Hit]) -> Any:
    from liaison.policy import restrict

    require(request, Action.LIST, object_type=model._meta.model_name or "")
    return restrict(model.objects.select_related("person"), request.user, Action.LIST)

"""API boundary of the registry: pydantic models, unknown fields refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Schema
from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)

from liaison.core.api_input import ApiInput, IsoDate, PastDateTime, ReviewDate
from liaison.core.field_rules import (
    Country,
    DateOfBirth,
    Identifier,
    Line,
    Name,
    OptionalCountry,
    Text,
)
from liaison.policy import HandlingCode
from liaison.registry.choices import (
    AlertStatus,
    AlertType,
    DocumentType,
    HitContext,
    HitDecisionKind,
    HitDisposition,
    HitOutcome,
    NameKind,
    OffenceCategory,
    PersonCategory,
    Sex,
    WarrantStatus,
)

# Field types come from liaison/core/field_rules.py: the same rules as the models and forms.


class Strict(ApiInput):
    """Unknown fields refused; no NUL in any text (ApiInput). Flags and counts are
    StrictBool/StrictInt: JSON `0` or `"yes"` is not a boolean, nor `"12"` a number,
    whatever pydantic's lax mode would make of them."""

    model_config = ConfigDict(extra="forbid")


class NameIn(Strict):
    full_name: Name = Field(min_length=1, max_length=300)
    kind: NameKind = NameKind.PRIMARY
    given_names: Name = Field("", max_length=200)
    family_name: Name = Field("", max_length=200)


class DocumentIn(Strict):
    document_type: DocumentType
    number: Identifier = Field(min_length=1, max_length=64)
    issuing_country: Country


class PersonIn(Strict):
    category: PersonCategory
    names: list[NameIn] = Field(min_length=1, max_length=20)
    sex: Sex = Sex.UNKNOWN
    birth_dates: list[DateOfBirth] = Field(default_factory=list, max_length=10)
    place_of_birth: Line = Field("", max_length=200)
    country_of_birth: OptionalCountry = ""
    nationalities: list[Country] = Field(default_factory=list, max_length=10)
    distinguishing_marks: Text = Field("", max_length=2000)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=20)
    handling_code: HandlingCode = HandlingCode.H0
    review_date: IsoDate | None = None
    neutrality_flag: StrictBool = False
    named_recipients: list[Annotated[Identifier, Field(max_length=150)]] = Field(
        default_factory=list, max_length=50
    )
    justification: Text = Field(
        "",
        max_length=2000,
        description="Why: needed (from a supervisor) to lower the handling code, clear the "
        "neutrality flag or push back the review date.",
    )


class NameOut(Schema):
    full_name: str
    kind: str
    script: str


class PersonOut(Schema):
    uid: UUID
    owner_node: str
    version: int
    handling_code: str
    tlp: str
    review_date: date | None
    category: str
    sex: str
    names: list[NameOut]
    birth_dates: list[str]
    nationalities: list[str]
    place_of_birth: str
    country_of_birth: str
    external_ref: str = Field(description="e.g. the INTERPOL notice's entity id; set by imports.")
    received_at: datetime | None


class PersonPageOut(Schema):
    """A page of the persons list (GET /api/v1/persons without search criteria)."""

    persons: list[PersonOut]
    count: int = Field(description="How many persons match, on all pages.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; None if last.")


class SearchResultOut(Schema):
    person: PersonOut
    score: float = Field(
        description="How well the query finds this person: a full name 0.90, a family name "
        "alone 0.76, a name by its first letters 0.9 of that; a date of birth that agrees "
        "raises it, one that differs lowers it (docs/registry.md, Search)."
    )
    explanation: str = Field(description="Why it matches, in words, in the request's language.")
    evidence: dict[str, Any] = Field(
        description="The same as structure: kind (full, family, given, no-name), the query's "
        "parts and the record's parts they matched (role, how), date of birth, nationality."
    )


class SearchOut(Schema):
    results: list[SearchResultOut]
    candidates: int = Field(description="Persons compared by the matching engine.")
    broad: bool = Field(description="Only very common name keys: results may be incomplete.")
    more: bool = Field(description="More persons shared the name's keys than were compared.")
    count: int = Field(description="Results on all pages.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; None if last.")


class WarrantIn(Strict):
    issuing_country: Country
    issuing_authority: Line = Field(min_length=1, max_length=200)
    reference: Identifier = Field(min_length=1, max_length=100)
    issued_on: IsoDate
    offences: list[OffenceCategory] = Field(min_length=1)
    court: Line = Field("", max_length=200)
    offence_description: Text = Field("", max_length=4000)
    legal_basis: Line = Field("", max_length=300)
    expires_on: IsoDate | None = None
    extradition_sought: StrictBool = False
    max_penalty_months: StrictInt | None = Field(None, ge=0, le=1200)
    remaining_sentence_months: StrictInt | None = Field(None, ge=0, le=1200)
    handling_code: HandlingCode | None = Field(
        None, description="Default: the code of the record it belongs to; never laxer."
    )
    review_date: ReviewDate | None = None
    neutrality_flag: StrictBool = False


class WarrantOut(Schema):
    uid: UUID
    person: UUID
    owner_node: str
    version: int
    handling_code: str
    status: WarrantStatus
    issuing_country: str
    issuing_authority: str
    reference: str
    offences: list[str]
    issued_on: date
    expires_on: date | None
    extradition_sought: bool
    review_date: date | None


class AlertIn(Strict):
    alert_type: AlertType
    action_on_hit: Text = Field(min_length=1, max_length=4000)
    warrant: UUID | None = None
    facts: Text = Field("", max_length=8000)
    assessment: Text = Field("", max_length=8000)
    not_political_declared: StrictBool = False
    handling_code: HandlingCode | None = Field(
        None, description="Default: the code of the record it belongs to; never laxer."
    )
    review_date: ReviewDate | None = None
    neutrality_flag: StrictBool = False


class AlertOut(Schema):
    uid: UUID
    person: UUID
    warrant: UUID | None
    owner_node: str
    version: int
    handling_code: str
    alert_type: AlertType
    status: AlertStatus
    action_on_hit: str
    facts: str
    assessment: str
    review_date: date | None


class HitIn(Strict):
    encountered_name: Name = Field(min_length=1, max_length=300)
    encountered_on: PastDateTime
    place: Line = Field(min_length=1, max_length=200)
    context: HitContext
    alert: UUID | None = None
    action_taken: Text = Field("", max_length=4000)
    handling_code: HandlingCode | None = Field(
        None, description="Default: the code of the record it belongs to; never laxer."
    )


class HitDecisionOut(Schema):
    uid: UUID
    hit: UUID
    owner_node: str
    decision: HitDecisionKind
    message: str
    decided_by_name: str
    decided_by_agency: str
    decided_on: datetime


class HitOut(Schema):
    uid: UUID
    person: UUID
    alert: UUID | None
    owner_node: str
    handling_code: str
    encountered_name: str
    encountered_on: datetime
    place: str
    context: str
    score: float | None
    explanation: dict[str, Any]
    disposition: HitDisposition
    action_taken: str
    status_reason: str = Field(description="Why the disposition was given (final: required).")
    decisions: list[HitDecisionOut] = Field(
        description="The person's owner's decisions on this hit (SIRENE form G), oldest first."
    )
    outcome: HitOutcome | None = Field(
        description="What became of the person after the confirmed hit, as its recorder "
        "last said (null: nothing recorded)."
    )
    outcome_on: date | None = Field(description="The date of that outcome.")
    arrested_on: date | None = Field(
        description="The date of the first arrest after the hit, kept whatever followed."
    )


class WarrantStatusIn(Strict):
    status: WarrantStatus
    reason: Text = Field(
        "",
        max_length=2000,
        description="Why: required when the new status is final (it cannot be undone); "
        "written in the audit log and kept on the record.",
    )


class AlertStatusIn(Strict):
    status: AlertStatus
    reason: Text = Field(
        "",
        max_length=2000,
        description="Why: required when the new status is final (it cannot be undone); "
        "written in the audit log and kept on the record.",
    )


class DispositionIn(Strict):
    disposition: HitDisposition
    action_taken: Text = Field("", max_length=4000)
    reason: Text = Field(
        "",
        max_length=2000,
        description="Why: required when the new status is final (it cannot be undone); "
        "written in the audit log and kept on the record.",
    )


class HitOutcomeIn(Strict):
    outcome: HitOutcome = Field(
        description="The next step of the follow-up; docs/registry.md lists the transitions."
    )
    on: date = Field(description="When it happened: not in the future, not before the hit.")


class HitDecisionIn(Strict):
    decision: HitDecisionKind
    message: Text = Field(
        min_length=1, max_length=5000, description="Sent to the service that recorded the hit."
    )


class ExtensionIn(Strict):
    review_date: ReviewDate = Field(description="The new review date, in the future.")
    justification: Text = Field(min_length=1, max_length=2000, description="Why it is kept.")


# The subject access report (GET /persons/{uid}/access; liaison/registry/subject_access.py)


class FactOut(Schema):
    record: str = Field(description='"type:uid", e.g. "warrant:…"')
    field: str
    value: str


class ProductionOut(Schema):
    seq: int = Field(description="The report's own audit entry.")
    at: datetime
    user: str
    agency: str
    purpose: str
    reference: str


class ConsultationOut(Schema):
    at: datetime
    user: str
    agency: str
    kind: str = Field(description="opened, search, export or report")
    purpose: str
    reference: str


class DisclosureOut(Schema):
    at: datetime
    partner: str
    object_type: str
    object_uid: str
    message_type: str
    user: str
    delivery: str = Field(description="pending, delivered, rejected or unknown")
    delivered_at: datetime | None
    receipt: str


class PartnerCopyOut(Schema):
    partner: str
    object_type: str
    object_uid: str
    shared_at: datetime


class SubjectAccessOut(Schema):
    person: UUID
    produced: ProductionOut
    held: list[FactOut]
    consultations: list[ConsultationOut]
    disclosures: list[DisclosureOut]
    partner_copies: list[PartnerCopyOut]

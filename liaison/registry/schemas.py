"""API boundary of the registry: pydantic models, unknown fields refused."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)

from liaison.core.api_input import ApiInput
from liaison.policy import HandlingCode
from liaison.registry.choices import (
    AlertStatus,
    AlertType,
    DocumentType,
    HitContext,
    HitDisposition,
    NameKind,
    OffenceCategory,
    PersonCategory,
    Sex,
    WarrantStatus,
)

COUNTRY = r"^[A-Z]{2}$"
PARTIAL_DATE = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"


Country = Annotated[str, Field(pattern=COUNTRY)]
PartialDate = Annotated[str, Field(pattern=PARTIAL_DATE)]


def _date_text(value: object) -> object:
    # Pydantic's lax mode reads a number as seconds since 1970 (`"review_date": 0` would be
    # 1970-01-01) and takes a datetime at midnight for a date. The document says an ISO 8601
    # date, `YYYY-MM-DD`, so that is all that is accepted.
    if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _datetime_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time with its offset")
    return value


def _in_utc(value: datetime) -> datetime:
    """The same instant in UTC, as it is stored: PostgreSQL refuses offsets beyond ±15:59
    that ISO 8601 allows, and 0001-01-01T00:00+05:00 falls before year 1, which PostgreSQL
    stores but Python cannot read back (a 500 on every later read). The first and last days
    are kept clear so that any time zone can still show the value."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    if utc.date() in (date.min, date.max):
        raise ValueError("is out of range")
    return utc


IsoDate = Annotated[date, BeforeValidator(_date_text)]
# With its offset: a naive time at a border post is ambiguous by hours.
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_datetime_text), AfterValidator(_in_utc)]


class Strict(ApiInput):
    """Unknown fields refused; no NUL in any text (ApiInput). Flags and counts are
    StrictBool/StrictInt: JSON `0` or `"yes"` is not a boolean, nor `"12"` a number,
    whatever pydantic's lax mode would make of them."""

    model_config = ConfigDict(extra="forbid")


class NameIn(Strict):
    full_name: str = Field(min_length=1, max_length=300)
    kind: NameKind = NameKind.PRIMARY
    given_names: str = Field("", max_length=200)
    family_name: str = Field("", max_length=200)


class DocumentIn(Strict):
    document_type: DocumentType
    number: str = Field(min_length=1, max_length=64)
    issuing_country: str = Field(pattern=COUNTRY)


class PersonIn(Strict):
    category: PersonCategory
    names: list[NameIn] = Field(min_length=1, max_length=20)
    sex: Sex = Sex.UNKNOWN
    birth_dates: list[PartialDate] = Field(default_factory=list, max_length=10)
    place_of_birth: str = Field("", max_length=200)
    country_of_birth: str = Field("", pattern=r"^([A-Z]{2})?$")
    nationalities: list[Country] = Field(default_factory=list, max_length=10)
    distinguishing_marks: str = Field("", max_length=2000)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=20)
    handling_code: HandlingCode = HandlingCode.H0
    review_date: IsoDate | None = None
    neutrality_flag: StrictBool = False
    named_recipients: list[str] = Field(default_factory=list, max_length=50)


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
    received_at: datetime | None


class SearchResultOut(Schema):
    person: PersonOut
    score: float
    explanation: dict[str, Any]


class SearchOut(Schema):
    results: list[SearchResultOut]
    candidates: int
    broad: bool


class WarrantIn(Strict):
    issuing_country: str = Field(pattern=COUNTRY)
    issuing_authority: str = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=100)
    issued_on: IsoDate
    offences: list[OffenceCategory] = Field(min_length=1)
    court: str = Field("", max_length=200)
    offence_description: str = Field("", max_length=4000)
    legal_basis: str = Field("", max_length=300)
    expires_on: IsoDate | None = None
    extradition_sought: StrictBool = False
    max_penalty_months: StrictInt | None = Field(None, ge=0, le=1200)
    remaining_sentence_months: StrictInt | None = Field(None, ge=0, le=1200)
    handling_code: HandlingCode = HandlingCode.H0
    review_date: IsoDate | None = None
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
    action_on_hit: str = Field(min_length=1, max_length=4000)
    warrant: UUID | None = None
    facts: str = Field("", max_length=8000)
    assessment: str = Field("", max_length=8000)
    not_political_declared: StrictBool = False
    handling_code: HandlingCode = HandlingCode.H0
    review_date: IsoDate | None = None
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
    encountered_name: str = Field(min_length=1, max_length=300)
    encountered_on: IsoDateTime
    place: str = Field(min_length=1, max_length=200)
    context: HitContext
    alert: UUID | None = None
    action_taken: str = Field("", max_length=4000)
    handling_code: HandlingCode = HandlingCode.H0


class HitOut(Schema):
    uid: UUID
    person: UUID
    alert: UUID | None
    owner_node: str
    encountered_name: str
    encountered_on: datetime
    place: str
    context: str
    score: float | None
    explanation: dict[str, Any]
    disposition: HitDisposition
    action_taken: str


class WarrantStatusIn(Strict):
    status: WarrantStatus


class AlertStatusIn(Strict):
    status: AlertStatus


class DispositionIn(Strict):
    disposition: HitDisposition
    action_taken: str = Field("", max_length=4000)

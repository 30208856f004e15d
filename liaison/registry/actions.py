"""Every change to the registry: atomic, permission-checked, versioned and audited.

Views, the API, the CLI (notice import) and the exchange call these functions; nothing
else writes registry models. Lifecycles are explicit state machines (TRANSITIONS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache, partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import TextChoices
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.accounts.models import Actor, User
from liaison.audit.actions import log_event
from liaison.core import field_rules
from liaison.policy import (
    HANDLING_ORDER,
    Action,
    atomic_action,
    authorise,
    denial,
    effective_handling_code,
    strictest,
)
from liaison.records import SharedRecord, clean_or_refuse
from liaison.refusals import Refused
from liaison.registry.choices import (
    ALERT_TRANSITIONS,
    HIT_OUTCOME_TRANSITIONS,
    HIT_TRANSITIONS,
    IN_CUSTODY,
    WARRANT_TRANSITIONS,
    AlertStatus,
    AlertType,
    HitDecisionKind,
    HitDisposition,
    HitOutcome,
    WarrantStatus,
    is_final,
)
from liaison.registry.dependents import Departure, end_dependents
from liaison.registry.models import (
    Alert,
    BirthDate,
    Hit,
    HitDecision,
    IdentityDocument,
    Nationality,
    Person,
    PersonName,
    Warrant,
)
from liaison.registry.search import index_person_names, script_of
from liaison.registry.sharing import share


class RegistryError(Refused):
    """A change that the rules refuse; the message says why, for the user."""


# Extradition thresholds used in international practice (European Convention on
# Extradition art. 2; INTERPOL red notice rules art. 83): punishable by at least two
# years, or at least six months of a sentence left to serve.
MIN_PENALTY_MONTHS = 24
MIN_REMAINING_SENTENCE_MONTHS = 6


@dataclass
class NameData:
    full_name: str
    kind: str = "primary"
    given_names: str = ""
    family_name: str = ""


@dataclass
class DocumentData:
    document_type: str
    number: str
    issuing_country: str


@dataclass
class PersonData:
    category: str
    names: list[NameData]
    sex: str = "U"
    birth_dates: list[str] = field(default_factory=list)
    place_of_birth: str = ""
    country_of_birth: str = ""
    nationalities: list[str] = field(default_factory=list)
    distinguishing_marks: str = ""
    documents: list[DocumentData] = field(default_factory=list)
    handling_code: str = "H0"
    review_date: date | None = None
    neutrality_flag: bool = False
    # None: keep the person's current value (a form or an API body without the field);
    # "" clears it.
    external_ref: str | None = None
    named_recipients: list[str] = field(default_factory=list)  # usernames, for H3
    justification: str = ""  # why, when a change needs a supervisor (_check_sensitive_changes)


def default_review_date() -> date:
    return timezone.localdate() + timedelta(days=round(365.25 * settings.REVIEW_YEARS))


def _check_review_date_ahead(review_date: date) -> None:
    # The daily review job erases records whose date has passed.
    _checked(field_rules.review_date, review_date, _("Review date"))


def _checked[T](rule: Callable[[T], T], value: T, label: str) -> T:
    """A field rule of liaison/core/field_rules.py, its refusal naming the field."""
    try:
        return rule(value)
    except field_rules.FieldRuleError as error:
        raise RegistryError(
            _("%(field)s: %(problem)s") % {"field": label, "problem": error}
        ) from None


def _initial_review_date(requested: date | None) -> date:
    """A new record's review date: the default, or an earlier one still in the future.

    A later date would be an extension, which only a supervisor grants, afterwards and
    with a written justification (extend_review)."""
    default = default_review_date()
    if requested is None:
        return default
    _check_review_date_ahead(requested)
    if requested > default:
        raise RegistryError(
            _(
                "A new record's review date is at most %(date)s (the default); a supervisor "
                "may extend it afterwards."
            )
            % {"date": default.isoformat()}
        )
    return requested


def _child_handling(
    actor: Any,
    requested: str | None,
    parents: list[SharedRecord],
    *,
    request: HttpRequest | None,
    object_type: str,
) -> str:
    """The handling code of a new record that belongs to `parents`: theirs unless a
    stricter one is asked for; a laxer one is refused (it would not be the effective code).
    Inheriting H3 needs no supervisor: one already approved it on the parent."""
    inherited = strictest(*(effective_handling_code(p) for p in parents))
    code = strictest(requested or inherited)
    if strictest(code, inherited) != code:
        raise RegistryError(
            _("It cannot be less restricted than the record it belongs to (%(code)s).")
            % {"code": inherited}
        )
    if code != inherited:
        authorise(
            actor, Action.CREATE, handling_code=code, request=request, object_type=object_type
        )
    return code


def check_transition(
    table: dict[str, set[str]], labels: type[TextChoices], current: str, target: str
) -> None:
    if target not in table:
        raise RegistryError(_("Unknown status %(status)s.") % {"status": target})
    if target not in table[current]:
        raise RegistryError(
            _("The status cannot change from “%(current)s” to “%(target)s”.")
            % {"current": labels(current).label, "target": labels(target).label}
        )


def _snapshot(record: Any, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in fields}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before[k], after[k]] for k in before if before[k] != after.get(k)}


# Persons


def _clean[M: models.Model](instance: M, *, exclude: tuple[str, ...] = ()) -> M:
    return clean_or_refuse(instance, RegistryError, exclude=exclude)


def _collect[M: SharedRecord](
    record: M,
    actor: Actor,
    request: HttpRequest | None,
    origin: str | None,
    *,
    then: Callable[[M], object] | None = None,
    **detail: str,
) -> M:
    """Validate and save a new record, run `then` on it, and log its collection last: the
    audit entry holds the chain head's lock until commit, and sending (`then`) locks the
    partner's queue first, in the same order as the exchange worker (no deadlock)."""
    _clean(record)
    record.save()
    if then is not None:
        then(record)
    log_event(
        action="collect",
        request=request,
        actor=actor,
        object_type=record._meta.model_name or "",
        object_id=str(record.uid),
        detail=detail,
        origin=origin,
    )
    return record


def _validate_person(data: PersonData) -> None:
    if not [n for n in data.names if n.full_name.strip()]:
        raise RegistryError(_("A person needs at least one name."))


def _sensitive_changes(person: Person, data: PersonData) -> list[str]:
    """Why a supervisor is needed for this change, if it makes the record easier to share
    (a lower handling code, the neutrality flag cleared) or keeps it longer."""
    order = HANDLING_ORDER.index
    new_date, old_date = data.review_date, person.review_date
    lowered = order(data.handling_code) < order(person.handling_code)
    cleared = person.neutrality_flag and not data.neutrality_flag
    extended = bool(new_date and old_date and new_date > old_date)
    reasons = [
        (lowered, _("Only a supervisor may lower a handling code.")),
        (
            cleared,
            _("Only a supervisor may clear the political, military, religious or racial flag."),
        ),
        (extended, _("Only a supervisor may extend a review date.")),
    ]
    return [reason for made, reason in reasons if made]


def _check_sensitive_changes(
    actor: User, person: Person, data: PersonData, request: HttpRequest | None
) -> bool:
    """Sensitive changes need a supervisor and a written justification; True if any."""
    if data.review_date is not None and data.review_date != person.review_date:
        _check_review_date_ahead(data.review_date)
    reasons = _sensitive_changes(person, data)
    if not reasons:
        return False
    if not actor.has_perm("accounts.approve_handling"):
        raise denial(actor, person, "person", reasons[0], request)
    _check_justification(data.justification)
    return True


def _person_fields(data: PersonData, current: Person | None = None) -> dict[str, Any]:
    return {
        "category": data.category,
        "sex": data.sex,
        "place_of_birth": data.place_of_birth,
        "country_of_birth": data.country_of_birth.upper(),
        "distinguishing_marks": data.distinguishing_marks,
        "handling_code": data.handling_code,
        "review_date": data.review_date
        or (current.review_date if current is not None else None)
        or default_review_date(),
        "neutrality_flag": data.neutrality_flag,
        "external_ref": data.external_ref
        if data.external_ref is not None
        else (current.external_ref if current is not None else ""),
    }


PART_MODELS: dict[str, type[models.Model]] = {
    "names": PersonName,
    "birth_dates": BirthDate,
    "nationalities": Nationality,
    "documents": IdentityDocument,
}


def write_person_parts(
    person: Person,
    *,
    names: list[NameData],
    birth_dates: list[str],
    nationalities: list[str],
    documents: list[DocumentData],
    created: bool = False,
    stored: Parts | None = None,
) -> list[str]:
    """The one writer of a person's names, dates of birth, nationalities and documents, for
    this node's actions, the exchange's appliers and the demo data. Each part is normalised
    and validated (full_clean: the field rules) as a whole, and rewritten only if it differs
    from what is stored, so an update that changes other fields (or nothing) writes no part
    rows and keeps the search keys. `created`: the person is new, nothing to compare;
    `stored`: its parts as read already (`stored_parts`, for a batch). Returns the parts
    rewritten; raises RegistryError (nothing written) on invalid values."""
    wanted: dict[str, list[tuple[str, ...]]] = {
        "names": [
            (n.full_name.strip(), n.given_names.strip(), n.family_name.strip(), n.kind)
            for n in names
            if n.full_name.strip()
        ],
        "birth_dates": [(v.strip(),) for v in birth_dates],
        "nationalities": [(c,) for c in sorted({n.strip().upper() for n in nationalities} - {""})],
        "documents": [
            (d.document_type, d.number.strip(), d.issuing_country.strip().upper())
            for d in documents
        ],
    }
    if created:
        current: Parts = {}
    else:
        current = stored if stored is not None else stored_parts([person.pk])[person.pk]
    changed = [part for part, rows in wanted.items() if current.get(part, []) != rows]
    rows = {part: _part_rows(person, part, wanted[part]) for part in changed}
    for part in changed:
        for row in rows[part]:
            _clean(row, exclude=("person",))
    for part in changed:
        model = PART_MODELS[part]
        if not created:
            model._default_manager.filter(person=person).delete()
        model._default_manager.bulk_create(rows[part])
    if "names" in changed:
        index_person_names(person, [name[0] for name in wanted["names"]])
    return changed


def _part_rows(person: Person, part: str, values: list[tuple[str, ...]]) -> list[models.Model]:
    if part == "names":
        return [
            PersonName(
                person=person,
                full_name=full,
                given_names=given,
                family_name=family,
                script=script_of(full),
                kind=kind,
            )
            for full, given, family, kind in values
        ]
    if part == "documents":
        return [
            IdentityDocument(person=person, document_type=kind, number=number, issuing_country=c)
            for kind, number, c in values
        ]
    if part == "birth_dates":
        return [BirthDate(person=person, value=value) for (value,) in values]
    return [Nationality(person=person, code=code) for (code,) in values]


# The columns `write_person_parts` compares, per part, in the order it compares them.
PART_COLUMNS: dict[str, tuple[str, ...]] = {
    "names": ("full_name", "given_names", "family_name", "kind"),
    "birth_dates": ("value",),
    "nationalities": ("code",),
    "documents": ("document_type", "number", "issuing_country"),
}


Parts = dict[str, list[tuple[str, ...]]]


@lru_cache(maxsize=128)
def _stored_parts_sql(persons: int) -> str:
    """The four part tables side by side for `persons` persons, each row tagged with its
    part and person. Plain SQL: the ORM's composition of this union cost more than the
    query itself, on a path run for every envelope received (docs/federation.md)."""
    quote = connection.ops.quote_name
    width = max(len(columns) for columns in PART_COLUMNS.values())
    marks = ", ".join(["%s"] * persons)
    selects = []
    for part, columns in PART_COLUMNS.items():
        meta = PART_MODELS[part]._meta
        names = [quote(c) for c in columns] + ["''"] * (width - len(columns))  # column = name
        selects.append(
            f"SELECT '{part}', {quote('person_id')}, {quote('id')}, {', '.join(names)}"  # noqa: S608 - no input
            f" FROM {quote(meta.db_table)} WHERE {quote('person_id')} IN ({marks})"
        )
    return " UNION ALL ".join(selects)


def stored_parts(person_ids: list[int]) -> dict[int, Parts]:
    """Persons' parts as `write_person_parts` compares them, in one query, in their stored
    order (nationalities sorted)."""
    parts: dict[int, Parts] = {pk: {part: [] for part in PART_COLUMNS} for pk in person_ids}
    if not person_ids:
        return parts
    with connection.cursor() as cursor:
        cursor.execute(_stored_parts_sql(len(person_ids)), person_ids * len(PART_COLUMNS))
        found = cursor.fetchall()
    for part, person_id, _pk, *values in sorted(found, key=lambda row: (row[0], row[2])):
        parts[person_id][part].append(tuple(values[: len(PART_COLUMNS[part])]))
    for person_parts in parts.values():
        person_parts["nationalities"].sort()
    return parts


def _write_person_parts(person: Person, data: PersonData, *, created: bool = False) -> None:
    write_person_parts(
        person,
        names=data.names,
        birth_dates=data.birth_dates,
        nationalities=data.nationalities,
        documents=data.documents,
        created=created,
    )
    person.restricted_to.set(_recipients(data.named_recipients))


def _recipients(usernames: list[str]) -> list[User]:
    """Named recipients must be active accounts of this node's agencies."""
    wanted = {u.strip() for u in usernames if u.strip()}
    users = list(
        User.objects.filter(username__in=wanted, is_active=True, agency__node_id=settings.NODE_ID)
    )
    unknown = wanted - {u.username for u in users}
    if unknown:
        raise RegistryError(
            _("Unknown recipients: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    return users


def _parts_snapshot(person: Person) -> dict[str, Any]:
    return {
        "names": sorted(f"{n.kind}:{n.full_name}" for n in person.names.all()),
        "birth_dates": sorted(b.value for b in person.birth_dates.all()),
        "nationalities": person.nationality_codes,
        "named_recipients": sorted(person.restricted_to.values_list("username", flat=True)),
        "documents": sorted(
            f"{d.document_type}:{d.number}:{d.issuing_country}" for d in person.documents.all()
        ),
    }


@atomic_action
def create_person(
    *, actor: Actor, data: PersonData, request: HttpRequest | None = None, origin: str | None = None
) -> Person:
    user = authorise(
        actor,
        Action.CREATE,
        handling_code=data.handling_code,
        request=request,
        object_type="person",
    )
    _validate_person(data)
    fields = _person_fields(data) | {"review_date": _initial_review_date(data.review_date)}
    person = Person(owner_node=settings.NODE_ID, created_by=user, **fields)
    _clean(person)
    person.save()
    _write_person_parts(person, data, created=True)
    log_event(
        action="collect",
        request=request,
        actor=actor,
        object_type="person",
        object_id=str(person.uid),
        origin=origin,
    )
    return person


@atomic_action
def update_person(
    *,
    actor: Actor,
    person: Person,
    data: PersonData,
    request: HttpRequest | None = None,
    origin: str | None = None,
) -> Person:
    # Decide on the locked, current row: a concurrent change may have moved it.
    person = Person.objects.select_for_update().get(pk=person.pk)
    user = authorise(
        actor,
        Action.CHANGE,
        person,
        handling_code=data.handling_code,
        request=request,
        object_type="person",
    )
    sensitive = _check_sensitive_changes(user, person, data, request)
    _validate_person(data)
    fields = _person_fields(data, current=person)
    before = {**_snapshot(person, list(fields)), **_parts_snapshot(person)}
    for name, value in fields.items():
        setattr(person, name, value)
    person.version += 1
    _clean(person)
    person.save()
    _write_person_parts(person, data)
    share.push_update(person, "person")
    after = {**_snapshot(person, list(fields)), **_parts_snapshot(person)}
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type="person",
        object_id=str(person.uid),
        changes=_diff(before, after),
        detail={"version": person.version}
        | ({"justification": data.justification.strip()} if sensitive else {}),
        origin=origin,
    )
    return person


@atomic_action
def erase_person(
    *, actor: Actor, person: Person, reason: str, request: HttpRequest | None = None
) -> None:
    """Remove the person and everything attached; the audit entry keeps only the ids."""
    authorise(actor, Action.DELETE, person, request=request, object_type="person")
    if not reason.strip():
        raise RegistryError(_("Give the reason for the erasure."))
    # Other apps' records of the person (the events' bans) are withdrawn first, so that a
    # partner deletes them before the person they rest on.
    ended = end_dependents(Departure(person, "erased", actor=actor, request=request))
    share.withdraw(person, "person", reason="erased")
    _erase(person, actor=actor, reason=reason, request=request, ended=ended)


def _erase(
    person: Person,
    *,
    actor: Actor | None,
    reason: str,
    request: HttpRequest | None = None,
    ended: dict[str, list[str]] | None = None,
) -> None:
    erased = {
        "warrants": [str(u) for u in person.warrants.values_list("uid", flat=True)],
        "alerts": [str(u) for u in person.alerts.values_list("uid", flat=True)],
        "hits": [str(u) for u in person.hits.values_list("uid", flat=True)],
    } | (ended or {})
    uid = str(person.uid)
    person.delete()
    log_event(
        action="erase",
        request=request,
        actor=actor,
        object_type="person",
        object_id=uid,
        detail={"reason": reason, "attached": erased},
        origin=None if request is not None or actor is not None else "task",
    )


# Warrants


@dataclass
class WarrantData:
    issuing_country: str
    issuing_authority: str
    reference: str
    issued_on: date
    offences: list[str]
    court: str = ""
    offence_description: str = ""
    legal_basis: str = ""
    expires_on: date | None = None
    extradition_sought: bool = False
    max_penalty_months: int | None = None
    remaining_sentence_months: int | None = None
    handling_code: str | None = None  # None: the person's
    review_date: date | None = None
    neutrality_flag: bool = False


@atomic_action
def create_warrant(
    *,
    actor: Actor,
    person: Person,
    data: WarrantData,
    request: HttpRequest | None = None,
    origin: str | None = None,
) -> Warrant:
    user = authorise(actor, Action.CREATE, request=request, object_type="warrant")
    authorise(actor, Action.VIEW, person, request=request, object_type="person")
    if not person.is_local:
        raise RegistryError(_("Warrants are added to this node's own persons only."))
    if not data.offences:
        raise RegistryError(_("Name at least one offence."))
    if data.expires_on and data.expires_on < data.issued_on:
        raise RegistryError(_("A warrant cannot expire before it is issued."))
    code = _child_handling(
        actor, data.handling_code, [person], request=request, object_type="warrant"
    )
    values = {
        **data.__dict__,
        "issuing_country": data.issuing_country.upper(),
        "handling_code": code,
    }
    values["review_date"] = _initial_review_date(data.review_date)
    warrant = Warrant(person=person, owner_node=settings.NODE_ID, created_by=user, **values)
    return _collect(warrant, actor, request, origin, person=str(person.uid))


@atomic_action
def set_warrant_status(
    *,
    actor: Actor,
    warrant: Warrant,
    status: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Warrant:
    """Executed, withdrawn or expired: final, so a reason is required. Partners' copies
    follow: a withdrawn warrant is withdrawn there, an executed or expired one is updated
    (the partner sees that it was executed, not that it vanished)."""

    def tell_partners(moved: Warrant) -> None:
        if status == WarrantStatus.WITHDRAWN:
            share.withdraw(moved, "warrant", reason=status)
        else:
            share.push_update(moved, "warrant")

    return _move(
        actor,
        warrant,
        "status",
        status,
        WARRANT_TRANSITIONS,
        WarrantStatus,
        request,
        reason=reason,
        then=tell_partners,
    )


WARRANT_WITHDRAWN_AT_PARTNERS = {WarrantStatus.WITHDRAWN}
ALERT_WITHDRAWN_AT_PARTNERS = {AlertStatus.WITHDRAWN, AlertStatus.CLOSED}


def _check_reason(table: dict[str, set[str]], target: str, reason: str) -> None:
    if is_final(table, target) and not reason.strip():
        raise RegistryError(_("Give the reason for this change: it cannot be undone."))
    try:
        field_rules.validate_text(reason)
    except ValidationError as error:
        raise RegistryError(_("Reason: %(error)s") % {"error": " ".join(error.messages)}) from None


def _move[M: SharedRecord](
    actor: Actor,
    record: M,
    field: str,
    target: str,
    transitions: dict[str, set[str]],
    labels: type[TextChoices],
    request: HttpRequest | None,
    *,
    reason: str = "",
    then: Callable[[M], object] | None = None,
    **also: Any,
) -> M:
    """One step of a record's lifecycle: checked against its state machine on the locked
    row, version bumped, `then` run on it (telling partners), audited last with the old and
    new state and the reason (the order of locks of `_collect`). A final state needs a
    reason, kept on the record as `status_reason`. `also` sets other fields."""
    object_type = record._meta.model_name or ""
    authorise(actor, Action.CHANGE, record, request=request, object_type=object_type)
    record = type(record)._default_manager.select_for_update().get(pk=record.pk)
    before = getattr(record, field)
    check_transition(transitions, labels, before, target)
    _check_reason(transitions, target, reason)
    setattr(record, field, target)
    for name, value in {**also, "status_reason": reason.strip()}.items():
        setattr(record, name, value)
    record.version += 1
    record.save(update_fields=[field, *also, "status_reason", "version", "updated_at"])
    if then is not None:
        then(record)
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type=object_type,
        object_id=str(record.uid),
        changes={field: [before, target]},
        detail={"version": record.version} | ({"reason": reason.strip()} if reason.strip() else {}),
    )
    return record


# Alerts


@dataclass
class AlertData:
    alert_type: str
    action_on_hit: str
    warrant_id: int | None = None
    facts: str = ""
    assessment: str = ""
    not_political_declared: bool = False
    handling_code: str | None = None  # None: the stricter of the person's and the warrant's
    review_date: date | None = None
    neutrality_flag: bool = False


def _check_extradition_safeguards(data: AlertData, warrant: Warrant | None) -> None:
    if warrant is None:
        raise RegistryError(_("An arrest-for-extradition alert needs the warrant it rests on."))
    if warrant.status != WarrantStatus.ACTIVE:
        raise RegistryError(_("The warrant is not active."))
    penalty = warrant.max_penalty_months or 0
    remaining = warrant.remaining_sentence_months or 0
    if penalty < MIN_PENALTY_MONTHS and remaining < MIN_REMAINING_SENTENCE_MONTHS:
        raise RegistryError(
            _(
                "Extradition needs an offence punishable by at least two years, or at least "
                "six months of sentence left to serve; the warrant shows neither."
            )
        )
    if not data.not_political_declared or data.neutrality_flag:
        raise RegistryError(
            _(
                "Declare that the case is not political, military, religious or racial in "
                "character; otherwise no arrest-for-extradition alert may be issued."
            )
        )


@atomic_action
def create_alert(
    *,
    actor: Actor,
    person: Person,
    data: AlertData,
    request: HttpRequest | None = None,
    origin: str | None = None,
) -> Alert:
    user = authorise(actor, Action.CREATE, request=request, object_type="alert")
    authorise(actor, Action.VIEW, person, request=request, object_type="person")
    if not person.is_local:
        raise RegistryError(_("Alerts are added to this node's own persons only."))
    warrant = person.warrants.filter(pk=data.warrant_id).first() if data.warrant_id else None
    if data.warrant_id and warrant is None:
        raise RegistryError(_("That warrant is not one of this person's."))
    if warrant is not None:
        authorise(actor, Action.VIEW, warrant, request=request, object_type="warrant")
    parents: list[SharedRecord] = [person] if warrant is None else [person, warrant]
    code = _child_handling(actor, data.handling_code, parents, request=request, object_type="alert")
    if data.alert_type == AlertType.ARREST:
        _check_extradition_safeguards(data, warrant)
    if not data.action_on_hit.strip():
        raise RegistryError(_("Say what a partner should do on a hit."))
    values = {k: v for k, v in data.__dict__.items() if k != "warrant_id"}
    values["handling_code"] = code
    values["review_date"] = _initial_review_date(data.review_date)
    alert = Alert(
        person=person, warrant=warrant, owner_node=settings.NODE_ID, created_by=user, **values
    )
    return _collect(alert, actor, request, origin, person=str(person.uid), type=data.alert_type)


@atomic_action
def set_alert_status(
    *,
    actor: Actor,
    alert: Alert,
    status: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Alert:
    """Closed and withdrawn are final (a reason is required) and withdraw partners' copies;
    located, or active again, updates them."""

    def tell_partners(moved: Alert) -> None:
        if status in ALERT_WITHDRAWN_AT_PARTNERS:
            share.withdraw(moved, "alert", reason=status)
        else:  # located, or active again: partners get the new status
            share.push_update(moved, "alert")

    return _move(
        actor,
        alert,
        "status",
        status,
        ALERT_TRANSITIONS,
        AlertStatus,
        request,
        reason=reason,
        then=tell_partners,
    )


MIN_JUSTIFICATION_LENGTH = 20


def _check_justification(justification: str) -> None:
    if len(justification.strip()) < MIN_JUSTIFICATION_LENGTH:
        raise RegistryError(
            ngettext(
                "Write a justification of at least %(n)d character.",
                "Write a justification of at least %(n)d characters.",
                MIN_JUSTIFICATION_LENGTH,
            )
            % {"n": MIN_JUSTIFICATION_LENGTH}
        )


@atomic_action
def extend_review(
    *,
    actor: Actor,
    record: Alert | Warrant,
    new_date: date,
    justification: str,
    request: HttpRequest | None = None,
) -> Alert | Warrant:
    """A supervisor keeps a record past its review date, with a written justification."""
    object_type = record._meta.model_name or ""
    record = type(record).objects.select_for_update().get(pk=record.pk)
    authorise(actor, Action.EXTEND, record, request=request, object_type=object_type)
    _check_justification(justification)
    _checked(field_rules.review_date, new_date, _("New review date"))
    before = record.review_date
    record.review_date = new_date
    record.version += 1
    fields = ["review_date", "version", "updated_at"]
    if isinstance(record, Alert):
        record.extension_justification = justification.strip()
        fields.append("extension_justification")
    record.save(update_fields=fields)
    share.push_update(record, object_type)
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type=object_type,
        object_id=str(record.uid),
        changes={"review_date": [before, new_date]},
        detail={"justification": justification.strip(), "version": record.version},
    )
    return record


# Hits


@dataclass
class HitData:
    encountered_name: str
    encountered_on: Any
    place: str
    context: str
    alert_id: int | None = None
    action_taken: str = ""
    handling_code: str | None = None  # None: the stricter of the person's and the alert's


@atomic_action
def record_hit(
    *, actor: Actor, person: Person, data: HitData, request: HttpRequest | None = None
) -> Hit:
    """Record that someone who may be `person` was met; scored by the matching engine."""
    from liaison.registry.search import explain_hit

    user = authorise(actor, Action.CREATE, request=request, object_type="hit")
    authorise(actor, Action.VIEW, person, request=request, object_type="person")
    alert = person.alerts.filter(pk=data.alert_id).first() if data.alert_id else None
    if data.alert_id and alert is None:
        raise RegistryError(_("That alert is not one of this person's."))
    if alert is not None:
        authorise(actor, Action.VIEW, alert, request=request, object_type="alert")
    parents: list[SharedRecord] = [person] if alert is None else [person, alert]
    code = _child_handling(actor, data.handling_code, parents, request=request, object_type="hit")
    _checked(field_rules.encountered_on, data.encountered_on, _("When"))
    score, explanation = explain_hit(person, data.encountered_name)
    if score is not None:
        _checked(field_rules.score, score, _("Match score"))
    hit = Hit(
        person=person,
        alert=alert,
        encountered_name=data.encountered_name.strip(),
        encountered_on=data.encountered_on,
        place=data.place.strip(),
        context=data.context,
        recorded_by_name=actor.get_username(),
        score=score,
        explanation=explanation,
        action_taken=data.action_taken,
        owner_node=settings.NODE_ID,
        handling_code=code,
        created_by=user,
    )
    return _collect(
        hit, actor, request, None, then=share.notify_owner_of_hit, person=str(person.uid)
    )


@atomic_action
def dispose_hit(
    *,
    actor: Actor,
    hit: Hit,
    disposition: str,
    action_taken: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> Hit:
    """The recorder's own disposition (final: a reason is required). A hit on a partner's
    person is updated at that partner, the owner, as any change to it."""
    taken = action_taken or hit.action_taken
    return _move(
        actor,
        hit,
        "disposition",
        disposition,
        HIT_TRANSITIONS,
        HitDisposition,
        request,
        reason=reason,
        then=lambda moved: share.push_update(moved, "hit"),
        action_taken=taken,
    )


@atomic_action
def update_hit(
    *, actor: Actor, hit: Hit, action_taken: str, request: HttpRequest | None = None
) -> Hit:
    """The recorder says what was done or adds details (the answer to "needs more
    information"): the new version goes to the person's owner as the hit's update."""
    authorise(actor, Action.CHANGE, hit, request=request, object_type="hit")
    hit = Hit.objects.select_for_update().get(pk=hit.pk)
    if not action_taken.strip():
        raise RegistryError(_("Say what was done or what you add."))
    before = hit.action_taken
    hit.action_taken = action_taken.strip()
    hit.version += 1
    _clean(hit)
    hit.save(update_fields=["action_taken", "version", "updated_at"])
    share.push_update(hit, "hit")
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type="hit",
        object_id=str(hit.uid),
        changes={"action_taken": [before, hit.action_taken]},
        detail={"version": hit.version},
    )
    return hit


def is_confirmed(hit: Hit) -> bool:
    """Confirmed by its recorder (disposition) or by the person's owner (a decision): the
    same rule as the hits indicator's "confirmed"."""
    if hit.disposition == HitDisposition.CONFIRMED:
        return True
    return hit.decisions.filter(decision=HitDecisionKind.CONFIRMED).exists()


def outcome_refusal(hit: Hit) -> str:
    """Why this node may not record an outcome on `hit` now; empty if it may."""
    if not hit.is_local:
        return _("Only the service that recorded the hit records what became of the person.")
    if not is_confirmed(hit):
        return _("An outcome is recorded on a confirmed hit only.")
    if not HIT_OUTCOME_TRANSITIONS[hit.outcome]:
        return _("The follow-up of this hit is closed (%(outcome)s).") % {
            "outcome": hit.get_outcome_display()
        }
    return ""


def next_outcomes(hit: Hit) -> list[tuple[str, str]]:
    """The outcomes the hit may move to, in the order of the list of outcomes."""
    allowed = HIT_OUTCOME_TRANSITIONS[hit.outcome]
    return [(value, str(label)) for value, label in HitOutcome.choices if value in allowed]


@atomic_action
def record_hit_outcome(
    *,
    actor: Actor,
    hit: Hit,
    outcome: str,
    on: date,
    request: HttpRequest | None = None,
) -> Hit:
    """The recorder says what became of the person after a confirmed hit (located,
    arrested, extradition requested, extradited, surrendered, released) and when. The
    hit's new version goes to the person's owner, as any change to it; audited here."""
    authorise(actor, Action.CHANGE, hit, request=request, object_type="hit")
    hit = Hit.objects.select_for_update().get(pk=hit.pk)
    refusal = outcome_refusal(hit)
    if refusal:
        raise RegistryError(refusal)
    if outcome not in HIT_OUTCOME_TRANSITIONS[hit.outcome]:
        raise RegistryError(_outcome_step_refused(hit.outcome, outcome))
    met = timezone.localtime(hit.encountered_on).date()
    _checked(partial(field_rules.outcome_on, encountered=met), on, _("Outcome date"))
    if hit.outcome_on is not None and on < hit.outcome_on:
        raise RegistryError(
            _("%(value)s is before the last outcome (%(last)s).")
            % {"value": on.isoformat(), "last": hit.outcome_on.isoformat()}
        )
    before = [hit.outcome, _iso(hit.outcome_on)]
    hit.outcome, hit.outcome_on = outcome, on
    if outcome in IN_CUSTODY and hit.arrested_on is None:
        hit.arrested_on = on
    hit.version += 1
    _clean(hit)
    hit.save(update_fields=["outcome", "outcome_on", "arrested_on", "version", "updated_at"])
    share.push_update(hit, "hit")
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type="hit",
        object_id=str(hit.uid),
        changes={"outcome": [before[0], outcome], "outcome_on": [before[1], on.isoformat()]},
        detail={"version": hit.version},
    )
    return hit


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _outcome_step_refused(current: str, outcome: str) -> str:
    if outcome not in HitOutcome.values:
        return _("Unknown outcome %(outcome)s.") % {"outcome": outcome}
    if not current:
        return _("A first outcome is located or arrested, not %(outcome)s.") % {
            "outcome": HitOutcome(outcome).label
        }
    return _("From %(current)s the hit cannot move to %(outcome)s.") % {
        "current": HitOutcome(current).label,
        "outcome": HitOutcome(outcome).label,
    }


def decision_refusal(hit: Hit) -> str:
    """Why this node may not give `hit` a decision; empty if it may."""
    if hit.is_local or hit.received_at is None:
        return _("Only a hit recorded by a partner gets a decision; dispose of your own hits.")
    if not hit.person.is_local:
        return _("Only the service that owns the person decides on its hits.")
    return ""


@atomic_action
def decide_hit(
    *,
    actor: Actor,
    hit: Hit,
    decision: str,
    message: str,
    request: HttpRequest | None = None,
) -> HitDecision:
    """The owner of the person answers a partner's hit on it (SIRENE "form G"): confirmed,
    false positive or more information needed, with a message. The decision goes back to
    the hit's recorder; a confirmed hit on an active alert moves the alert to "located",
    which partners holding the alert are told as its update. Audited here; the partner's
    receipt is audited there."""
    user = authorise(actor, Action.DECIDE, hit, request=request, object_type="hit")
    hit = (
        Hit.objects.select_for_update(of=("self",)).select_related("person", "alert").get(pk=hit.pk)
    )
    refusal = decision_refusal(hit)
    if refusal:
        raise RegistryError(refusal)
    if decision not in HitDecisionKind.values:
        raise RegistryError(_("Unknown decision %(decision)s.") % {"decision": decision})
    if not message.strip():
        raise RegistryError(_("Write a message for the partner's service."))
    peer = share.peer_of(hit.owner_node)
    if peer is None:
        raise RegistryError(
            _("%(node)s is no longer a partner: the decision cannot reach it.")
            % {"node": hit.owner_node}
        )
    if share.hit_refusal_for(hit):
        raise RegistryError(_("The hit is now H3 or flagged: nothing about it goes to partners."))
    agency = user.agency.name if user.agency is not None else settings.NODE_ID
    record = HitDecision(
        hit=hit,
        decision=decision,
        message=message.strip(),
        decided_by_name=user.get_username(),
        decided_by_agency=agency,
        decided_on=timezone.now(),
        owner_node=settings.NODE_ID,
        handling_code=hit.effective_handling_code,
        created_by=user,
    )
    _clean(record)
    record.save()
    share.send_decision(peer, record, actor=actor, request=request)
    alert = hit.alert
    if (
        decision == HitDecisionKind.CONFIRMED
        and alert is not None
        and alert.is_local
        and alert.status == AlertStatus.ACTIVE
    ):
        _move(
            actor,
            alert,
            "status",
            AlertStatus.LOCATED,
            ALERT_TRANSITIONS,
            AlertStatus,
            request,
            reason=_("Hit confirmed: %(place)s") % {"place": hit.place},
            then=lambda moved: share.push_update(moved, "alert"),
        )
    log_event(
        action="collect",
        request=request,
        actor=actor,
        object_type="hitdecision",
        object_id=str(record.uid),
        detail={"hit": str(hit.uid), "decision": decision, "partner": peer.node_id},
    )
    return record


# Retention (run daily by `liaison review-records`)


@atomic_action
def erase_expired_records(today: date | None = None) -> list[str]:
    """Erase this node's alerts and warrants whose review date has passed unextended."""
    today = today or timezone.localdate()
    expired: list[tuple[str, Alert | Warrant]] = [
        (object_type, record)
        for model, object_type in ((Alert, "alert"), (Warrant, "warrant"))
        for record in model._default_manager.filter(
            owner_node=settings.NODE_ID, review_date__lt=today
        )
    ]
    # Partners are told first, then everything is audited: queue locks before the audit
    # chain's, as in every action.
    for object_type, record in expired:
        share.withdraw(record, object_type, reason="retention period expired")
    for object_type, record in expired:
        uid = str(record.uid)
        record.delete()
        log_event(
            action="erase",
            object_type=object_type,
            object_id=uid,
            detail={"reason": "review date passed without extension"},
            origin="task",
        )
    erased = [f"{object_type}:{record.uid}" for object_type, record in expired]
    return erased

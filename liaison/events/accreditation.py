"""Every change to accreditation lists: upload, column mapping, screening started again or
cancelled. Keyword-only, take the actor, atomic, audited (docs/events.md)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor, User
from liaison.audit.actions import log_event
from liaison.core.field_rules import FieldRuleError, line
from liaison.events.models import LIST_OBJECT, AccreditationList, Applicant, CandidateStatus, Event
from liaison.events.models import ListStatus as Status
from liaison.events.tables import Mapping, Row, TableError, read_table, rows
from liaison.events.tasks import enqueue_screening
from liaison.policy import Action, atomic_action, authorise
from liaison.refusals import Refused

OBJECT = LIST_OBJECT
# Bad rows kept for the report; the count is always exact.
MAX_BAD_ROWS_KEPT = 1000


class ListError(Refused):
    """An upload or a change to a list that the rules refuse; the message says why."""


def _authorise(actor: Actor, event: Event, request: HttpRequest | None) -> User:
    """Lists are this node's own: whoever may see the event and create records."""
    authorise(actor, Action.VIEW, event, request=request, object_type="event")
    return authorise(actor, Action.CREATE, request=request, object_type=OBJECT)


def _text(value: str, label: str) -> str:
    try:
        return line(value.strip()) if value.strip() else ""
    except FieldRuleError as error:
        raise ListError(f"{label}: {error}") from None


@atomic_action
def upload_list(
    *,
    actor: Actor,
    event: Event,
    name: str,
    purpose: str,
    file_name: str,
    data: bytes,
    request: HttpRequest | None = None,
) -> AccreditationList:
    """Keep the file until its columns are mapped; nothing is screened yet."""
    user = _authorise(actor, event, request)
    name, purpose = _text(name, _("Name")), _text(purpose, _("Purpose"))
    if not purpose:
        raise ListError(_("Say why this list is screened (the purpose)."))
    if len(data) > settings.LIST_MAX_BYTES:
        raise ListError(_("The file is too large."))
    try:
        table = read_table(data, file_name)
    except TableError as error:
        raise ListError(str(error)) from None
    if not table.rows:
        raise ListError(_("The file has a header row but no applicant: nothing to screen."))
    lst = AccreditationList.objects.create(
        event=event,
        name=name or file_name[:200],
        purpose=purpose,
        file_name=file_name[:255],
        encoding=table.encoding,
        upload=data,
        columns=table.columns,
        uploaded_by=user,
    )
    detail = {"event": str(event.uid), "file": lst.file_name, "rows": len(table.rows)}
    log_event(
        action="collect",
        request=request,
        actor=actor,
        object_type=OBJECT,
        object_id=str(lst.uid),
        purpose=purpose,
        detail=detail,
    )
    return lst


@atomic_action
def map_columns(
    *,
    actor: Actor,
    lst: AccreditationList,
    mapping: Mapping,
    request: HttpRequest | None = None,
) -> AccreditationList:
    """Read every row with the mapping: good rows kept, bad ones reported; then screen."""
    lst = AccreditationList.objects.select_for_update().get(pk=lst.pk)
    user = _authorise(actor, lst.event, request)
    if lst.status != Status.MAPPING:
        raise ListError(_("The columns of this list are already mapped."))
    _check_mapping(lst, mapping)
    table = read_table(bytes(lst.upload), lst.file_name)
    good, bad = _import(lst, rows(table, mapping))
    lst.mapping, lst.upload, lst.rows_total = mapping.as_dict(), b"", good
    lst.bad_rows, lst.status = bad[:MAX_BAD_ROWS_KEPT], Status.QUEUED
    lst.save(update_fields=["mapping", "upload", "rows_total", "bad_rows", "status"])
    log_event(
        action="collect",
        request=request,
        actor=actor,
        object_type=OBJECT,
        object_id=str(lst.uid),
        purpose=lst.purpose,
        detail={"rows": good, "bad_rows": len(bad)},
    )
    _start(lst, user, request)
    return lst


def _check_mapping(lst: AccreditationList, mapping: Mapping) -> None:
    width = len(lst.columns)
    chosen = [*mapping.names, *mapping.documents]
    chosen += [
        i
        for i in (mapping.alias, mapping.date_of_birth, mapping.nationality, mapping.category)
        if i is not None
    ]
    if not mapping.names:
        raise ListError(_("Choose at least one column with the names."))
    if any(not 0 <= i < width for i in chosen):
        raise ListError(_("That column is not in the file."))


def _import(
    lst: AccreditationList, mapped: Iterable[Row | tuple[int, str]]
) -> tuple[int, list[dict[str, object]]]:
    good: list[Applicant] = []
    bad: list[dict[str, object]] = []
    for item in mapped:
        if isinstance(item, Row):
            good.append(_applicant(lst, len(good), item))
        else:
            bad.append({"line": item[0], "reason": item[1]})
    Applicant.objects.bulk_create(good, batch_size=2000)
    return len(good), bad


def _applicant(lst: AccreditationList, position: int, row: Row) -> Applicant:
    return Applicant(
        list=lst,
        position=position,
        line=row.line,
        names=row.names,
        date_of_birth=row.date_of_birth,
        nationalities=row.nationalities,
        documents=row.documents,
        category=row.category,
        key=row.key,
    )


def _start(lst: AccreditationList, actor: User, request: HttpRequest | None) -> None:
    """A new run from the first row; the worker takes it after the commit."""
    lst.run += 1
    lst.status, lst.screened_by = Status.QUEUED, actor
    lst.rows_screened = lst.chunks_done = lst.candidates_found = lst.candidates_known = 0
    lst.started_at = lst.finished_at = lst.heartbeat_at = None
    lst.worker = ""
    progress = ["rows_screened", "chunks_done", "candidates_found", "candidates_known"]
    times = ["started_at", "finished_at", "heartbeat_at"]
    lst.save(update_fields=["run", "status", "screened_by", "worker", *progress, *times])
    log_event(
        action="combine",
        request=request,
        actor=actor,
        object_type=OBJECT,
        object_id=str(lst.uid),
        purpose=lst.purpose,
        detail={"run": lst.run, "rows": lst.rows_total, "queued": True},
    )
    list_id, run = lst.pk, lst.run
    transaction.on_commit(lambda: enqueue_screening(list_id, run))


@atomic_action
def screen_again(
    *, actor: Actor, lst: AccreditationList, request: HttpRequest | None = None
) -> AccreditationList:
    """Screen the list again (the watchlist changed): undecided candidates are replaced;
    decisions already taken in the event are remembered and not raised again."""
    lst = AccreditationList.objects.select_for_update().get(pk=lst.pk)
    user = _authorise(actor, lst.event, request)
    if lst.status not in (Status.DONE, Status.CANCELLED):
        raise ListError(_("This list is not screened yet or is being screened."))
    lst.candidates.filter(status=CandidateStatus.PENDING).delete()
    _start(lst, user, request)
    return lst


@atomic_action
def cancel_screening(
    *, actor: Actor, lst: AccreditationList, request: HttpRequest | None = None
) -> AccreditationList:
    """Stop the screening after the chunk in progress; candidates found so far stay."""
    lst = AccreditationList.objects.select_for_update().get(pk=lst.pk)
    _authorise(actor, lst.event, request)
    if lst.status not in (Status.QUEUED, Status.RUNNING):
        raise ListError(_("This list is not being screened."))
    lst.status, lst.finished_at = Status.CANCELLED, timezone.now()
    lst.save(update_fields=["status", "finished_at"])
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type=OBJECT,
        object_id=str(lst.uid),
        changes={"status": ["screening", "cancelled"]},
        detail={"run": lst.run, "rows_screened": lst.rows_screened},
    )
    return lst

"""CSV and XLSX exports of person search results, audited as consultations.

The caller passes results already scoped to the user; every result is checked again here
(defence in depth: an export is the easiest way for a record to leave the building, so a
scoping mistake upstream must not put a restricted person into a file).

Typical use in a view: `results = visible_results(outcome.results, user)`, then
`log_export(request, results, "csv", purpose)` (before sending: an export that cannot be
audited does not happen), then `write_csv(results, response, user=request.user)`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.http import HttpRequest
from openpyxl import Workbook

from liaison.accounts.models import Actor
from liaison.audit.actions import log_event
from liaison.policy import Action, decide
from liaison.registry.search import SearchResult
from liaison.safecsv import SafeWriter, neutralise

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

HEADER = [
    "person uid",
    "names",
    "dates of birth",
    "nationalities",
    "category",
    "handling code",
    "TLP label",
    "owner node",
    "score",
    "explanation",
]
SEPARATOR = " | "


def visible_results(results: Iterable[SearchResult], user: Actor) -> list[SearchResult]:
    """Only the results `user` may view, decided again by the policy for each person."""
    return [r for r in results if decide(user, Action.VIEW, r.person)]


def export_rows(results: Iterable[SearchResult], *, user: Actor) -> Iterator[list[str]]:
    """The header, then one row per result that `user` may view (the writers neutralise)."""
    yield HEADER
    for result in visible_results(results, user):
        yield _cells(result)


def _cells(result: SearchResult) -> list[str]:
    person = result.person
    return [
        str(person.uid),
        SEPARATOR.join(n.full_name for n in person.names.all()),
        SEPARATOR.join(b.value for b in person.birth_dates.all()),
        SEPARATOR.join(person.nationality_codes),
        person.category,
        person.handling_code,
        person.tlp_label,
        person.owner_node,
        f"{result.score:.3f}",
        result.words,
    ]


def write_csv(results: Iterable[SearchResult], stream: SupportsWrite[str], *, user: Actor) -> None:
    """Write the export as CSV to a text stream (an HttpResponse works too)."""
    SafeWriter(stream).writerows(export_rows(results, user=user))


def write_xlsx(
    results: Iterable[SearchResult], stream: SupportsWrite[bytes], *, user: Actor
) -> None:
    """Write the export as an XLSX workbook to a binary stream (openpyxl write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("persons")
    for row in export_rows(results, user=user):
        # A cell starting with "=" would be stored as a formula, as in CSV.
        sheet.append([neutralise(cell) for cell in row])
    # openpyxl saves to a file object; a response only takes writes. Exports are small.
    buffer = io.BytesIO()
    workbook.save(buffer)
    stream.write(buffer.getvalue())


def log_export(
    request_or_actor: HttpRequest | Actor,
    results: Iterable[SearchResult],
    fmt: str,
    purpose: str,
) -> None:
    """Audit the export: who, the stated purpose, the format and which persons it held.

    Pass the same list as to the writer (not a generator: it is read here as well).
    """
    if isinstance(request_or_actor, HttpRequest):
        request, actor = request_or_actor, request_or_actor.user
    else:
        request, actor = None, request_or_actor
    uids = [str(r.person.uid) for r in visible_results(results, actor)]
    log_event(
        action="consult",
        request=request,
        actor=None if request is not None else actor,
        object_type="person",
        purpose=purpose,
        detail={"export": fmt, "count": len(uids), "persons": uids},
    )

"""Screening an accreditation list in the background, chunk by chunk, resumable.

A chunk is the next `SCREENING_CHUNK_ROWS` rows after `rows_screened`. Its candidates and
the move of `rows_screened` are written in one transaction, after checking (row locked)
that the list is still at this run, still screening and still at that row: a worker killed
mid-chunk (kill -9) loses only that chunk's work, which the next worker redoes; a chunk is
never recorded twice, and a cancelled list stops at the next chunk.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liaison.audit.actions import log_event
from liaison.events.ban_queries import screening_watchlist
from liaison.events.models import LIST_OBJECT, AccreditationList, Applicant, Candidate, Decision
from liaison.events.models import ListStatus as Status
from liaison.matching.screen import Hit, Screener
from liaison.matching.thresholds import SCREENING_THRESHOLD
from liaison.matching.types import Identity
from liaison.registry.models import Person

logger = logging.getLogger("liaison.events.screening")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_screening(list_id: int, run: int) -> None:
    """Screen the list from its last finished chunk to the end (the task's body)."""
    if not _claim(list_id, run):
        return
    screener = Screener(screening_watchlist(), workers=1)
    AccreditationList.objects.filter(pk=list_id).update(watchlist_size=len(screener))
    size, pause = max(1, settings.SCREENING_CHUNK_ROWS), settings.SCREENING_CHUNK_PAUSE_MS
    while True:
        start = AccreditationList.objects.values_list("rows_screened", flat=True).get(pk=list_id)
        chunk = list(Applicant.objects.filter(list_id=list_id, position__gte=start)[:size])
        hits = screener.screen([identity(a) for a in chunk], SCREENING_THRESHOLD)
        if not _record_chunk(list_id, run, start, chunk, hits):
            return
        if pause:
            time.sleep(pause / 1000)


def identity(applicant: Applicant) -> Identity:
    dob = (applicant.date_of_birth,) if applicant.date_of_birth else ()
    return Identity(tuple(applicant.names), dob, tuple(applicant.nationalities))


@transaction.atomic
def _claim(list_id: int, run: int) -> bool:
    lst = AccreditationList.objects.select_for_update().filter(pk=list_id).first()
    if lst is None or lst.run != run or lst.status not in (Status.QUEUED, Status.RUNNING):
        return False
    now = timezone.now()
    lst.status, lst.worker, lst.heartbeat_at = Status.RUNNING, worker_name(), now
    lst.started_at = lst.started_at or now
    lst.save(update_fields=["status", "worker", "heartbeat_at", "started_at"])
    return True


@transaction.atomic
def _record_chunk(
    list_id: int, run: int, start: int, chunk: Sequence[Applicant], hits: list[Hit]
) -> bool:
    """Write the chunk's candidates and move on; False when this worker must stop."""
    lst = AccreditationList.objects.select_for_update().get(pk=list_id)
    if lst.run != run or lst.status != Status.RUNNING or lst.rows_screened != start:
        return False
    if not chunk:
        _finish(lst)
        return False
    raised, known = _candidates(lst, chunk, hits)
    Candidate.objects.bulk_create(raised)
    lst.rows_screened += len(chunk)
    lst.chunks_done += 1
    lst.candidates_found += len(raised)
    lst.candidates_known += known
    lst.heartbeat_at, lst.worker = timezone.now(), worker_name()
    fields = ["rows_screened", "chunks_done", "candidates_found", "candidates_known"]
    lst.save(update_fields=[*fields, "heartbeat_at", "worker"])
    if lst.rows_screened >= lst.rows_total:
        _finish(lst)
        return False
    return True


def _candidates(
    lst: AccreditationList, chunk: Sequence[Applicant], hits: list[Hit]
) -> tuple[list[Candidate], int]:
    """The chunk's hits as candidates, less those already decided in the event or raised
    for this applicant already (kept from an earlier run); and how many were left out."""
    uids = {h.watchlist_id for h in hits}
    found = Person.objects.filter(uid__in=uids).values_list("uid", "pk")
    persons_by_text = {str(uid): pk for uid, pk in found}
    decided = set(
        Decision.objects.filter(
            event_id=lst.event_id, applicant_key__in={a.key for a in chunk}
        ).values_list("applicant_key", "person_uid")
    )
    kept = set(
        Candidate.objects.filter(applicant__in=chunk).values_list("applicant_id", "person_id")
    )
    raised: list[Candidate] = []
    known = 0
    for hit in hits:
        applicant, person = chunk[hit.query_index], persons_by_text.get(hit.watchlist_id)
        if person is None:
            continue  # the person went between building the index and now
        if (applicant.key, UUID(hit.watchlist_id)) in decided or (applicant.pk, person) in kept:
            known += 1
            continue
        raised.append(_candidate(lst, applicant, person, hit))
    return raised, known


def _candidate(lst: AccreditationList, applicant: Applicant, person: int, hit: Hit) -> Candidate:
    return Candidate(
        list=lst,
        applicant=applicant,
        person_id=person,
        score=hit.score,
        evidence=hit.match.as_dict(),
        run=lst.run,
    )


def _finish(lst: AccreditationList) -> None:
    lst.status, lst.finished_at = Status.DONE, timezone.now()
    lst.save(update_fields=["status", "finished_at"])
    log_event(
        action="combine",
        actor=lst.screened_by,
        origin="task",
        object_type=LIST_OBJECT,
        object_id=str(lst.uid),
        purpose=lst.purpose,
        detail={
            "run": lst.run,
            "rows": lst.rows_screened,
            "watchlist": lst.watchlist_size,
            "candidates": lst.candidates_found,
            "already_decided": lst.candidates_known,
        },
    )


def interrupted() -> list[AccreditationList]:
    """Screenings whose worker is gone: killed on this host (its process is no more), or
    silent for longer than SCREENING_STALE_SECONDS (another host)."""
    stale = timezone.now() - timedelta(seconds=settings.SCREENING_STALE_SECONDS)
    host = socket.gethostname()
    found = []
    for lst in AccreditationList.objects.filter(status=Status.RUNNING):
        name, _, pid = lst.worker.rpartition(":")
        dead_here = name == host and pid.isdigit() and not _alive(int(pid))
        if dead_here or lst.heartbeat_at is None or lst.heartbeat_at < stale:
            found.append(lst)
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

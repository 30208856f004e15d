"""Background work of the events app (django.tasks): tasks take ids, reload, call one action."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.tasks import task

from liaison.events.models import AccreditationList
from liaison.events.screening import interrupted, run_screening

logger = logging.getLogger("liaison.events.tasks")


@task
def screen_list(list_id: int, run: int) -> None:
    run_screening(list_id, run)


def enqueue_screening(list_id: int, run: int) -> None:
    """Queue the run (after the commit that made it); the task id is kept on the list."""
    result = screen_list.enqueue(list_id, run)
    AccreditationList.objects.filter(pk=list_id, run=run).update(task_id=str(result.id)[:64])


def resume_interrupted() -> int:
    """Queue again the screenings whose worker died (killed, host lost); they go on from
    their last finished chunk. Called when a worker starts."""
    from django_tasks_db.models import DBTaskResult

    resumed = 0
    for lst in interrupted():
        with transaction.atomic():
            if lst.task_id:
                running = DBTaskResult.objects.filter(id=lst.task_id, status="RUNNING")
                running.update(status="FAILED")
            transaction.on_commit(partial(enqueue_screening, lst.pk, lst.run))
        logger.warning("screening of list %s resumed after row %d", lst.uid, lst.rows_screened)
        resumed += 1
    return resumed

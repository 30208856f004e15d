"""Background work of the intel app (django.tasks): tasks take ids, reload, call one step."""

from __future__ import annotations

from django.tasks import task

from liaison.intel import entities
from liaison.intel.models import Report
from liaison.registry.models import Person


@task
def suggest_for_received(report_id: int) -> None:
    """Read a partner's report for the persons it names, after the envelope's commit: against
    a large registry this takes seconds, which the receiving transaction must not hold."""
    report = Report.objects.filter(pk=report_id).first()
    if report is not None:  # withdrawn in between: nothing to read
        entities.suggest(report, Person.objects.all())

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from liaison.assistance.actions import escalate_overdue


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now {value!r}: use ISO 8601 with a time zone.") from None
    if timezone.is_naive(moment):
        raise CommandError(f"--now {value!r}: give the time zone (e.g. +00:00).")
    return moment


class Command(BaseCommand):
    help = (
        "Escalate this node's requests for assistance past their deadline to supervisors "
        "(the exchange worker does this every LIAISON_REQUEST_ESCALATION_SECONDS). --now "
        "checks as of another time (ISO 8601 with its time zone), for drills and tests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", default="", help="Check as of this time, not now.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = _moment(options["now"]) if options["now"] else None
        count = escalate_overdue(now=now)
        self.stdout.write(f"{count} request(s) escalated.")

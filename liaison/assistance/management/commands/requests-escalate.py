from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liaison.assistance.actions import escalate_overdue
from liaison.core.moments import moment


class Command(BaseCommand):
    help = (
        "Escalate this node's requests for assistance past their deadline to supervisors "
        "(the exchange worker does this every LIAISON_REQUEST_ESCALATION_SECONDS). --now "
        "checks as of another time (ISO 8601 with its time zone), for drills and tests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", default="", help="Check as of this time, not now.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = moment(options["now"]) if options["now"] else None
        count = escalate_overdue(now=now)
        self.stdout.write(f"{count} request(s) escalated.")

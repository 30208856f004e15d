from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liaison.cooperation.reminders import remind_due_tasks
from liaison.core.moments import moment


class Command(BaseCommand):
    help = (
        "Remind this node's users of the tasks of joint cases assigned to it and due soon "
        "(the exchange worker does this every LIAISON_TASK_REMINDER_SECONDS), each once. "
        "--now checks as of another time (ISO 8601 with its time zone), for drills and tests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", default="", help="Check as of this time, not now.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = moment(options["now"]) if options["now"] else None
        count = remind_due_tasks(now=now)
        self.stdout.write(f"{count} task(s) reminded.")

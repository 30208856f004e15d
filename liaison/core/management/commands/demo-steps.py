from __future__ import annotations

import json
from io import StringIO
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Run several of the demo's set-up commands in one process, in order (used by "
        "`liaison demo`: each command in a process of its own would pay Django's start again)."
        " Prints a JSON list of each command's output."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("steps", help='A JSON list of commands, e.g. [["keys", "show"]].')

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo set-up only with LIAISON_DEMO=1.")
        try:
            steps = json.loads(options["steps"])
        except json.JSONDecodeError as error:
            raise CommandError(f"steps: not JSON ({error}).") from None
        if not isinstance(steps, list) or not all(
            isinstance(step, list) and step and all(isinstance(part, str) for part in step)
            for step in steps
        ):
            raise CommandError('steps: give a list of commands, e.g. [["keys", "show"]].')
        outputs = []
        for name, *arguments in steps:
            out = StringIO()
            call_command(name, *arguments, stdout=out)
            outputs.append(out.getvalue())
        self.stdout.write(json.dumps(outputs))

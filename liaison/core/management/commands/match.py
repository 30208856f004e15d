from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.matching.cli import match_json


class Command(BaseCommand):
    help = "Compare two names (any script) and print the score with its evidence as JSON."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name_a")
        parser.add_argument("name_b")
        parser.add_argument("--dob-a", help="Date of birth of A: 1980, 1980-05 or 1980-05-17.")
        parser.add_argument("--dob-b", help="Date of birth of B.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            out = match_json(
                options["name_a"], options["name_b"], options["dob_a"], options["dob_b"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(out)

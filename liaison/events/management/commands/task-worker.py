from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run the background task worker (accreditation screening): first queue again the "
        "screenings a dead worker left, then run tasks as they come (django-tasks-db)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="Exit when no task is left.")

    def handle(self, *args: Any, **options: Any) -> None:
        from liaison.events.tasks import resume_interrupted

        resume_interrupted()
        worker_args = ["--interval", str(options["interval"])]
        call_command("db_worker", *worker_args, *(["--batch"] if options["batch"] else []))

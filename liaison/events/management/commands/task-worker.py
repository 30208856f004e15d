from __future__ import annotations

import os
import threading
import time
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
        parser.add_argument(
            "--with-parent",
            action="store_true",
            help="Exit when the process that started this one is gone (`liaison serve`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from liaison.events.tasks import resume_interrupted

        if options["with_parent"]:
            threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
        resume_interrupted()
        worker_args = ["--interval", str(options["interval"])]
        call_command("db_worker", *worker_args, *(["--batch"] if options["batch"] else []))


def _exit_with(parent: int) -> None:
    """`liaison serve` killed (even with kill -9) takes its worker with it; a screening cut
    short here is resumed by the next worker from its last finished chunk."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)

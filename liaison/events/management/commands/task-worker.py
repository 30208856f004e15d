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
            "--parent",
            type=int,
            metavar="PID",
            help="Exit when this process (`liaison serve`, which started this one) is gone.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from liaison.events.tasks import resume_interrupted

        if options["parent"]:
            if os.getppid() != options["parent"]:
                return  # the parent died while this process started: nothing to serve
            threading.Thread(target=_exit_with, args=(options["parent"],), daemon=True).start()
        resume_interrupted()
        worker_args = ["--interval", str(options["interval"])]
        call_command("db_worker", *worker_args, *(["--batch"] if options["batch"] else []))


def _exit_with(parent: int) -> None:
    """`liaison serve` killed (even with kill -9) takes its worker with it; a screening cut
    short here is resumed by the next worker from its last finished chunk. The parent's pid
    comes from the parent: one that died while this process started has already been
    replaced (by init), which `os.getppid()` read here would take for the parent."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)

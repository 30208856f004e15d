from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from liaison.exchange.worker import Worker


class Command(BaseCommand):
    help = (
        "Run the exchange delivery worker alone (`liaison serve --server waitress` runs one "
        "in-process; with gunicorn, its own process)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--parent",
            type=int,
            metavar="PID",
            help="Stop when this process (`liaison serve`, which started this one) is gone.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        if options["parent"]:
            if os.getppid() != options["parent"]:
                return  # the parent died while this process started: nothing to serve
            threading.Thread(target=_stop_with, args=(options["parent"], stop), daemon=True).start()
        Worker().run(stop)


def _stop_with(parent: int, stop: threading.Event) -> None:
    """`liaison serve` killed (even with kill -9) takes its worker with it: a delivery in
    flight finishes (or is retried by the next worker: nothing is applied twice)."""
    while os.getppid() == parent and not stop.is_set():
        time.sleep(0.5)
    stop.set()

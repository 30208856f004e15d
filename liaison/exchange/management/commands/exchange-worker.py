from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from liaison.exchange.worker import Worker


class Command(BaseCommand):
    help = "Run the exchange delivery worker alone (`liaison serve` runs one in-process)."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        Worker().run(stop)

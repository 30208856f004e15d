from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

logger = logging.getLogger("liaison.serve")


class Command(BaseCommand):
    help = "Run this node: the web server (waitress) and its background workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run the exchange worker here (run `liaison exchange-worker` instead).",
        )
        parser.add_argument(
            "--no-task-worker",
            action="store_true",
            help="Do not start the background task worker (run `liaison task-worker` instead).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from liaison.core.server import serve
        from liaison.exchange.worker import start_thread
        from liaison.wsgi import application

        if not options["no_worker"]:
            start_thread(threading.Event())
        if not options["no_task_worker"]:
            TaskWorker().start()
        logger.info(
            "node %s serving on http://%s:%s%s",
            settings.NODE_ID,
            options["host"],
            options["port"],
            f" behind the proxy at {settings.TRUSTED_PROXY}" if settings.TRUSTED_PROXY else "",
        )
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            ident="liaison",
            clear_untrusted_proxy_headers=True,
            **_proxy_options(settings.TRUSTED_PROXY),
        )


class TaskWorker:
    """`liaison task-worker` as a child process (screening is CPU work: not in the web
    server's threads), started again if it dies; it resumes what its predecessor left."""

    RESTART_SECONDS = 2.0

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def start(self) -> None:
        atexit.register(self.stop)
        threading.Thread(target=self._watch, name="task-worker", daemon=True).start()

    def _watch(self) -> None:
        while not self.stopping:
            parent = str(os.getpid())
            command = [sys.executable, "-m", "liaison.cli", "task-worker", "--parent", parent]
            self.process = subprocess.Popen(command)  # noqa: S603 (our own command)
            code = self.process.wait()
            if not self.stopping:
                logger.warning("task worker exited (%s); starting it again", code)
                time.sleep(self.RESTART_SECONDS)

    def stop(self) -> None:
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


# Only these two: the proxy must set (overwrite) both. X-Forwarded-Host stays untrusted, so
# the proxy passes the public host name in Host, which ALLOWED_HOSTS checks.
TRUSTED_PROXY_HEADERS = frozenset({"x-forwarded-proto", "x-forwarded-for"})


def _proxy_options(proxy: str | None) -> dict[str, Any]:
    """Waitress options that believe forwarding headers from `proxy` alone (one hop)."""
    if proxy is None:
        return {}
    return {
        "trusted_proxy": proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": set(TRUSTED_PROXY_HEADERS),
    }

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
    help = (
        "Run this node: the web server (gunicorn, several processes; or waitress) and its "
        "background workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--server",
            choices=("gunicorn", "waitress"),
            default="gunicorn",
            help="gunicorn: --workers processes of --threads threads (the default); "
            "waitress: one process of --threads threads.",
        )
        parser.add_argument("--workers", type=int, default=2, help="Web processes (gunicorn).")
        parser.add_argument("--threads", type=int, default=8, help="Threads per web process.")
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
        from liaison.wsgi import application

        logger.info(
            "node %s serving on http://%s:%s with %s%s",
            settings.NODE_ID,
            options["host"],
            options["port"],
            options["server"],
            f" behind the proxy at {settings.TRUSTED_PROXY}" if settings.TRUSTED_PROXY else "",
        )
        if options["server"] == "waitress":
            self._waitress(application, options)
        else:
            self._gunicorn(application, options)

    def _waitress(self, application: Any, options: dict[str, Any]) -> None:
        """One process: the exchange worker is a thread of it."""
        from liaison.core.server import serve
        from liaison.exchange.worker import start_thread

        if not options["no_worker"]:
            start_thread(threading.Event())
        if not options["no_task_worker"]:
            Child("task-worker").start()
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            ident="liaison",
            clear_untrusted_proxy_headers=True,
            **_proxy_options(settings.TRUSTED_PROXY),
        )

    def _gunicorn(self, application: Any, options: dict[str, Any]) -> None:
        """Several web processes: each worker is a process of its own, started by the
        master once the port is bound, stopped with it."""
        from liaison.core.server import serve_gunicorn

        children = [
            Child(name)
            for name, off in (("exchange-worker", "no_worker"), ("task-worker", "no_task_worker"))
            if not options[off]
        ]
        serve_gunicorn(
            application,
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            threads=options["threads"],
            proxy=settings.TRUSTED_PROXY,
            on_ready=lambda: _each(children, Child.start),
            on_stop=lambda: _stop_all(children),
        )


def _each(children: list[Child], method: Any) -> None:
    for child in children:
        method(child)


def _stop_all(children: list[Child]) -> None:
    """All at once: each is asked to stop, then waited for."""
    _each(children, Child.ask_to_stop)
    _each(children, Child.stop)


class Child:
    """`liaison <command> --parent PID` as a child process (screening is CPU work: not in
    the web server's threads; several web processes need one exchange worker), started
    again if it dies; it resumes what its predecessor left, and exits with its parent."""

    RESTART_SECONDS = 2.0
    # A worker cut short loses nothing: a delivery is retried (and never applied twice), a
    # screening resumes from its last finished chunk.
    STOP_SECONDS = 5.0

    def __init__(self, command: str) -> None:
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.owner = os.getpid()

    def start(self) -> None:
        self.owner = os.getpid()
        atexit.register(self.stop)
        threading.Thread(target=self._watch, name=self.command, daemon=True).start()

    def _watch(self) -> None:
        while not self.stopping:
            parent = str(os.getpid())
            command = [sys.executable, "-m", "liaison.cli", self.command, "--parent", parent]
            self.process = subprocess.Popen(command)  # noqa: S603 (our own command)
            code = self.process.wait()
            if not self.stopping:
                logger.warning("%s exited (%s); starting it again", self.command, code)
                time.sleep(self.RESTART_SECONDS)

    def ask_to_stop(self) -> None:
        if os.getpid() != self.owner:
            return  # a forked web process: the child is its parent's to stop
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        self.ask_to_stop()
        if os.getpid() == self.owner and self.process is not None:
            try:
                self.process.wait(self.STOP_SECONDS)
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

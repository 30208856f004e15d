from __future__ import annotations

import logging
import threading
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

    def handle(self, *args: Any, **options: Any) -> None:
        from liaison.core.server import serve
        from liaison.exchange.worker import start_thread
        from liaison.wsgi import application

        if not options["no_worker"]:
            start_thread(threading.Event())
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

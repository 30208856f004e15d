from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from liaison.core.moments import moment
from liaison.events.bans import expire_bans


class Command(BaseCommand):
    help = (
        "Mark the bans whose validity has passed as expired, own and received (the exchange "
        "worker does this every LIAISON_BAN_EXPIRY_SECONDS); partners holding this node's get "
        "the expired version. --now checks as of another time (ISO 8601 with its time zone), "
        "for drills and tests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", default="", help="Check as of this time, not now.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate(moment(options["now"])) if options["now"] else None
        expired = expire_bans(today=today)
        for uid in expired:
            self.stdout.write(f"expired ban {uid}")
        self.stdout.write(f"{len(expired)} ban(s) expired.")

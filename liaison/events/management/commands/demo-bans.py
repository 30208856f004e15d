from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.events.demo_bans import share_bans


class Command(BaseCommand):
    help = (
        "The demo's stadium bans (used by `liaison demo`): `share PARTNER` on fr sends its "
        "active demo ban, with its person, to the partner; the other node does nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phase", choices=["share"])
        parser.add_argument("partner", help="The partner node's id, e.g. ma.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data only with LIAISON_DEMO=1.")
        count = share_bans(options["partner"])
        self.stdout.write(f"{count} demo ban(s) shared.")

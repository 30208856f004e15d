from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.registry.demo_hits import PHASES


class Command(BaseCommand):
    help = (
        "The demo's hits between the two nodes (used by `liaison demo`): `share` (ma), "
        "`record` (fr), `confirm` (ma), `follow` (fr: the outcomes); the other node does "
        "nothing in each phase."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phase", choices=list(PHASES))
        parser.add_argument("partner", help="The partner node's id, e.g. fr.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data only with LIAISON_DEMO=1.")
        count = PHASES[options["phase"]](options["partner"])
        self.stdout.write(f"{count} demo hit step(s): {options['phase']}.")

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.cooperation.demo_data import answer_demo_groups, send_demo_groups


class Command(BaseCommand):
    help = (
        "The demo's working groups (used by `liaison demo`): `send` sets up this node's "
        "groups with the partner; `answer` names this node's members of the partner's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phase", choices=["send", "answer"])
        parser.add_argument("partner", help="The partner node's id, e.g. fr.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data only with LIAISON_DEMO=1.")
        if options["phase"] == "send":
            count = send_demo_groups(options["partner"])
        else:
            count = answer_demo_groups(options["partner"])
        self.stdout.write(f"{count} demo group(s) {options['phase']}.")

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.plan.demo_data import decide_demo_plan, join_demo_plan, share_demo_plan


class Command(BaseCommand):
    help = (
        "The demo's action plan (used by `liaison demo`): `share` records this node's part "
        "and shares it; `join` adds the partner's actions and proposals; `decide` answers one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phase", choices=["share", "join", "decide"])
        parser.add_argument("partner", help="The partner node's id, e.g. fr.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data only with LIAISON_DEMO=1.")
        phases = {"share": share_demo_plan, "join": join_demo_plan, "decide": decide_demo_plan}
        count = phases[options["phase"]](options["partner"])
        self.stdout.write(f"{count} demo plan record(s): {options['phase']}.")

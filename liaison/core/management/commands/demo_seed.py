from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liaison.core.demo import seed_demo_accounts


class Command(BaseCommand):
    help = "Create the demo agencies and accounts on this node (used by `liaison demo`)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo accounts have a published password: only with LIAISON_DEMO=1.")
        for username in seed_demo_accounts():
            self.stdout.write(username)

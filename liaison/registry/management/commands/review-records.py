from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from liaison.registry.actions import erase_expired_records
from liaison.registry.models import Alert, Warrant
from liaison.registry.queries import REVIEW_WARNING_DAYS


class Command(BaseCommand):
    help = (
        "Daily review task: list this node's alerts and warrants due for review within four "
        "months, and erase (audited) those whose review date has passed unextended."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only list; erase nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        limit = timezone.localdate() + timedelta(days=REVIEW_WARNING_DAYS)
        for model in (Alert, Warrant):
            due = model.objects.filter(owner_node=settings.NODE_ID, review_date__lte=limit)
            for record in due.order_by("review_date"):
                self.stdout.write(
                    f"due {record.review_date:%Y-%m-%d} {model._meta.model_name} {record.uid}"
                )
        if options["dry_run"]:
            return
        erased = erase_expired_records()
        for item in erased:
            self.stdout.write(f"erased {item}")
        self.stdout.write(f"{len(erased)} record(s) erased.")

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from liaison.events.models import AccreditationList, ListStatus


class Command(BaseCommand):
    help = (
        "Show the screening of an accreditation list (its uid, from the list's page): rows "
        "screened and candidates; --follow draws a progress bar until it ends."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("list_uid")
        parser.add_argument("--follow", action="store_true")
        parser.add_argument("--every", type=float, default=1.0, help="seconds between reads")

    def handle(self, *args: Any, **options: Any) -> None:
        lst = _read(options["list_uid"])
        if options["follow"]:
            lst = _follow(lst, options["every"])
        self.stdout.write(
            f"{lst.name}: {lst.get_status_display()}, {lst.rows_screened}/{lst.rows_total} rows "
            f"screened in {lst.chunks_done} chunks, {lst.candidates_found} candidates "
            f"({lst.candidates_known} already decided), {len(lst.bad_rows)} bad rows"
        )


def _read(uid: str) -> AccreditationList:
    try:
        return AccreditationList.objects.get(uid=uid)
    except (AccreditationList.DoesNotExist, ValueError, ValidationError):
        raise CommandError(f"no accreditation list {uid}") from None


def _follow(lst: AccreditationList, every: float) -> AccreditationList:
    with tqdm(total=lst.rows_total, initial=lst.rows_screened, unit="rows") as bar:
        while lst.status in (ListStatus.QUEUED, ListStatus.RUNNING):
            time.sleep(every)
            lst.refresh_from_db()
            bar.update(lst.rows_screened - bar.n)
            bar.set_postfix(candidates=lst.candidates_found)
    return lst

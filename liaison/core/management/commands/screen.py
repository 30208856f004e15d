from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.audit.actions import log_event
from liaison.matching.cli import load_watchlist, screen_csv
from liaison.matching.screen import SCREENING_THRESHOLD
from liaison.registry.queries import watchlist_identities


class Command(BaseCommand):
    help = (
        "Screen a CSV of people (name required; date_of_birth, nationality, sex optional) "
        "against the watchlist and write candidate hits with score and evidence."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path)
        parser.add_argument("-o", "--output", type=Path, required=True)
        parser.add_argument("--threshold", type=float, default=SCREENING_THRESHOLD)
        parser.add_argument(
            "--watchlist",
            type=Path,
            help="CSV with id,name,... columns; by default, this node's persons with an active "
            "alert (own and received from partners).",
        )
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["input"].is_file():
            raise CommandError(f"no such file: {options['input']}")
        if options["watchlist"] is not None:
            watchlist = load_watchlist(
                options["watchlist"], lambda e: print(f"watchlist: {e}", file=sys.stderr)
            )
        else:
            watchlist = list(watchlist_identities())
            if not watchlist:
                raise CommandError("The watchlist is empty: no person has an active alert.")
        with options["output"].open("w", encoding="utf-8", newline="") as out:
            summary = screen_csv(
                options["input"],
                out,
                watchlist,
                threshold=options["threshold"],
                errors=sys.stderr,
                workers=options["workers"],
            )
        log_event(
            action="combine",
            origin="cli",
            object_type="watchlist",
            detail={
                "input": options["input"].name,
                "watchlist": str(options["watchlist"] or "registry"),
                "rows": summary.queries,
                "hits": summary.hits,
            },
        )
        self.stdout.write(
            f"{summary.queries} rows screened against {summary.watchlist} watchlist persons "
            f"({summary.encoding}): {summary.hits} candidate hits, {summary.bad_rows} bad rows"
        )

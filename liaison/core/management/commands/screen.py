from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.audit.actions import log_event
from liaison.events.ban_queries import screening_watchlist
from liaison.matching.cli import InputError, ScreenSummary, load_watchlist, screen_csv
from liaison.matching.thresholds import SCREENING_THRESHOLD
from liaison.matching.types import Identity


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
            "alert or a stadium ban in force (own and received from partners), as an "
            "event's accreditation lists are screened.",
        )
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["input"].is_file():
            raise CommandError(f"no such file: {options['input']}")
        watchlist = _watchlist(options["watchlist"])
        try:
            with _replaced_on_success(options["output"]) as out:
                summary = screen_csv(
                    options["input"],
                    out,
                    watchlist,
                    threshold=options["threshold"],
                    errors=sys.stderr,
                    workers=options["workers"],
                )
                # Audited before the output appears: a screening that cannot be audited
                # leaves no file behind.
                _audit(options, summary)
        except InputError as exc:
            raise CommandError(f"{options['input']}: {exc}; no output written.") from None
        except OSError as exc:
            raise CommandError(f"{exc.filename or exc}: {exc.strerror or exc}") from None
        self.stdout.write(
            f"{summary.queries} rows screened against {summary.watchlist} watchlist persons "
            f"({summary.encoding}): {summary.hits} candidate hits, {summary.bad_rows} bad rows"
        )


def _watchlist(path: Path | None) -> list[Identity]:
    if path is None:
        watchlist = list(screening_watchlist())
        if not watchlist:
            raise CommandError(
                "The watchlist is empty: no person has an active alert or a ban in force."
            )
        return watchlist
    try:
        return load_watchlist(path, lambda e: print(f"watchlist: {e}", file=sys.stderr))
    except InputError as exc:
        raise CommandError(f"{path}: {exc}") from None
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None


@contextmanager
def _replaced_on_success(path: Path) -> Iterator[TextIO]:
    """A new file that becomes `path` only when the block succeeds.

    On any error (bad input, a full disk, Ctrl-C) it is removed, so a half-written output
    never sits under the name of a finished one, and an older file there is left as it was.
    """
    try:
        descriptor, name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _audit(options: dict[str, Any], summary: ScreenSummary) -> None:
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

"""`liaison audit verify`: check the hash chain of this node's audit log."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from liaison.audit.models import AuditEntry
from liaison.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `verify` exits 0 when the chain is intact, 1 at the first break."
    # Verification must work even when another part of the project fails its checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        verify = commands.add_parser(
            "verify",
            help="Recompute every hash and link in seq order; print the first broken entry.",
        )
        verify.add_argument(
            "--batch-size",
            type=int,
            default=20_000,
            help="Entries read per query (memory stays bounded by this). Default 20000.",
        )

    def handle(self, *args: Any, subcommand: str, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        show = sys.stderr.isatty() and options["verbosity"] > 0
        with tqdm(
            total=AuditEntry.objects.count() if show else None,
            disable=not show,
            unit=" entries",
            desc="verify",
        ) as bar:
            outcome = verify_chain(batch_size=batch_size, progress=bar.update)
        if not outcome.ok:
            raise CommandError(
                f"BROKEN at entry seq {outcome.broken_seq}: {outcome.problem}"
                f" ({outcome.checked} entries verified before it)",
                returncode=1,
            )
        self.stdout.write(
            f"OK: {outcome.checked} entries verified; head seq {outcome.head_seq}"
            f" hash {outcome.head_hash}"
        )

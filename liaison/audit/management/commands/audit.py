"""`liaison audit verify [--witnessed]` and `liaison audit witness`.

Witnessing (signing the head, asking partners for the heads they hold) is installed by the
witness app through liaison.audit.witnessing: audit does not import the exchange.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from liaison.audit.models import AuditEntry, Verification
from liaison.audit.verify import Outcome, verify_chain
from liaison.audit.witnessing import NoWitnessing, Witnessing, WitnessStatus, installed
from liaison.config import ConfigError

# Exit codes: 1 the chain is broken or diverged from a witnessed head; 2 the witnessed
# check could not be completed (a partner could not be asked).
BROKEN, INCOMPLETE = 1, 2


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
        verify.add_argument(
            "--witnessed",
            action="store_true",
            help="Also compare the chain with the signed heads each partner holds (asked live).",
        )
        commands.add_parser("witness", help="Sign the chain head now and send it to every partner.")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "witness":
            self.stdout.write(self._signed())
            return
        outcome = self._verify(options["batch_size"], options["verbosity"])
        self.stdout.write(
            f"OK: {outcome.checked} entries verified; head seq {outcome.head_seq}"
            f" hash {outcome.head_hash}"
        )
        if options["witnessed"]:
            self._check_witnessed()

    def _verify(self, batch_size: int, verbosity: int) -> Outcome:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        show = sys.stderr.isatty() and verbosity > 0
        with tqdm(
            total=AuditEntry.objects.count() if show else None,
            disable=not show,
            unit=" entries",
            desc="verify",
        ) as bar:
            outcome = verify_chain(batch_size=batch_size, progress=bar.update)
        _record(outcome)
        if not outcome.ok:
            raise CommandError(
                f"BROKEN at entry seq {outcome.broken_seq}: {outcome.problem}"
                f" ({outcome.checked} entries verified before it)",
                returncode=BROKEN,
            )
        return outcome

    def _signed(self) -> str:
        try:
            return self._witnessing().sign()
        except ConfigError as error:  # no signing key on this node
            raise CommandError(str(error)) from error

    def _check_witnessed(self) -> None:
        try:
            check = self._witnessing().check()
        except ConfigError as error:
            raise CommandError(str(error), returncode=INCOMPLETE) from error
        if check.status == WitnessStatus.OK:
            self.stdout.write("\n".join(check.lines))
            return
        code = BROKEN if check.status == WitnessStatus.DIVERGED else INCOMPLETE
        raise CommandError("\n".join(check.lines), returncode=code)

    @staticmethod
    def _witnessing() -> Witnessing:
        try:
            return installed()
        except NoWitnessing as error:
            raise CommandError(str(error)) from error


def _record(outcome: Outcome) -> None:
    """Kept for the node-health page, which shows the last verification."""
    Verification.objects.create(
        ok=outcome.ok,
        checked=outcome.checked,
        broken_seq=outcome.broken_seq,
        problem=outcome.problem,
    )

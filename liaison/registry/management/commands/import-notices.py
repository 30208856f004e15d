"""`liaison import-notices FILE.json --actor USERNAME` (docs/registry-import.md).

Exit status: 0 every notice imported; 1 some notices rejected (the others are imported);
2 nothing imported (malformed or unreadable file, or an actor who may not import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.accounts.models import User
from liaison.policy import Action, decide
from liaison.registry.notices import NoticeFileError, Rejection, import_file

NOTHING_IMPORTED = 2
SOME_REJECTED = 1


class Command(BaseCommand):
    help = "Import INTERPOL public notices (JSON: a page, a list, or one notice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The JSON file (UTF-8, with or without BOM).")
        parser.add_argument(
            "--actor",
            required=True,
            help="The user the import acts as; audit entries name them.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _actor(options["actor"])
        try:
            summary = import_file(options["file"], actor=actor, on_reject=self._report)
        except NoticeFileError as exc:
            raise CommandError(
                f"{exc}; nothing was imported.", returncode=NOTHING_IMPORTED
            ) from None
        self.stdout.write(str(summary))
        if summary.rejected:
            raise CommandError(
                f"{summary.rejected} notice(s) rejected (listed above); the others were imported.",
                returncode=SOME_REJECTED,
            )

    def _report(self, rejection: Rejection) -> None:
        self.stderr.write(str(rejection))


def _actor(username: str) -> User:
    """The importing user, refused before anything is read if they may not write records."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user named {username!r}.", returncode=NOTHING_IMPORTED)
    # A re-import updates persons, so both creating and changing must be allowed.
    for action in (Action.CREATE, Action.CHANGE):
        decision = decide(user, action, handling_code="H0")
        if not decision:
            raise CommandError(
                f"{username} may not import notices: {decision.reason}",
                returncode=NOTHING_IMPORTED,
            )
    return user

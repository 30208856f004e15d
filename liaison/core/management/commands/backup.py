from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.config import write_private_file
from liaison.core.backup import (
    BackupError,
    Secret,
    key_lines,
    make_backup,
    new_identity,
    read_secret_file,
)


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of this node (database, node key, secret key, identity) "
        "to FILE, or make a new age key pair for backups with --new-key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file to write (must not exist).")
        parser.add_argument(
            "--to",
            action="append",
            default=[],
            metavar="RECIPIENT",
            help="An age recipient (age1…) that may decrypt the backup; repeatable.",
        )
        parser.add_argument("--to-file", type=Path, help="A file of age recipients, one per line.")
        parser.add_argument(
            "--passphrase-file",
            type=Path,
            help="Encrypt with the passphrase in this file instead of age keys.",
        )
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="Write a new age identity to FILE (mode 0600) and print its recipient.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target: Path = options["file"]
        try:
            if options["new_key"]:
                self._new_key(target)
                return
            manifest = make_backup(target, _secret(options))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written: {target}")
        self.stdout.write(json.dumps(manifest["counts"] | {"audit_head": manifest["audit_head"]}))

    def _new_key(self, target: Path) -> None:
        identity, recipient = new_identity()
        try:
            write_private_file(target, f"# public key: {recipient}\n{identity}\n")
        except FileExistsError:
            raise BackupError(f"{target} exists; give a new file name.") from None
        self.stdout.write(recipient)
        self.stderr.write(
            f"Identity written to {target}: keep it away from the node (it decrypts every "
            f"backup); give the node the recipient above: liaison backup FILE --to {recipient}"
        )


def _secret(options: dict[str, Any]) -> Secret:
    keys = list(options["to"])
    if options["to_file"]:
        keys += key_lines(read_secret_file(options["to_file"]))
    if options["passphrase_file"]:
        if keys:
            raise BackupError("Give --to/--to-file or --passphrase-file, not both.")
        passphrase = read_secret_file(options["passphrase_file"]).strip()
        if len(passphrase) < 12:
            raise BackupError("The passphrase must be at least 12 characters long.")
        return Secret(passphrase=passphrase)
    if not keys:
        raise BackupError(
            "Say who may decrypt the backup: --to RECIPIENT (make one with "
            "`liaison backup KEYFILE --new-key`) or --passphrase-file FILE."
        )
    return Secret(keys=tuple(keys))

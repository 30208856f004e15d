from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.core.backup import (
    RESTORE_VERSION_GAP,
    BackupError,
    Restored,
    Secret,
    key_lines,
    read_manifest,
    read_secret_file,
    restore_backup,
)


class Command(BaseCommand):
    help = (
        "Restore this node from a backup made by `liaison backup` (stop the node first); "
        "--check only decrypts it and prints its manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file.")
        parser.add_argument("--identity-file", type=Path, help="The age identity file.")
        parser.add_argument("--passphrase-file", type=Path, help="The passphrase file.")
        parser.add_argument(
            "--check", action="store_true", help="Decrypt and print the manifest; change nothing."
        )
        parser.add_argument(
            "--replace", action="store_true", help="Overwrite this node's database."
        )
        parser.add_argument(
            "--other-node",
            action="store_true",
            help="Restore a backup of another node id (this node becomes that node).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            secret = _secret(options)
            if options["check"]:
                self.stdout.write(json.dumps(read_manifest(options["file"], secret), indent=2))
                return
            restored = restore_backup(
                options["file"],
                secret,
                other_node=options["other_node"],
                replace=options["replace"],
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self._report(restored)
        if restored.audit_problem:
            raise CommandError(
                f"The restored audit chain does not verify: {restored.audit_problem}"
            )

    def _report(self, restored: Restored) -> None:
        manifest = restored.manifest
        write = self.stdout.write
        write(f"Restored node {manifest['node_id']} as it was at {manifest['made_at']}.")
        write(f"Audit chain verified: {restored.audit_entries} entries.")
        write(
            f"Versions of this node's {restored.versions_raised} records raised by "
            f"{RESTORE_VERSION_GAP}, so that their next change supersedes what partners hold."
        )
        if not restored.peers:
            return
        write("Partners: what was exchanged after the backup is missing here. Now:")
        for node_id, agency, shares in restored.peers:
            name = agency or node_id
            write(
                f"  {name} ({node_id}): run `liaison peers resync {node_id}` here "
                f"({shares} shared records); ask {name} to run "
                f"`liaison peers resync {settings.NODE_ID}` on their node."
            )
        write(
            "Partners that witnessed audit heads after the backup will see this node's chain "
            f"end at seq {manifest['audit_head']['seq']}: tell them of the restore."
        )


def _secret(options: dict[str, Any]) -> Secret:
    if options["identity_file"] and options["passphrase_file"]:
        raise BackupError("Give --identity-file or --passphrase-file, not both.")
    if options["identity_file"]:
        return Secret(keys=key_lines(read_secret_file(options["identity_file"])))
    if options["passphrase_file"]:
        return Secret(passphrase=read_secret_file(options["passphrase_file"]).strip())
    raise BackupError("Give --identity-file (the age identity) or --passphrase-file.")

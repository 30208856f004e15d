from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.config import ConfigError
from liaison.exchange import keys


class Command(BaseCommand):
    help = "This node's Ed25519 signing key: `keys init` makes it, `keys show` prints it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init", help="Make the key pair unless it exists; print the fingerprint.")
        sub.add_parser("show", help="Print the fingerprint and the public key (JWK x).")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.DATA_DIR)
        made = keys.create_key(data_dir) if options["action"] == "init" else False
        try:
            key = keys.load_key(data_dir)
        except ConfigError as error:
            raise CommandError(str(error)) from error
        if made:
            self.stderr.write(f"Key made: {keys.key_path(data_dir)} (mode 0600).")
        self.stdout.write(f"node {settings.NODE_ID}")
        self.stdout.write(f"fingerprint {keys.fingerprint(key)}")
        self.stdout.write(f"public-key {keys.public_jwk(key)['x']}")

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.config import ConfigError
from liaison.exchange import keys
from liaison.exchange.models import Peer
from liaison.exchange.rotation import rotate_node_key


class Command(BaseCommand):
    help = (
        "This node's Ed25519 signing key: `keys init` makes it, `keys show` prints it, "
        "`keys rotate` replaces it and announces the new one to every partner."
    )
    # They read and write the node's key and its partners only: Django's checks (models, the
    # URLs and every API behind them) would double the start of a command run by the minute.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init", help="Make the key pair unless it exists; print the fingerprint.")
        sub.add_parser("show", help="Print the fingerprint and the public key (JWK x).")
        rotate = sub.add_parser(
            "rotate", help="Make a new key; announce it to partners, signed by the current one."
        )
        rotate.add_argument(
            "--compromised",
            action="store_true",
            help="The current key may be stolen: announce nothing, delete it; partners "
            "re-pin the new fingerprint after checking it with you (`peers repin`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.DATA_DIR)
        made = keys.create_key(data_dir) if options["action"] == "init" else False
        try:
            key = keys.load_key(data_dir)
            if options["action"] == "rotate":
                self._rotate(compromised=options["compromised"])
                key = keys.load_key(data_dir)
        except ConfigError as error:
            raise CommandError(str(error)) from error
        if made:
            self.stderr.write(f"Key made: {keys.key_path(data_dir)} (mode 0600).")
        self.stdout.write(f"node {settings.NODE_ID}")
        self.stdout.write(f"fingerprint {keys.fingerprint(key)}")
        self.stdout.write(f"public-key {keys.public_jwk(key)['x']}")
        waiting = Peer.objects.exclude(our_key="").order_by("node_id")
        for node_id, fp in waiting.values_list("node_id", "our_key"):
            self.stdout.write(f"partner {node_id} still knows {fp} (announcement not yet received)")

    def _rotate(self, *, compromised: bool) -> None:
        rotation = rotate_node_key(compromised=compromised)
        self.stderr.write(f"Key {rotation.previous} replaced.")
        if compromised:
            self.stderr.write(
                "Announced to no one: give each partner's operators the new fingerprint "
                "below through a trusted channel; they run `liaison peers repin "
                f"{settings.NODE_ID} --fingerprint F`."
            )
        else:
            partners = ", ".join(rotation.partners) or "none"
            self.stderr.write(f"Announced to: {partners} (queued; delivered by the worker).")

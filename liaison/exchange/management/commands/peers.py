from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.exchange.actions import add_peer, drop_envelopes, repin_peer, retry_envelopes
from liaison.exchange.queries import PeerState, peer_states
from liaison.exchange.sharing import ExchangeError, resync_peer


class Command(BaseCommand):
    help = (
        "Partner nodes: add (pin a key by fingerprint), repin (another key, after a "
        "compromise), list (state), resync (re-send all), retry or drop an envelope set aside."
    )
    # They read and write the node's key and its partners only: Django's checks (models, the
    # URLs and every API behind them) would double the start of a command run by the minute.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Pin a partner: NODE_ID URL --fingerprint F.")
        add.add_argument("node_id")
        add.add_argument("url")
        add.add_argument("--fingerprint", required=True, help="SHA-256 of its public key (hex).")
        add.add_argument(
            "--public-key",
            default="",
            help="Its public key (JWK x), when it cannot be fetched from here yet.",
        )
        add.add_argument(
            "--agency",
            default="",
            help="Its service's name, shown on the pages (else the one it publishes).",
        )
        add.add_argument("--country", default="", help="Its country (ISO 3166 alpha-2).")
        repin = sub.add_parser(
            "repin",
            help="Pin a partner's new key after a compromise, confirmed out of band: "
            "NODE_ID --fingerprint F. Its old key is refused at once.",
        )
        repin.add_argument("node_id")
        repin.add_argument("--fingerprint", required=True, help="SHA-256 of its new key (hex).")
        repin.add_argument(
            "--public-key", default="", help="Its new public key (JWK x), if not fetchable."
        )
        listing = sub.add_parser("list", help="Each partner's state and recent rejections.")
        listing.add_argument("--json", action="store_true")
        resync = sub.add_parser("resync", help="Re-send everything shared with NODE_ID.")
        resync.add_argument("node_id")
        retry = sub.add_parser("retry", help="Put envelopes set aside back in NODE_ID's queue.")
        retry.add_argument("node_id")
        which = retry.add_mutually_exclusive_group(required=True)
        which.add_argument("envelope", nargs="?", default="", help="Its id or seq number.")
        which.add_argument("--all", action="store_true", help="Every envelope set aside.")
        drop = sub.add_parser("drop", help="Give up an envelope set aside (kept, never sent).")
        drop.add_argument("node_id")
        drop.add_argument("envelope", help="Its id or seq number.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except (ExchangeError, ValueError) as error:
            raise CommandError(str(error)) from error

    def _add(self, options: dict[str, Any]) -> None:
        peer = add_peer(
            node_id=options["node_id"],
            url=options["url"],
            fingerprint=options["fingerprint"],
            public_key=options["public_key"],
            agency=options["agency"],
            country=options["country"].upper(),
        )
        state = "key pinned" if peer.public_key else "key fetched at first contact"
        self.stdout.write(f"{peer.node_id} {peer.url} ({state})")

    def _repin(self, options: dict[str, Any]) -> None:
        peer = repin_peer(
            node_id=options["node_id"],
            fingerprint=options["fingerprint"],
            public_key=options["public_key"],
        )
        state = "key pinned" if peer.public_key else "key fetched at first contact"
        self.stdout.write(f"{peer.node_id} repinned to {peer.fingerprint} ({state})")

    def _list(self, options: dict[str, Any]) -> None:
        states = peer_states()
        if options["json"]:
            self.stdout.write(json.dumps([s.as_dict() for s in states], indent=2))
            return
        for state in states:
            self._write_state(state)

    def _write_state(self, state: PeerState) -> None:
        reachable = {None: "not tried", True: "reachable", False: "unreachable"}[state.reachable]
        oldest = state.oldest_undelivered.isoformat() if state.oldest_undelivered else "-"
        self.stdout.write(
            f"{state.peer.node_id}\t{state.peer.url}\t{reachable}\tqueue {state.queue}\t"
            f"oldest {oldest}\tdelivered {state.delivered}\trejected {state.rejected}\t"
            f"set aside {state.set_aside}\t"
            f"last error: {state.peer.last_error or '-'}"
        )
        for row in state.rejections:
            self.stdout.write(
                f"  rejected #{row.seq} {row.message_type} {row.object_uid}: "
                f"{row.reason} {row.detail}"
            )
        for row in state.set_aside_rows:
            self.stdout.write(
                f"  set aside #{row.seq} {row.envelope_id} {row.message_type} {row.object_uid} "
                f"after {row.failures} failures: {row.detail}"
            )

    def _retry(self, options: dict[str, Any]) -> None:
        count = retry_envelopes(node_id=options["node_id"], envelope=options["envelope"])
        self.stdout.write(f"{count} envelope(s) back in the queue for {options['node_id']}")

    def _drop(self, options: dict[str, Any]) -> None:
        count = drop_envelopes(node_id=options["node_id"], envelope=options["envelope"])
        self.stdout.write(f"{count} envelope(s) dropped for {options['node_id']}")

    def _resync(self, options: dict[str, Any]) -> None:
        result = resync_peer(node_id=options["node_id"])
        self.stdout.write(f"{len(result.envelopes)} envelopes queued for {result.partner}")
        if result.followers:
            self.stdout.write(f"  and {result.followers} files after their records")
        for skipped in result.skipped:
            self.stdout.write(f"  skipped {skipped.object_type} {skipped.uid}: {skipped.reason}")

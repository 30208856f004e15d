from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.accounts.models import ApiToken, User
from liaison.accounts.tokens import create_api_token, revoke_api_token


class Command(BaseCommand):
    help = "Create, list or revoke API tokens. A new token is printed once and stored hashed."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Print a new token for USERNAME.")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="What the token is for.")
        listing = sub.add_parser("list", help="List tokens (prefixes only).")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user named {options['username']!r}.") from None
        _token, raw = create_api_token(user=user, name=options["name"])
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("created_at")
        if options["username"]:
            tokens = tokens.filter(user__username=options["username"])
        for token in tokens:
            state = "revoked" if token.revoked_at else "active"
            self.stdout.write(
                f"{token.prefix}\t{token.user.username}\t{token.name}\t{state}\t"
                f"{token.created_at:%Y-%m-%d %H:%M}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        matches = list(ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
        if len(matches) != 1:
            raise CommandError(f"{len(matches)} active tokens have prefix {options['prefix']!r}.")
        revoke_api_token(token=matches[0])
        self.stdout.write(f"Revoked {options['prefix']}.")

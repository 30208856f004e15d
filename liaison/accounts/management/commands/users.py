from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.accounts import actions
from liaison.accounts.models import User


class Command(BaseCommand):
    help = "Manage this node's agencies and accounts (node administrators). Audited."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        agency = sub.add_parser("add-agency", help="Add an agency of this node.")
        agency.add_argument("name")
        agency.add_argument("--country", required=True, help="ISO 3166 alpha-2, e.g. MA")
        create = sub.add_parser("create", help="Create an account; asks for the password.")
        create.add_argument("username")
        create.add_argument("--agency", required=True)
        create.add_argument("--role", action="append", required=True, dest="roles")
        create.add_argument(
            "--password-stdin", action="store_true", help="Read the password from stdin."
        )
        sub.add_parser("list", help="List accounts with agency, roles and state.")
        for verb in ("disable", "enable"):
            sub.add_parser(verb, help=f"{verb.title()} an account.").add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except actions.AccountError as error:
            raise CommandError(str(error)) from None

    def _add_agency(self, options: dict[str, Any]) -> None:
        agency = actions.create_agency(name=options["name"], country=options["country"])
        self.stdout.write(f"Agency {agency.name} ({agency.country}) added.")

    def _create(self, options: dict[str, Any]) -> None:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        user = actions.create_user(
            username=options["username"],
            agency_name=options["agency"],
            roles=options["roles"],
            password=password,
        )
        self.stdout.write(
            f"Created {user.username}; they enrol their authenticator at first sign-in."
        )

    def _list(self, options: dict[str, Any]) -> None:
        for user in User.objects.select_related("agency").prefetch_related("groups"):
            state = "active" if user.is_active else "disabled"
            agency = user.agency.name if user.agency else "-"
            self.stdout.write(f"{user.username}\t{agency}\t{','.join(user.roles)}\t{state}")

    def _disable(self, options: dict[str, Any]) -> None:
        actions.set_active(username=options["username"], active=False)
        self.stdout.write(f"Disabled {options['username']}.")

    def _enable(self, options: dict[str, Any]) -> None:
        actions.set_active(username=options["username"], active=True)
        self.stdout.write(f"Enabled {options['username']}.")

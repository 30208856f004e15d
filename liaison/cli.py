"""The `liaison` console script: Django's manage.py commands plus the project's own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = argv if argv is not None else sys.argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
    if argv[1:2] == ["demo"]:
        # The launcher is not a node: keep its own settings' files beside the nodes'.
        os.environ.setdefault("LIAISON_DATA_DIR", ".demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

"""What the benches that time one node's code share: a child process per database, each
with a fresh throwaway node (a temp SQLite file, or a temp PostgreSQL database), Django set
up inside it, percentiles and the machine's load.

    run_in_child(__file__, "postgresql", ["--persons", "1000"], name="desk")

runs `python <script> --child postgresql --persons 1000` with a clean environment (the
node's data directory is removed after it); the script's `--child` branch calls
`setup_django()` and measures. Each database gets its own process because Django reads its
settings once per process.

PostgreSQL is the server on 127.0.0.1:5432 (user postgres); the database is named
`liaison_bench_<name>_<pid>`, or, when DATABASE_URL names a PostgreSQL database, that one
(created for the run and dropped after it, as the other).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"


def run_in_child(
    script: str, database: str, argv: list[str], *, name: str, env: dict[str, str] | None = None
) -> None:
    """Run `script --child <database> argv...` on a fresh node; print a line and return
    when PostgreSQL is unreachable. `env` adds to the node's environment."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DJANGO_"))}
    wanted = child_env.pop("DATABASE_URL", "")
    child_env.update(LIAISON_HTTPS="0", LIAISON_NODE_ID="ma", **(env or {}))
    server, db_name = PG, f"liaison_bench_{name}_{os.getpid()}"
    if wanted.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(wanted)
        server, db_name = f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/")
    if database == "postgresql":
        if not _psql(server, f'CREATE DATABASE "{db_name}"'):
            print(f"postgresql: server unreachable on {urlsplit(server).netloc}, skipped")
            return
        child_env["DATABASE_URL"] = f"{server}/{db_name}"
    try:
        with tempfile.TemporaryDirectory(prefix=f"liaison-bench-{name}-") as data_dir:
            command = [sys.executable, script, "--child", database, *argv]
            subprocess.run(command, env={**child_env, "LIAISON_DATA_DIR": data_dir}, check=True)
    finally:
        if database == "postgresql":
            _psql(server, f'DROP DATABASE IF EXISTS "{db_name}"')


def _psql(server: str, sql: str) -> bool:
    result = subprocess.run(
        ["psql", f"{server}/postgres", "-q", "-c", sql], capture_output=True, text=True, check=False
    )
    return result.returncode == 0


def setup_django() -> None:
    """In the child: Django on the node the parent prepared, its tables migrated."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method); 0 for no values."""
    if not values:
        return 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def load() -> str:
    """The machine's load averages (1, 5, 15 min), as `uptime` shows them, and its CPUs."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def analyze() -> None:
    """Table statistics, as a live PostgreSQL node has them (autovacuum may be off on a test
    server, and would have run on a node by then); SQLite: none, as on a node."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def bench_user(username: str, role: str) -> Any:
    """A user of the node's own agency with one role (its group from the migrations)."""
    from django.conf import settings
    from django.contrib.auth.models import Group

    from liaison.accounts.models import Agency, User

    agency, _ = Agency.objects.get_or_create(
        name="Bench", defaults={"country": "MA", "node_id": settings.NODE_ID}
    )
    user = User.objects.create(username=username, agency=agency, is_demo=True)
    user.groups.set([Group.objects.get(name=role)])
    return user

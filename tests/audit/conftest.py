"""The audit tests' extra cast and helpers for tampering with the table directly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from liaison.accounts.models import User
from liaison.audit.actions import log_event
from liaison.audit.models import AuditEntry

TABLE = AuditEntry._meta.db_table
HEAD_TABLE = "audit_auditchainhead"


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    return make_user("auditor", "auditor")


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("analyst", "analyst")


@pytest.fixture
def node_admin(make_user: Callable[..., User]) -> User:
    return make_user("node_admin", "node_admin")


@pytest.fixture
def chain(db: None) -> list[AuditEntry]:
    """Six entries of different kinds, seq 1 to 6."""
    return [
        log_event(action="collect", object_type="person", object_id=str(n), purpose=f"case {n}")
        for n in range(1, 7)
    ]


def sql(statement: str, params: list[object] | None = None) -> None:
    """Tamper the way an attacker with database access would: raw SQL, no ORM. On
    PostgreSQL that takes the table owner's rights too, to switch off the append-only
    trigger for the statement (the test's transaction rolls the switch back anyway)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        cursor.execute(statement, params or [])
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


def verify(*args: str) -> str:
    """Run `audit verify`; its output when intact, else raise CommandError."""
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def broken(*args: str) -> str:
    """Run `audit verify` expecting a break; the error message naming the entry."""
    with pytest.raises(CommandError) as failure:
        verify(*args)
    assert failure.value.returncode == 1
    return str(failure.value)


class Node:
    """A node of its own for the real `liaison` console script: a data directory with a
    migrated SQLite file (PostgreSQL runs too: DATABASE_URL is dropped for it)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.database = data_dir / "liaison.sqlite3"
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env = {**env, "LIAISON_DATA_DIR": str(data_dir), "LIAISON_HTTPS": "0"}

    def command(self, *args: str) -> list[str]:
        return [str(Path(sys.executable).with_name("liaison")), *args]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), env=self.env, capture_output=True, text=True, timeout=300
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture(scope="session")
def migrated_node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per test process; each test gets a copy (see `node`)."""
    data_dir = tmp_path_factory.mktemp("node")
    result = Node(data_dir).run("migrate", "-v", "0")
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def node(migrated_node: Path, tmp_path: Path) -> Node:
    data_dir = tmp_path / "node"
    shutil.copytree(migrated_node, data_dir)
    return Node(data_dir)

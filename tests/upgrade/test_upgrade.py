"""Upgrades keep the data: databases made by release 1 (tests/upgrade/data), migrated by
this code, keep their records, shares, exchange history and a verifying audit chain.

Each node runs in its own process (`liaison migrate`, `liaison audit verify`, a shell
that reads every record with this code's models), on SQLite, and on PostgreSQL when
DATABASE_URL names it (the suite's PostgreSQL pass).
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
BASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = BASE_URL.startswith(("postgres://", "postgresql://"))

# What release 1's nodes held (counted in their databases when the files were made).
EXPECTED = {
    "ma": {
        "audit": "OK: 120 entries verified; head seq 120 hash "
        "dda703c2a771bcf573f312eebef0a8f5010c4490b4b2eaa9f06536f23147a54f",
        "counts": {
            "person_own": 40,
            "person_received": 0,
            "warrant": 25,
            "alert": 21,
            "hit": 7,
            "event": 2,
            "shares": 17,
            "outbox_delivered": 18,
            "inbox_applied": 1,
        },
    },
    "fr": {
        "audit": "OK: 128 entries verified; head seq 128 hash "
        "b852f6e76b6b0f39f6ec1d2dadef967dfd22d5cce1e83709aa06a0db53117e35",
        "counts": {
            "person_own": 40,
            "person_received": 6,
            "warrant": 37,
            "alert": 30,
            "hit": 7,
            "event": 1,
            "shares": 0,
            "outbox_delivered": 1,
            "inbox_applied": 18,
        },
    },
}

READ_EVERYTHING = """
import json
from django.conf import settings
from liaison.core.backup import shared_models
from liaison.exchange.models import InboxEnvelope, OutboxEnvelope, Share
from liaison.registry.models import Person
from liaison.registry.sharing.records import person_object

counts = {}
for model in shared_models():
    rows = list(model._default_manager.all())
    for row in rows:
        str(row)  # every column this code knows is readable
    counts[model._meta.model_name] = len(rows)
persons = Person.objects.all()
for person in persons:
    person_object(person)  # what this code would send: every part still there
counts["person_own"] = persons.filter(owner_node=settings.NODE_ID).count()
counts["person_received"] = persons.exclude(owner_node=settings.NODE_ID).count()
del counts["person"]
counts["shares"] = Share.objects.count()
counts["outbox_delivered"] = OutboxEnvelope.objects.filter(state="delivered").count()
counts["inbox_applied"] = InboxEnvelope.objects.filter(status="applied").count()
print(json.dumps(counts))
"""


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "liaison.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"liaison {args[0]}: {result.stderr[-3000:]}"
    return result.stdout


def _admin(sql: str) -> None:
    import psycopg

    admin = urllib.parse.urlsplit(BASE_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.encode())  # type: ignore[call-overload]


@pytest.fixture
def old_node(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    node_id: str = request.param
    data_dir = tmp_path / node_id
    data_dir.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env |= {"LIAISON_DATA_DIR": str(data_dir), "LIAISON_NODE_ID": node_id, "LIAISON_HTTPS": "0"}
    name = ""
    if ON_POSTGRES:
        name = f"liaison_upgrade_{node_id}_{secrets.token_hex(4)}"
        _admin(f'CREATE DATABASE "{name}"')
        url = urllib.parse.urlsplit(BASE_URL)._replace(path=f"/{name}").geturl()
        dump = tmp_path / "dump.sql"
        with gzip.open(DATA / f"release-1-{node_id}.pgsql.gz") as src, dump.open("wb") as out:
            shutil.copyfileobj(src, out)
        loaded = subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(dump)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert loaded.returncode == 0, loaded.stderr
        env["DATABASE_URL"] = url
    else:
        with (
            gzip.open(DATA / f"release-1-{node_id}.sqlite3.gz") as src,
            (data_dir / "liaison.sqlite3").open("wb") as out,
        ):
            shutil.copyfileobj(src, out)
    yield node_id, env
    if name:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("old_node", ["ma", "fr"], indirect=True)
def test_a_release_1_node_upgrades_with_its_data(old_node: tuple[str, dict[str, str]]) -> None:
    node_id, env = old_node
    expected = EXPECTED[node_id]
    run(env, "migrate", "--noinput", "-v", "0")
    assert run(env, "audit", "verify").strip() == expected["audit"]
    counts = json.loads(run(env, "shell", "--no-imports", "-c", READ_EVERYTHING).splitlines()[-1])
    assert {k: counts.get(k) for k in expected["counts"]} == expected["counts"]
    # Nothing left to migrate, and the model state matches the migrations.
    assert "No planned migration operations" in run(env, "migrate", "--plan")

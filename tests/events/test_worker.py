"""Screening through the real task worker (django-tasks-db), killed with kill -9 mid-run:
the next worker resumes after the last finished chunk, no chunk recorded twice, none lost.

The test's own database is handed to the worker processes: on PostgreSQL by name (the test
commits: transactional_db), on SQLite (in memory) through a copy in a file, copied back at
the end to be read through the ORM.
"""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from liaison.accounts.models import User
from liaison.events.accreditation import map_columns, upload_list
from liaison.events.models import AccreditationList, Candidate, Event, ListStatus
from liaison.events.screening import identity
from liaison.events.tables import Mapping
from liaison.matching.screen import Screener
from liaison.registry.models import Person
from liaison.registry.queries import watchlist_identities

pytestmark = [pytest.mark.worker, pytest.mark.timeout(120)]

ROWS, CHUNK = 240, 20
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PG = connection.vendor == "postgresql"


def _rows() -> str:
    lines = ["Nom,Prénom,Date de naissance"]
    for i in range(ROWS):
        if i % 40 == 7:
            lines.append("Benali,Karim,1984-03-12")
        elif i % 40 == 23:
            lines.append("El Idrissi,Youssef,1979-11-02")
        else:
            lines.append(f"Applicant{i},Jean,1970-07-07")
    return "\n".join(lines) + "\n"


class Worker:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.db = data_dir / "liaison.sqlite3"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DJANGO"))}
        env |= {
            "DJANGO_SETTINGS_MODULE": "liaison.settings",
            "LIAISON_DATA_DIR": str(data_dir),
            "LIAISON_NODE_ID": "ma",
            "LIAISON_HTTPS": "0",
            "LIAISON_SCREENING_CHUNK_ROWS": str(CHUNK),
            "LIAISON_SCREENING_CHUNK_PAUSE_MS": "150",
            "LIAISON_LOG_LEVEL": "WARNING",
        }
        if PG:
            s = connection.settings_dict
            env["DATABASE_URL"] = (
                f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
            )
        else:
            env.pop("DATABASE_URL", None)
        self.env = env

    def start(self, *extra: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "liaison.cli", "task-worker", "--interval", "0.1"]
        return subprocess.Popen([*command, *extra], env=self.env, cwd=self.data_dir)

    def progress(self) -> tuple[str, int]:
        if PG:
            row = AccreditationList.objects.values_list("status", "chunks_done").get()
            return row[0], row[1]
        with sqlite3.connect(self.db, timeout=10) as db:
            found = db.execute("SELECT status, chunks_done FROM events_accreditationlist")
            status, chunks = found.fetchone()
        return str(status), int(chunks)

    def hand_over(self) -> None:
        if not PG:
            with sqlite3.connect(self.db) as target:
                connection.connection.backup(target)

    def take_back(self) -> None:
        if not PG:
            with sqlite3.connect(self.db) as source:
                source.backup(connection.connection)


def _wait(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_is_resumed_from_its_last_chunk_with_exact_counts(
    officer: User,
    event: Event,
    watched: Callable[..., Person],
    settings: Any,
    tmp_path: Path,
) -> None:
    watched("كريم بنعلي", "Karim Benali", dob="1984-03-12")
    watched("Youssef El Idrissi", dob="1979-11-02")
    watched("Fatima Zahra Alaoui", dob="1990-01-01")
    settings.TASKS = DB_BACKEND
    lst = upload_list(
        actor=officer,
        event=event,
        name="Volunteers",
        purpose="Accreditation",
        file_name="v.csv",
        data=_rows().encode(),
    )
    map_columns(actor=officer, lst=lst, mapping=Mapping(names=[1, 0], date_of_birth=2))
    lst.refresh_from_db()
    assert lst.status == ListStatus.QUEUED and DBTaskResult.objects.get().status == "READY"
    bare = Screener(watchlist_identities()).screen([identity(a) for a in lst.rows.all()])
    expected = {(h.query_index, h.watchlist_id) for h in bare}
    assert len(expected) == 12  # 6 rows each of two people

    worker = Worker(tmp_path)
    worker.hand_over()
    first = worker.start()
    try:
        _wait(lambda: worker.progress()[1] >= 3, 60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    status, killed_at = worker.progress()
    total = math.ceil(ROWS / CHUNK)
    assert status == ListStatus.RUNNING and 3 <= killed_at < total

    second = worker.start("--batch")  # resumes the dead worker's run, exits when done
    try:
        assert second.wait(60) == 0
    finally:
        second.kill()
    worker.take_back()
    lst.refresh_from_db()
    assert (lst.status, lst.rows_screened, lst.chunks_done) == ("done", ROWS, total)
    found = set(
        Candidate.objects.filter(list=lst).values_list("applicant__position", "person__uid")
    )
    assert {(p, str(uid)) for p, uid in found} == expected
    assert Candidate.objects.filter(list=lst).count() == lst.candidates_found == 12
    tasks = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert tasks == ["FAILED", "SUCCESSFUL"]  # the killed run's, and the resumed one


def test_a_worker_whose_parent_died_while_it_started_exits_at_once(tmp_path: Path) -> None:
    """`liaison serve` passes its pid: a worker that finds another parent (init took over
    an orphan) does not run on, taking tasks for a node that is gone. No database here:
    a worker that went on would fail or wait for tasks, not exit 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env |= {"LIAISON_DATA_DIR": str(tmp_path), "LIAISON_HTTPS": "0"}
    not_our_parent = str(os.getpid())  # the test's process: the worker's parent is pytest's child
    command = [sys.executable, "-m", "liaison.cli", "task-worker", "--parent", not_our_parent]
    runner = [
        sys.executable,
        "-c",
        "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))",
    ]
    done = subprocess.run([*runner, *command], env=env, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0

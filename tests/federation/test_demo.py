"""`liaison demo` runs both nodes peered, workers included: a share on ma reaches fr."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.federation.conftest import ROOT, free_port, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation")]

SHARE = """
from liaison.accounts.models import User
from liaison.exchange.actions import share_person
from liaison.registry.actions import NameData, PersonData, create_person
lo = User.objects.get(username="ma-liaison-officer")
data = PersonData(category="wanted", names=[NameData("Demo Shared")])
person = create_person(actor=lo, data=data)
share_person(actor=lo, person=person, partner="fr")
"""
COUNT = """
import json
from liaison.registry.models import Person
print(json.dumps(Person.objects.filter(names__full_name="Demo Shared", owner_node="ma").count()))
"""


def _env(data_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    if data_dir is not None:
        env.update(LIAISON_DATA_DIR=str(data_dir), LIAISON_HTTPS="0", LIAISON_DEMO="1")
    return env


def _shell(data_dir: Path, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "liaison.cli", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=_env(data_dir),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def test_a_record_shared_on_ma_shows_up_on_fr_within_seconds(tmp_path: Path) -> None:
    base = tmp_path / "demo"
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "liaison.cli",
            "demo",
            "--dir",
            str(base),
            "--ports",
            f"{free_port()},{free_port()}",
        ],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert demo.stdout is not None
        for line in demo.stdout:
            if "Press Ctrl-C" in line:
                break
        _shell(base / "ma", SHARE)
        wait_for(lambda: json.loads(_shell(base / "fr", COUNT) or "0") == 1, timeout=30)
    finally:
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=60)

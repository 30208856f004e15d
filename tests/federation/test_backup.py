"""`liaison backup` and `liaison restore` on live nodes: backup → wipe → restore → verify,
then a resync brings the partner level; and every way a restore is refused changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.federation.conftest import ROOT, Databases, Node, peer, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("live-backup")]


def person(name: str) -> dict[str, Any]:
    return {
        "category": "wanted",
        "sex": "M",
        "names": [{"full_name": name, "kind": "primary"}],
        "birth_dates": ["1980-01-02"],
        "nationalities": ["MA"],
        "place_of_birth": "Tanger",
        "handling_code": "H1",
    }


def create_and_share(node: Node, name: str) -> str:
    status, body = node.api("POST", "/persons", person(name))
    assert status == 201, body
    uid = str(body["uid"])
    status, body = node.api("POST", f"/persons/{uid}/shares", {"partner": "fr"})
    assert status == 201, body
    return uid


def copy_at(node: Node, uid: str) -> dict[str, Any] | None:
    status, body = node.api("GET", f"/persons/{uid}?purpose=backup+test+check")
    return body if status == 200 else None


def run(node: Node, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liaison.cli", *args],
        cwd=ROOT,
        env=node.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def wipe(node: Node, databases: Databases) -> None:
    """A lost server: the data directory and the database are gone."""
    shutil.rmtree(node.data_dir)
    node.data_dir.mkdir(mode=0o700)
    if node.database_url:
        name = node.database_url.rsplit("/", 1)[1]
        databases._admin(f'DROP DATABASE "{name}" WITH (FORCE)')
        databases._admin(f'CREATE DATABASE "{name}"')


@pytest.fixture(scope="module")
def nodes(make_nodes: Any) -> Iterator[tuple[Node, Node]]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    yield ma, fr


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory, nodes: tuple[Node, Node]) -> tuple[Path, str]:
    identity = tmp_path_factory.mktemp("safe") / "backup.key"
    out = nodes[0].cli("backup", str(identity), "--new-key")
    return identity, out.strip()


def test_backup_wipe_restore_then_resync(
    nodes: tuple[Node, Node], keys: tuple[Path, str], tmp_path: Path, databases: Databases
) -> None:
    ma, fr = nodes
    identity, recipient = keys
    kept = create_and_share(ma, "Karim Backup Kept")
    wait_for(lambda: copy_at(fr, kept))
    backup = tmp_path / "ma.age"
    ma.cli("backup", str(backup), "--to", recipient)  # online: the node keeps running
    assert backup.stat().st_mode & 0o777 == 0o600
    raw = backup.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1")
    assert b"PRIVATE KEY" not in raw and b"Karim" not in raw

    lost = create_and_share(ma, "Nabil After Backup")
    changed = person("Karim Backup Kept") | {"place_of_birth": "Oujda"}
    assert ma.api("PUT", f"/persons/{kept}", changed)[0] == 200
    wait_for(lambda: copy_at(fr, lost))
    wait_for(lambda: (copy_at(fr, kept) or {}).get("place_of_birth") == "Oujda")
    version_at_fr = copy_at(fr, kept)
    assert version_at_fr is not None

    ma.stop()
    wipe(ma, databases)
    result = run(ma, "restore", str(backup), "--identity-file", str(identity))
    assert result.returncode == 0, result.stderr
    assert "Audit chain verified" in result.stdout
    assert "liaison peers resync fr" in result.stdout
    assert "run `liaison peers resync ma` on their node" in result.stdout
    assert ma.cli("audit", "verify").startswith("OK: ")

    ma.start()
    assert copy_at(ma, kept) is not None
    assert copy_at(ma, lost) is None  # made after the backup: gone here
    restored_version = copy_at(ma, kept)["version"]  # type: ignore[index]
    assert restored_version > version_at_fr["version"]

    # The node key came back: fr still accepts what ma signs, and the restored version
    # supersedes the change fr holds from after the backup.
    ma.cli("peers", "resync", "fr")
    wait_for(lambda: (copy_at(fr, kept) or {}).get("version") == restored_version)
    assert copy_at(fr, kept)["place_of_birth"] == "Tanger"  # type: ignore[index]
    fresh = create_and_share(ma, "Samir After Restore")
    wait_for(lambda: copy_at(fr, fresh))


def test_refusals_change_nothing(
    nodes: tuple[Node, Node], keys: tuple[Path, str], tmp_path: Path
) -> None:
    _, fr = nodes
    identity, recipient = keys
    backup = tmp_path / "fr.age"
    fr.cli("backup", str(backup), "--to", recipient)
    before = fr.api("GET", "/persons")[1]

    again = run(fr, "backup", str(backup), "--to", recipient)
    assert again.returncode != 0 and "exists" in again.stderr

    no_key = run(fr, "backup", str(tmp_path / "x.age"))
    assert no_key.returncode != 0 and "--to RECIPIENT" in no_key.stderr
    assert not (tmp_path / "x.age").exists()

    wrong = tmp_path / "wrong.key"
    fr.cli("backup", str(wrong), "--new-key")
    refused = run(fr, "restore", str(backup), "--identity-file", str(wrong), "--replace")
    assert refused.returncode != 0 and "cannot be decrypted" in refused.stderr

    tampered = tmp_path / "tampered.age"
    data = bytearray(backup.read_bytes())
    data[-100] ^= 1
    tampered.write_bytes(bytes(data))
    refused = run(fr, "restore", str(tampered), "--identity-file", str(identity), "--replace")
    assert refused.returncode != 0 and "cannot be decrypted" in refused.stderr

    refused = run(fr, "restore", str(backup), "--identity-file", str(identity))
    assert refused.returncode != 0 and "--replace" in refused.stderr

    checked = run(fr, "restore", str(backup), "--identity-file", str(identity), "--check")
    assert checked.returncode == 0, checked.stderr
    assert '"node_id": "fr"' in checked.stdout

    assert fr.api("GET", "/persons")[1] == before


def test_another_nodes_backup_is_refused(
    nodes: tuple[Node, Node], keys: tuple[Path, str], tmp_path: Path
) -> None:
    ma, fr = nodes
    identity, recipient = keys
    backup = tmp_path / "ma.age"
    ma.cli("backup", str(backup), "--to", recipient)
    before = fr.api("GET", "/persons")[1]
    refused = run(fr, "restore", str(backup), "--identity-file", str(identity), "--replace")
    assert refused.returncode != 0
    assert "backup is of node 'ma', this is node 'fr'" in refused.stderr
    assert fr.api("GET", "/persons")[1] == before


def test_passphrase_backup_round_trip(nodes: tuple[Node, Node], tmp_path: Path) -> None:
    _, fr = nodes
    short = tmp_path / "short"
    short.write_text("too short\n")
    refused = run(fr, "backup", str(tmp_path / "a.age"), "--passphrase-file", str(short))
    assert refused.returncode != 0 and "at least 12" in refused.stderr
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse battery staple\n")
    os.chmod(passphrase, 0o600)
    backup = tmp_path / "b.age"
    fr.cli("backup", str(backup), "--passphrase-file", str(passphrase))
    out = fr.cli("restore", str(backup), "--passphrase-file", str(passphrase), "--check")
    assert '"format": "liaison-backup/1"' in out

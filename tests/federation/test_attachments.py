"""Two live nodes: a file attached to a request for assistance travels with it, in parts
(it is larger than one envelope), and is downloaded on the partner identical; a restored
node still serves its attachments."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.federation.conftest import ROOT, Databases, Node, peer, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-attachments")]

# About 600 KB: ten parts of 64 KiB, more than two envelopes' worth.
BIG_PDF = b"%PDF-1.7\n" + os.urandom(600 * 1024) + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


def _send(ma: Node, subject: str) -> str:
    body = {
        "recipient_node": "fr",
        "request_type": "information",
        "subject": subject,
        "text": "Voir le procès-verbal joint.",
        "urgency": "normal",
    }
    status, created = ma.api("POST", "/requests", body)
    assert status == 201, created
    uid = str(created["uid"])
    wait_for(lambda: fr_has(ma, uid), timeout=60)
    return uid


def fr_has(ma: Node, uid: str) -> bool:
    status, body = ma.api("GET", f"/requests/{uid}")
    return status == 200 and body["status"] == "received"


def upload(node: Node, uid: str, name: str, data: bytes) -> tuple[int, Any]:
    """POST a multipart form (file, description) to the request's attachments."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nPV\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n",
    ]
    body = "".join(parts).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(  # noqa: S310
        f"{node.url}/api/v1/requests/{uid}/attachments", data=body, method="POST"
    )
    request.add_header("Authorization", f"Bearer {node.tokens['lo']}")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def download(node: Node, uid: str, attachment: str) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(  # noqa: S310
        f"{node.url}/api/v1/requests/{uid}/attachments/{attachment}"
    )
    request.add_header("Authorization", f"Bearer {node.tokens['lo']}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def listed(node: Node, uid: str) -> list[dict[str, Any]]:
    status, body = node.api("GET", f"/requests/{uid}/attachments")
    return body if status == 200 else []


def test_a_file_larger_than_an_envelope_reaches_the_partner_identical(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    uid = _send(ma, "Procès-verbal volumineux")
    status, created = upload(ma, uid, "pv-audition.pdf", BIG_PDF)
    assert status == 201, created
    assert created["sha256"] == hashlib.sha256(BIG_PDF).hexdigest()
    (there,) = wait_for(lambda: listed(fr, uid), timeout=60)
    assert (there["uid"], there["owner_node"], there["size"]) == (
        created["uid"],
        "ma",
        len(BIG_PDF),
    )
    status, data, headers = download(fr, uid, there["uid"])
    assert status == 200 and data == BIG_PDF
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'attachment; filename="pv-audition.pdf"'


def test_the_recipient_attaches_a_file_to_its_side_and_the_requester_gets_it(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    uid = _send(ma, "Demande de photographie")
    photo = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)
    status, created = upload(fr, uid, "photo.png", photo)
    assert status == 201, created
    (here,) = wait_for(lambda: listed(ma, uid), timeout=60)
    assert here["owner_node"] == "fr"
    assert download(ma, uid, here["uid"])[1] == photo


def test_a_file_refused_by_content_goes_nowhere(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    uid = _send(ma, "Fichier refusé")
    status, refused = upload(ma, uid, "rapport.pdf", b"<html><script>alert(1)</script>")
    assert status == 400 and "cannot be attached" in refused["detail"]
    assert listed(ma, uid) == []
    status, created = upload(ma, uid, "note.txt", "Note de synthèse.\n".encode())
    assert status == 201, created
    wait_for(lambda: listed(fr, uid), timeout=60)
    assert [row["file_name"] for row in listed(fr, uid)] == ["note.txt"]


def test_a_transfer_cut_by_a_kill_resumes_and_nothing_is_applied_twice(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    uid = _send(ma, "Transfert interrompu")
    status, created = upload(ma, uid, "interrompu.pdf", BIG_PDF)
    assert status == 201, created
    ma.kill()  # kill -9, the worker perhaps in the middle of the parts
    fr.kill()
    fr.start()
    ma.start()
    (there,) = wait_for(lambda: listed(fr, uid), timeout=120)
    assert download(fr, uid, there["uid"])[1] == BIG_PDF


def test_a_removed_attachment_leaves_the_partner_too(nodes: tuple[Node, Node]) -> None:
    ma, fr = nodes
    uid = _send(ma, "Pièce jointe par erreur")
    status, created = upload(ma, uid, "erreur.txt", b"Mauvais fichier.\n")
    assert status == 201, created
    wait_for(lambda: listed(fr, uid), timeout=60)
    status, _body = ma.api("DELETE", f"/requests/{uid}/attachments/{created['uid']}")
    assert status == 204
    wait_for(lambda: listed(fr, uid) == [], timeout=60)
    assert download(fr, uid, created["uid"])[0] == 404


def _run(node: Node, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liaison.cli", *args],
        cwd=ROOT,
        env=node.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_restored_node_serves_its_attachments(
    nodes: tuple[Node, Node], tmp_path: Path, databases: Databases
) -> None:
    ma, _fr = nodes
    uid = _send(ma, "Avant sauvegarde")
    status, created = upload(ma, uid, "avant.pdf", BIG_PDF)
    assert status == 201, created
    identity = tmp_path / "backup.key"
    recipient = ma.cli("backup", str(identity), "--new-key").strip()
    backup = tmp_path / "ma.age"
    ma.cli("backup", str(backup), "--to", recipient)
    ma.stop()
    shutil.rmtree(ma.data_dir)  # a lost server: the data directory and the database gone
    ma.data_dir.mkdir(mode=0o700)
    if ma.database_url:
        name = ma.database_url.rsplit("/", 1)[1]
        databases._admin(f'DROP DATABASE "{name}" WITH (FORCE)')
        databases._admin(f'CREATE DATABASE "{name}"')
    result = _run(ma, "restore", str(backup), "--identity-file", str(identity))
    assert result.returncode == 0, result.stderr
    ma.start()
    (row,) = listed(ma, uid)
    status, data, _headers = download(ma, uid, row["uid"])
    assert status == 200 and data == BIG_PDF

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from liaison.accounts.models import User
from liaison.assistance.actions import RequestData, send_request
from liaison.assistance.models import AssistanceRequest
from liaison.exchange.models import Peer
from tests.assistance.conftest import api, fr, liaison  # noqa: F401 - fixtures

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture(autouse=True)
def store(settings: Any, tmp_path: Path) -> Path:
    """Each test's own data directory: the attachment store under it."""
    settings.DATA_DIR = tmp_path
    return tmp_path / "attachments"


@pytest.fixture
def sent(liaison: User, fr: Peer) -> AssistanceRequest:  # noqa: F811
    data = RequestData(
        recipient_node="fr",
        request_type="information",
        subject="Antécédents de M. Benali",
        text="Merci de nous dire ce que vous savez.",
        urgency="normal",
    )
    return send_request(actor=liaison, data=data)


@pytest.fixture
def signed_in(login: Callable[[User], Client], liaison: User) -> Client:  # noqa: F811
    return login(liaison)


def zip_of(entries: dict[str, bytes], *, first: str = "") -> bytes:
    """A zip with these entries (`first`, stored, before the others: ODF's mimetype)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), entries[first], zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != first:
                archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def files_in(store: Path) -> list[str]:
    return sorted(p.name for p in store.glob("??/*")) if store.is_dir() else []


__all__ = ["api"]

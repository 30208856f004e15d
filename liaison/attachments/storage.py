"""Attachment files outside the database: under LIAISON_DATA_DIR/attachments/, named by
the SHA-256 of their content (`attachments/ab/abcdef…`), so the same bytes are kept once.

Written atomically (a temporary file in the same directory, fsync, rename, fsync of the
directory); read back only if the bytes still have their digest: a file changed or gone
raises StoredFileError, never gives other bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings

STORE = "attachments"
# Temporary files older than this are left over from a crash: the sweep removes them.
STALE_SECONDS = 3600


class StoredFileError(Exception):
    """The stored file is missing, or its bytes no longer have their digest."""


def root() -> Path:
    return Path(settings.DATA_DIR) / STORE


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 digest: {sha256[:80]!r}")
    return root() / sha256[:2] / sha256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(data: bytes) -> str:
    """Store `data` (if not stored already) and return its digest."""
    sha256 = digest(data)
    target = path_for(sha256)
    if _intact(target, sha256):
        os.utime(target)  # fresh: a sweep running now leaves it alone
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return sha256


def _intact(path: Path, sha256: str) -> bool:
    try:
        return digest(path.read_bytes()) == sha256
    except OSError:
        return False


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(sha256: str, size: int) -> bytes:
    """The stored bytes, checked against their digest and size."""
    path = path_for(sha256)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StoredFileError(f"{path.name} is missing from the attachment store") from None
    except OSError as error:
        raise StoredFileError(f"{path.name} cannot be read: {error}") from None
    if len(data) != size or digest(data) != sha256:
        raise StoredFileError(f"{path.name} does not hold the bytes stored (changed on disk)")
    return data


def delete_unless(sha256: str, still_used: bool) -> None:
    """Remove the bytes when no attachment holds them any more. A file written in the
    last minute may belong to an upload not committed yet: the sweep takes it later."""
    if still_used:
        return
    path = path_for(sha256)
    with contextlib.suppress(FileNotFoundError):
        if time.time() - path.stat().st_mtime > 60:
            path.unlink()


def stored_digests() -> list[str]:
    """Every digest with a file in the store (temporary files left out)."""
    base = root()
    if not base.is_dir():
        return []
    return [p.name for p in base.glob("??/*") if not p.name.startswith(".")]


def sweep(used: set[str], *, now: float | None = None) -> int:
    """Remove files no attachment holds (older than a minute) and stale temporary files;
    returns how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    base = root()
    if not base.is_dir():
        return 0
    for path in base.glob("??/*"):
        limit = STALE_SECONDS if path.name.startswith(".") else 60
        if path.name in used or now - path.stat().st_mtime <= limit:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed

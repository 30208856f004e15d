"""Encrypted backups of a node, and their restore (docs/operations.md, "Backup and restore").

A backup is one age file (age-encryption.org, through pyrage) holding a tar.gz archive:
`manifest.json`, the database (`database.sqlite3`, an online SQLite backup, or
`database.pgdump`, pg_dump's custom format) and the data directory's identity files (the
node key, the secret key, node.toml). It is encrypted to age recipients (the operator keeps
the identity elsewhere: the node can write backups it cannot read) or with a passphrase.

Restoring puts a node back as it was at the backup. What changed after it is gone here but
not at partners, so restoring also raises the version of every record this node owns by
`RESTORE_VERSION_GAP` (a later edit must supersede what partners hold of the lost ones) and
lists the resyncs that bring both sides level again.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, F, Q

from liaison.attachments import storage as attachment_store
from liaison.audit.actions import chain_head, log_event
from liaison.audit.choices import Action
from liaison.audit.models import AuditEntry
from liaison.audit.verify import verify_chain
from liaison.config import NODE_FILE, SECRET_KEY_FILE
from liaison.exchange import keys
from liaison.exchange.keys import KEY_FILE
from liaison.exchange.models import Peer, Share
from liaison.records import SharedRecord

FORMAT = "liaison-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"
IDENTITY_FILES = (NODE_FILE, SECRET_KEY_FILE, KEY_FILE)
ATTACHMENT_MEMBER = re.compile(rf"{attachment_store.STORE}/[0-9a-f]{{2}}/[0-9a-f]{{64}}")
# Edits made between the backup and the restore are lost here; partners may hold their
# versions. Restored records jump this far ahead so that the next edit supersedes them.
RESTORE_VERSION_GAP = 1000


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Secret:
    """How a backup is encrypted or decrypted: age recipients/identities or a passphrase."""

    keys: tuple[str, ...] = ()
    passphrase: str = ""

    def __post_init__(self) -> None:
        if bool(self.keys) == bool(self.passphrase):
            raise BackupError("Give either age keys or a passphrase (one of the two).")


def read_secret_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BackupError(f"{path} cannot be read: {error}") from error
    return text


def key_lines(text: str) -> tuple[str, ...]:
    """The keys in an age recipients or identity file (comments and blank lines skipped)."""
    return tuple(
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def new_identity() -> tuple[str, str]:
    """A new age key pair: (identity, for the operator's safe; recipient, for the node)."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


# Making a backup


def make_backup(target: Path, secret: Secret) -> dict[str, Any]:
    """Write an encrypted backup of this node to `target` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists; give a new file name.")
    recipients = _recipients(secret)
    log_event(action=Action.ADMIN, object_type="node", detail={"operation": "backup"})
    with _private_dir(target.parent) as work:
        members = [_dump_database(work)]
        members += [name for name in IDENTITY_FILES if (_data_dir() / name).exists()]
        # Keys replaced by a rotation that some partner has not acknowledged yet: what is
        # signed for that partner is still signed with them (liaison/exchange/rotation.py).
        members += [
            keys.retired_path(_data_dir(), fp).name for fp in keys.retired_fingerprints(_data_dir())
        ]
        # Attachment files, listed after the database snapshot: every attachment in it has
        # its file here (a file is written before its row commits).
        files = _attachment_files()
        manifest = _manifest(database=members[0], files=members[1:]) | {"attachments": files}
        archive = work / "backup.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
            tar.add(work / members[0], arcname=members[0])
            for name in [*members[1:], *files]:
                tar.add(_data_dir() / name, arcname=name)
        partial = work / "backup.age"
        _encrypt(archive, partial, recipients, secret.passphrase)
        partial.chmod(0o600)
        shutil.move(partial, target)
    return manifest


def _attachment_files() -> list[str]:
    """The attachment store's files, as paths under the data directory."""
    store = attachment_store.STORE
    return [f"{store}/{sha[:2]}/{sha}" for sha in sorted(attachment_store.stored_digests())]


def _recipients(secret: Secret) -> list[pyrage.x25519.Recipient]:
    try:
        return [pyrage.x25519.Recipient.from_str(key) for key in secret.keys]
    except pyrage.RecipientError as error:
        raise BackupError(f"Not an age recipient (age1…): {error}") from error


def _encrypt(
    source: Path, target: Path, recipients: list[pyrage.x25519.Recipient], passphrase: str
) -> None:
    with source.open("rb") as reader, target.open("wb") as writer:
        if recipients:
            pyrage.encrypt_io(reader, writer, recipients)
        else:  # pyrage encrypts passphrase files in memory only
            writer.write(pyrage.passphrase.encrypt(reader.read(), passphrase))


def _dump_database(work: Path) -> str:
    if connection.vendor == "sqlite":
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        copy = sqlite3.connect(work / SQLITE_MEMBER)
        try:
            source.backup(copy)  # a consistent snapshot while the node keeps writing
        finally:
            copy.close()
            source.close()
        return SQLITE_MEMBER
    _run_pg(
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        "--file",
        str(work / PGDUMP_MEMBER),
    )
    return PGDUMP_MEMBER


def _manifest(*, database: str, files: list[str]) -> dict[str, Any]:
    head = chain_head()
    return {
        "format": FORMAT,
        "node_id": settings.NODE_ID,
        "agency": settings.NODE_AGENCY,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "files": files,
        "secret_key": "file" if SECRET_KEY_FILE in files else "environment",
        "migrations": _applied_migrations(),
        "audit_head": {"seq": head[0], "hash": head[1]},
        "counts": record_counts(),
    }


def _applied_migrations() -> list[str]:
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def record_counts() -> dict[str, int]:
    """How many records of each shared type (own and received), audit entries, shares."""
    node = settings.NODE_ID
    counts: dict[str, int] = {}
    for model in shared_models():
        name = model._meta.model_name or ""
        split = model._default_manager.aggregate(
            own=Count("pk", filter=Q(owner_node=node)),
            received=Count("pk", filter=~Q(owner_node=node)),
        )
        counts[f"{name}_own"], counts[f"{name}_received"] = split["own"], split["received"]
    counts["audit_entries"] = AuditEntry.objects.count()
    counts["peers"] = Peer.objects.count()
    counts["shares"] = Share.objects.count()
    return counts


def shared_models() -> list[type[SharedRecord]]:
    """Every concrete record type that travels between nodes, whichever app owns it."""
    found: list[type[SharedRecord]] = []
    pending: list[type[SharedRecord]] = list(SharedRecord.__subclasses__())
    while pending:
        model = pending.pop(0)
        pending.extend(model.__subclasses__())
        if not model._meta.abstract:
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


# Restoring


@dataclass
class Restored:
    manifest: dict[str, Any]
    versions_raised: int = 0
    audit_entries: int = 0
    audit_problem: str = ""
    peers: list[tuple[str, str, int]] = field(default_factory=list)  # node, agency, shares


def read_manifest(source: Path, secret: Secret) -> dict[str, Any]:
    """Decrypt the backup and return its manifest (nothing is changed)."""
    with _private_dir(_data_dir()) as work:
        return _unpack(source, secret, work)


def restore_backup(
    source: Path, secret: Secret, *, other_node: bool = False, replace: bool = False
) -> Restored:
    """Put this node back as it was at the backup; the node must be stopped."""
    with _private_dir(_data_dir()) as work:
        manifest = _unpack(source, secret, work)
        _check_node(manifest, other_node=other_node)
        _check_schema(manifest)
        _check_target(replace=replace)
        connections.close_all()
        _restore_database(work, manifest["database"])
        for name in manifest["files"]:
            _place(work / name, _data_dir() / name)
        for name in manifest.get("attachments", []):
            (_data_dir() / name).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _place(work / name, _data_dir() / name)
    call_command("migrate", interactive=False, verbosity=0)
    restored = Restored(manifest=manifest)
    outcome = verify_chain()
    restored.audit_entries, restored.audit_problem = outcome.checked, outcome.problem
    with transaction.atomic():
        restored.versions_raised = _raise_versions()
        log_event(
            action=Action.ADMIN,
            object_type="node",
            detail={
                "operation": "restore",
                "backup_made_at": manifest["made_at"],
                "backup_audit_seq": manifest["audit_head"]["seq"],
            },
        )
    shares = Peer.objects.annotate(shared=Count("shares")).order_by("node_id")
    restored.peers = [(p.node_id, p.agency, p.shared) for p in shares]
    return restored


def _unpack(source: Path, secret: Secret, work: Path) -> dict[str, Any]:
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    archive = work / "backup.tar.gz"
    _decrypt(source, archive, secret)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")  # no absolute paths, links or devices
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{source} decrypts but is not a Liaison backup: {error}") from error
    try:
        manifest: dict[str, Any] = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} has no readable manifest: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is in format {manifest.get('format')!r}, not {FORMAT}.")
    expected = [manifest.get("database"), *manifest.get("files", [])]
    stored = manifest.get("attachments", [])
    if any(not ATTACHMENT_MEMBER.fullmatch(str(name)) for name in stored):
        raise BackupError(f"{source} names an attachment file outside the attachment store.")
    expected += stored
    missing = [name for name in expected if not name or not (work / name).is_file()]
    if missing or manifest["database"] not in (SQLITE_MEMBER, PGDUMP_MEMBER):
        raise BackupError(f"{source} is incomplete: {', '.join(map(str, missing))} missing.")
    return manifest


def _decrypt(source: Path, target: Path, secret: Secret) -> None:
    try:
        with source.open("rb") as reader, target.open("wb") as writer:
            if secret.keys:
                identities = [pyrage.x25519.Identity.from_str(key) for key in secret.keys]
                pyrage.decrypt_io(reader, writer, identities)
            else:
                writer.write(pyrage.passphrase.decrypt(reader.read(), secret.passphrase))
    except pyrage.IdentityError as error:
        raise BackupError(f"Not an age identity (AGE-SECRET-KEY-1…): {error}") from error
    except (pyrage.DecryptError, OSError) as error:  # OSError: a damaged chunk mid-stream
        raise BackupError(
            f"{source} cannot be decrypted with the key or passphrase given: {error}"
        ) from error


def _check_node(manifest: dict[str, Any], *, other_node: bool) -> None:
    configured = (_data_dir() / NODE_FILE).exists() or os.environ.get("LIAISON_NODE_ID")
    if configured and manifest["node_id"] != settings.NODE_ID and not other_node:
        raise BackupError(
            f"The backup is of node {manifest['node_id']!r}, this is node "
            f"{settings.NODE_ID!r}. Restore it on its own node, or give --other-node to "
            "make this node become it."
        )


def _check_schema(manifest: dict[str, Any]) -> None:
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        raise BackupError(
            "The backup was made by a newer Liaison (migrations unknown here: "
            f"{', '.join(unknown[:5])}). Install that release or a later one, then restore."
        )
    engine = "postgresql" if manifest["database"] == PGDUMP_MEMBER else "sqlite"
    if engine != connection.vendor:
        raise BackupError(
            f"The backup holds a {engine} database and this node runs on {connection.vendor}; "
            "restore it on a node with the same database engine."
        )


def _check_target(*, replace: bool) -> None:
    tables = connection.introspection.table_names()
    if not tables:
        return
    if not replace:
        raise BackupError(
            "This node's database holds data. Give --replace to overwrite it with the backup "
            "(stop the node's web and worker processes first)."
        )
    if Peer._meta.db_table in tables:
        busy = Peer.objects.filter(lease_until__gt=datetime.now(UTC)).exclude(lease_owner="")
        if busy.exists():
            raise BackupError(
                "The exchange worker is running (it holds a partner's lease); stop the node's "
                "web and worker processes, then restore."
            )


def _restore_database(work: Path, member: str) -> None:
    if member == SQLITE_MEMBER:
        target = Path(str(connection.settings_dict["NAME"]))
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        _place(work / SQLITE_MEMBER, target)
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connections.close_all()
    _run_pg(
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--dbname",
        _pg_env()["PGDATABASE"],
        str(work / PGDUMP_MEMBER),
    )


def _raise_versions() -> int:
    raised = 0
    for model in shared_models():
        own = model._default_manager.filter(owner_node=settings.NODE_ID)
        raised += own.update(version=F("version") + RESTORE_VERSION_GAP)
    return raised


# Files and processes


def _data_dir() -> Path:
    return Path(settings.DATA_DIR)


@contextmanager
def _private_dir(parent: Path) -> Iterator[Path]:
    """A temporary directory only this user can read, removed afterwards (it holds the
    database and keys in clear while a backup is made or read)."""
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = Path(tempfile.mkdtemp(prefix=".liaison-backup-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _place(source: Path, target: Path) -> None:
    """Move `source` over `target` in one step, readable by the owner only."""
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, staged)
    staged.chmod(0o600)
    os.replace(staged, target)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db.get("NAME") or "",
    }
    return {key: value for key, value in values.items() if value}


def _run_pg(program: str, *args: str) -> None:
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (Debian: apt install postgresql-client).")
    env = os.environ | _pg_env()
    result = subprocess.run(  # noqa: S603 - fixed program, arguments of our own
        [program, *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()[-2000:]}")

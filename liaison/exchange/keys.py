"""The node's Ed25519 signing key, kept in its data directory (mode 0600), outside the DB.

Pure Python: no Django import. The fingerprint that operators compare and pin is the
SHA-256 of the raw 32-byte public key, in lowercase hex (64 characters), as in SSH's
known hosts; `normalise_fingerprint` accepts it with colons or in upper case too.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc.jwk import OKPKey

from liaison.config import ConfigError, write_private_file

KEY_FILE = "node_ed25519.pem"
# A rotation writes the new key here first, then moves it over KEY_FILE; the key it replaces
# is kept as RETIRED_PREFIX + fingerprint + ".pem" while partners still know only that one.
NEXT_FILE = "node_ed25519.next.pem"
RETIRED_PREFIX = "node_ed25519.retired-"
FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


class NodeKeyError(ConfigError):
    """The node key is missing, unreadable or too widely readable."""


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def create_key(data_dir: Path) -> bool:
    """Make the node's key pair unless it exists; True if it was made now."""
    path = key_path(data_dir)
    if path.exists():
        return False
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        write_private_file(path, _new_pem())
    except FileExistsError:  # another process made it first: theirs is the key
        return False
    return True


def _new_pem() -> str:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii")


# Rotation: stage the new key, keep the current one as retired, then promote the new one.


def stage_key(data_dir: Path) -> OKPKey:
    """Write a new key pair beside the current one (NEXT_FILE), not yet in use."""
    path = data_dir / NEXT_FILE
    path.unlink(missing_ok=True)  # an earlier rotation that stopped half-way
    write_private_file(path, _new_pem())
    return _load_file(path)


def retire_current(data_dir: Path) -> OKPKey:
    """Keep a copy of the current key under its fingerprint; it stays current until
    `promote_staged`. Signing with it goes on for partners that have not learnt the new one."""
    current = load_key(data_dir)
    path = retired_path(data_dir, fingerprint(current))
    if not path.exists():
        write_private_file(path, key_path(data_dir).read_text(encoding="ascii"))
    return current


def promote_staged(data_dir: Path) -> None:
    os.replace(data_dir / NEXT_FILE, key_path(data_dir))


def restore_retired(data_dir: Path, old: str) -> None:
    """Undo `promote_staged` (the rotation's transaction failed): the old key is current."""
    os.replace(retired_path(data_dir, old), key_path(data_dir))


def retired_path(data_dir: Path, fp: str) -> Path:
    return data_dir / f"{RETIRED_PREFIX}{normalise_fingerprint(fp)}.pem"


def load_retired(data_dir: Path, fp: str) -> OKPKey | None:
    """A retired private key by fingerprint; None once its file is deleted."""
    path = retired_path(data_dir, fp)
    return _load_file(path) if path.exists() else None


def retired_fingerprints(data_dir: Path) -> list[str]:
    names = sorted(p.name for p in data_dir.glob(f"{RETIRED_PREFIX}*.pem"))
    return [name.removeprefix(RETIRED_PREFIX).removesuffix(".pem") for name in names]


def load_key(data_dir: Path) -> OKPKey:
    """The private key, refused if group or others may read the file."""
    path = key_path(data_dir)
    if not path.exists():
        raise NodeKeyError(f"{path} does not exist: run `liaison keys init` on this node.")
    return _load_file(path)


def _load_file(path: Path) -> OKPKey:
    if path.stat().st_mode & 0o077:
        raise NodeKeyError(f"{path} must be readable by its owner only (chmod 600 {path}).")
    key = OKPKey.import_key(path.read_bytes())
    if key.private_key is None or not isinstance(key.private_key, Ed25519PrivateKey):
        raise NodeKeyError(f"{path} does not hold an Ed25519 private key.")
    return key


def raw_public(key: OKPKey) -> bytes:
    public = key.public_key
    assert isinstance(public, Ed25519PublicKey)
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: OKPKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()


def normalise_fingerprint(value: str) -> str:
    cleaned = value.strip().lower().removeprefix("sha256:").replace(":", "")
    if not FINGERPRINT.match(cleaned):
        raise ValueError("A fingerprint is 64 hexadecimal digits (SHA-256 of the public key).")
    return cleaned


def public_jwk(key: OKPKey) -> dict[str, Any]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw_public(key))}


def public_key_from_x(x: str) -> OKPKey:
    """A partner's public key from the `x` member of its JWK (base64url, 32 bytes)."""
    raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    if len(raw) != 32:
        raise ValueError("An Ed25519 public key is 32 bytes.")
    return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)})


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

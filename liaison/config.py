"""Typed readers for LIAISON_* environment variables and the node's data directory.

No Django import here: settings.py and the `liaison demo` launcher both use it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

NODE_FILE = "node.toml"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
NODE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _improperly(message: str) -> Exception:
    # Raised as Django's ImproperlyConfigured when Django is present, so `liaison`
    # commands print it the usual way; plain ConfigError otherwise.
    try:
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:  # pragma: no cover - Django is a dependency
        return ConfigError(message)
    return ImproperlyConfigured(message)


def env_str(name: str, default: str) -> str:
    """The variable's value, or the content of the file named by NAME_FILE, or default."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise _improperly(f"{name}_FILE={file_name} cannot be read: {error}") from error
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise _improperly(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _improperly(f"{name}={raw!r} is not a whole number.") from None
    if value < 0:
        raise _improperly(f"{name}={raw!r} must not be negative.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def trusted_proxy(*, behind_proxy: bool) -> str | None:
    """LIAISON_TRUSTED_PROXY: the reverse proxy's IP address, required behind a proxy.

    `liaison serve` believes X-Forwarded-Proto and X-Forwarded-For only from this one
    address; any other client's forwarding headers are dropped. One exact address, not a
    range or "*": a header anyone could send must not decide whether a request is HTTPS.
    """
    raw = os.environ.get("LIAISON_TRUSTED_PROXY", "").strip()
    if not behind_proxy:
        if raw:
            raise _improperly(
                "LIAISON_TRUSTED_PROXY is set but LIAISON_BEHIND_PROXY is off; "
                "set LIAISON_BEHIND_PROXY=1 as well, or unset LIAISON_TRUSTED_PROXY."
            )
        return None
    if not raw:
        raise _improperly(
            "LIAISON_BEHIND_PROXY=1 needs LIAISON_TRUSTED_PROXY: the IP address the reverse "
            "proxy connects from (e.g. 127.0.0.1 when it runs on this host)."
        )
    try:
        # Normalised (e.g. "::1" for "0:0:0:0:0:0:0:1"): waitress compares it as a string
        # with the address of the connection.
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise _improperly(
            f"LIAISON_TRUSTED_PROXY={raw!r} is not an IP address; give the one address the "
            "reverse proxy connects from (no host name, range or '*')."
        ) from None


def ensure_data_dir(data_dir: Path) -> Path:
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise _improperly(f"LIAISON_DATA_DIR={data_dir} cannot be created: {error}") from error
    return data_dir


def write_private_file(path: Path, content: str) -> None:
    """Create `path` readable by its owner only; fails if it already exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)


def secret_key(data_dir: Path) -> str:
    """LIAISON_SECRET_KEY(_FILE), else the key kept in the data directory, made on first use."""
    configured = env_str("LIAISON_SECRET_KEY", "")
    if configured:
        if len(configured) < 50:
            raise _improperly("LIAISON_SECRET_KEY must be at least 50 characters long.")
        return configured
    path = ensure_data_dir(data_dir) / SECRET_KEY_FILE
    if not path.exists():
        # Another process of the same node may have created it first.
        with contextlib.suppress(FileExistsError):
            write_private_file(path, secrets.token_urlsafe(64))
    if path.stat().st_mode & 0o077:
        raise _improperly(f"{path} must be readable by its owner only (chmod 600 {path}).")
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class NodeIdentity:
    """Who this node is: the partners see these values."""

    node_id: str
    agency: str
    country: str


def load_node_identity(data_dir: Path) -> NodeIdentity:
    """node.toml in the data directory, overridden by LIAISON_NODE_ID/_AGENCY/_COUNTRY."""
    stored: dict[str, object] = {}
    path = data_dir / NODE_FILE
    if path.exists():
        try:
            stored = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise _improperly(f"{path} is not valid TOML: {error}") from error
    identity = NodeIdentity(
        node_id=env_str("LIAISON_NODE_ID", str(stored.get("node_id", "local"))),
        agency=env_str("LIAISON_AGENCY", str(stored.get("agency", "Local police service"))),
        country=env_str("LIAISON_COUNTRY", str(stored.get("country", "ZZ"))).upper(),
    )
    if not NODE_ID_PATTERN.match(identity.node_id):
        raise _improperly(
            f"Node id {identity.node_id!r} is invalid: use 2-32 lowercase letters, digits or "
            "hyphens, starting with a letter."
        )
    if not re.fullmatch(r"[A-Z]{2}", identity.country):
        raise _improperly(f"Country {identity.country!r} must be an ISO 3166 alpha-2 code.")
    return identity


def write_node_identity(data_dir: Path, identity: NodeIdentity) -> None:
    # JSON string escapes are valid TOML basic strings.
    content = "".join(
        f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
        for key, value in (
            ("node_id", identity.node_id),
            ("agency", identity.agency),
            ("country", identity.country),
        )
    )
    (ensure_data_dir(data_dir) / NODE_FILE).write_text(content, encoding="utf-8")

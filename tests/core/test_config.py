from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from liaison.config import (
    NodeIdentity,
    env_bool,
    env_int,
    load_node_identity,
    secret_key,
    trusted_proxy,
    write_node_identity,
)


def test_the_secret_key_is_made_once_and_kept_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIAISON_SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert len(first) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert secret_key(tmp_path) == first


def test_a_readable_secret_key_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIAISON_SECRET_KEY", raising=False)
    secret_key(tmp_path)
    (tmp_path / "secret_key").chmod(0o644)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        secret_key(tmp_path)


def test_a_secret_key_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("k" * 60)
    monkeypatch.setenv("LIAISON_SECRET_KEY_FILE", str(key_file))
    assert secret_key(tmp_path / "data") == "k" * 60


def test_a_short_secret_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="at least 50"):
        secret_key(tmp_path)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_booleans_are_read_strictly(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("LIAISON_X", raw)
    assert env_bool("LIAISON_X", default=False) is expected


def test_a_bad_boolean_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="LIAISON_DEBUG"):
        env_bool("LIAISON_DEBUG", default=False)


@pytest.mark.parametrize("raw", ["ten", "-1", "1.5"])
def test_a_bad_number_names_the_variable(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("LIAISON_LOCKOUT_FAILURES", raw)
    with pytest.raises(ImproperlyConfigured, match="LIAISON_LOCKOUT_FAILURES"):
        env_int("LIAISON_LOCKOUT_FAILURES", 5)


def test_the_node_identity_round_trips_and_env_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LIAISON_NODE_ID", "LIAISON_AGENCY", "LIAISON_COUNTRY"):
        monkeypatch.delenv(name, raising=False)
    write_node_identity(tmp_path, NodeIdentity("fr", 'Police "nationale"', "FR"))
    assert load_node_identity(tmp_path) == NodeIdentity("fr", 'Police "nationale"', "FR")
    monkeypatch.setenv("LIAISON_NODE_ID", "fr-lyon")
    assert load_node_identity(tmp_path).node_id == "fr-lyon"


@pytest.mark.parametrize(
    ("variable", "value"), [("LIAISON_NODE_ID", "Bad Id!"), ("LIAISON_COUNTRY", "FRA")]
)
def test_a_malformed_identity_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ImproperlyConfigured):
        load_node_identity(tmp_path)


@pytest.mark.parametrize(("raw", "expected"), [("127.0.0.1", "127.0.0.1"), ("0:0::1", "::1")])
def test_the_trusted_proxy_is_one_normalised_ip_address(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: str
) -> None:
    monkeypatch.setenv("LIAISON_TRUSTED_PROXY", raw)
    assert trusted_proxy(behind_proxy=True) == expected


@pytest.mark.parametrize("raw", ["*", "proxy.local", "10.0.0.0/8", "127.0.0.1,10.0.0.1"])
def test_it_refuses_a_trusted_proxy_that_is_not_one_address(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("LIAISON_TRUSTED_PROXY", raw)
    with pytest.raises(ImproperlyConfigured, match="is not an IP address"):
        trusted_proxy(behind_proxy=True)


def test_it_refuses_a_trusted_proxy_when_not_behind_a_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIAISON_TRUSTED_PROXY", "127.0.0.1")
    with pytest.raises(ImproperlyConfigured, match="LIAISON_BEHIND_PROXY is off"):
        trusted_proxy(behind_proxy=False)


def test_no_proxy_is_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIAISON_TRUSTED_PROXY", raising=False)
    assert trusted_proxy(behind_proxy=False) is None


def _liaison(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LIAISON_", "DJANGO_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "liaison.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_checks_pass_with_production_settings(tmp_path: Path) -> None:
    result = _liaison(
        "check", "--deploy", "--fail-level", "WARNING", env={"LIAISON_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_fail_when_https_is_turned_off(tmp_path: Path) -> None:
    result = _liaison(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"LIAISON_DATA_DIR": str(tmp_path), "LIAISON_HTTPS": "0"},
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_debug_is_off_unless_asked(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.DEBUG)"
    result = _liaison("shell", "--no-imports", "-c", code, env={"LIAISON_DATA_DIR": str(tmp_path)})
    assert result.stdout.strip() == "False", result.stderr


def test_a_non_postgresql_database_url_is_refused(tmp_path: Path) -> None:
    result = _liaison(
        "check", env={"LIAISON_DATA_DIR": str(tmp_path), "DATABASE_URL": "mysql://x@localhost/db"}
    )
    assert result.returncode != 0
    assert "DATABASE_URL must name PostgreSQL" in result.stderr

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from liaison.accounts.roles import ROLE_CAPABILITIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"


def _documented() -> dict[str, list[str]]:
    rows = re.findall(r"^\| [^|]+ \| `(\w+)` \| ([^|]+) \|$", DOC.read_text(), re.MULTILINE)
    return {group: [c.strip() for c in caps.split(",")] for group, caps in rows}


def test_the_documented_roles_are_the_coded_roles() -> None:
    assert _documented() == ROLE_CAPABILITIES


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLE_CAPABILITIES))
def test_each_group_has_exactly_its_capabilities(role: str) -> None:
    granted = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
    assert granted == set(ROLE_CAPABILITIES[role])


@pytest.mark.django_db
def test_auditors_and_administrators_hold_no_record_capability() -> None:
    for role in ("auditor", "node_admin"):
        codenames = Group.objects.get(name=role).permissions.values_list("codename", flat=True)
        assert not [c for c in codenames if c.endswith("_records")]

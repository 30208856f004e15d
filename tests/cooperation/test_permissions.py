"""Working groups: every role x handling code through the API, checked against the table in
docs/permissions.md; a refusal sends nothing and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from liaison.accounts.models import Agency, User
from liaison.cooperation.models import Member, WorkingGroup
from liaison.cooperation.sharing import GroupBody, apply_group
from liaison.exchange.models import OutboxEnvelope, Peer
from tests.cooperation.conftest import FR_GROUP, api, fr_group, our_group
from tests.test_permission_matrix import _matrix

pytestmark = pytest.mark.django_db
JSON = "application/json"
MATRIX = _matrix(["list", "set_up", "members", "convene"])
GROUP = {
    "name": "Cybercriminalité",
    "theme": "cybercrime",
    "mandate": "Rançongiciels visant les deux pays.",
    "participant_nodes": ["fr"],
}


def test_the_table_covers_every_role_code_and_action() -> None:
    assert len(MATRIX) == 6 * 4 * 4


def _user(role: str, agency: Agency) -> User:
    user = User.objects.create_user(username=f"u-{role}", password="x" * 16, agency=agency)
    user.groups.set([Group.objects.get(name=role)])
    return user


def _groups(agency: Agency, code: str) -> WorkingGroup:
    """Our group (set up by another liaison officer) and fr's, both at `code`."""
    Peer.objects.create(node_id="fr", url="http://127.0.0.1:9", fingerprint="0" * 64)
    owner = _user("liaison_officer", agency)
    owner.username = "owner"
    owner.save()
    ours = our_group(owner)
    apply_group("fr", GroupBody.model_validate(fr_group()))
    WorkingGroup.objects.update(handling_code=code)
    return ours


def _perform(action: str, user: User, ours: WorkingGroup, code: str) -> bool:
    client = api(user)
    if action == "list":
        listed = client.get("/api/v1/groups")
        return listed.status_code == 200 and str(ours.uid) in listed.content.decode()
    if action == "set_up":
        made = client.post("/api/v1/groups", GROUP | {"handling_code": code}, content_type=JSON)
        assert made.status_code in (201, 400, 403), made.content
        return made.status_code == 201
    if action == "members":
        body = {"members": [{"name": "Nadia Alaoui", "lead": True}]}
        put = client.put(f"/api/v1/groups/{FR_GROUP}/members", body, content_type=JSON)
        assert put.status_code in (200, 403, 404), put.content
        return put.status_code == 200
    changed = client.put(f"/api/v1/groups/{ours.uid}", GROUP, content_type=JSON)
    assert changed.status_code in (200, 403, 404), changed.content
    return changed.status_code == 200


def _state() -> tuple[Any, ...]:
    groups = list(WorkingGroup.objects.order_by("id").values_list("version", "name"))
    return groups, Member.objects.count(), OutboxEnvelope.objects.count()


@pytest.mark.parametrize(("role", "code", "action", "expected"), MATRIX)
def test_the_api_enforces_the_table(
    agency: Agency, role: str, code: str, action: str, expected: bool
) -> None:
    ours = _groups(agency, code)
    before = _state()
    assert _perform(action, _user(role, agency), ours, code) is expected
    if not expected and action != "list":
        assert _state() == before

"""What fr's node may write here through the real receiver: its groups, and its own members
of the groups it takes part in — never this node's members, never another's."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from liaison.accounts.models import User
from liaison.cooperation.models import Member, MemberList, WorkingGroup
from tests.cooperation.conftest import FR_GROUP, Send, fr_group, fr_members, our_group

pytestmark = pytest.mark.django_db


def _names(member_list: MemberList) -> list[str]:
    return [m.name for m in member_list.members.order_by("id")]


def test_fr_members_of_our_group_arrive_as_a_read_only_list(send: Send, liaison: User) -> None:
    group = our_group(liaison)
    row = send("group.members", fr_members(str(group.uid)))
    assert (row.status, row.effect) == ("applied", "created")
    theirs = MemberList.objects.get(group=group, owner_node="fr")
    assert _names(theirs) == ["Claire Martin"] and theirs.members.get().is_lead
    assert theirs.received_at is not None
    ours = MemberList.objects.get(group=group, owner_node="ma")
    assert _names(ours) == ["Nadia Alaoui", "Omar Idrissi"]


def test_fr_cannot_rewrite_our_members_by_claiming_our_list(send: Send, liaison: User) -> None:
    group = our_group(liaison)
    ours = MemberList.objects.get(group=group, owner_node="ma")
    forged = fr_members(str(group.uid), version=9, uid=str(ours.uid), owner="ma")
    row = send("group.members", forged)
    assert (row.status, row.reason) == ("rejected", "not_owner")
    as_its_own = fr_members(str(group.uid), version=9, uid=str(ours.uid))
    row = send("group.members", as_its_own)
    assert (row.status, row.reason) == ("rejected", "not_owner")
    ours.refresh_from_db()
    assert ours.version == 1 and ours.owner_node == "ma"
    assert _names(ours) == ["Nadia Alaoui", "Omar Idrissi"]
    assert not MemberList.objects.filter(owner_node="fr").exists()


def test_fr_cannot_keep_two_lists_for_one_group(send: Send, liaison: User) -> None:
    group = our_group(liaison)
    send("group.members", fr_members(str(group.uid)))
    other = fr_members(str(group.uid), uid="7a2d0c1e-3333-4f5e-8a9b-0c1d2e3f4a5b")
    row = send("group.members", other | {"members": []})
    assert (row.status, row.reason) == ("rejected", "not_owner")
    assert _names(MemberList.objects.get(owner_node="fr")) == ["Claire Martin"]


def test_members_of_a_group_not_held_here_are_refused(send: Send) -> None:
    row = send("group.members", fr_members(FR_GROUP))
    assert (row.status, row.reason) == ("rejected", "unknown_reference")
    assert not MemberList.objects.exists()


def test_members_of_a_group_fr_is_not_in_are_refused(
    send: Send, liaison: User, make_user: Callable[..., User]
) -> None:
    from liaison.exchange.models import Peer

    Peer.objects.create(node_id="es", url="http://127.0.0.1:9", fingerprint="1" * 64)
    group = our_group(liaison)
    WorkingGroup.objects.filter(pk=group.pk).update(participant_nodes=["es"])
    row = send("group.members", fr_members(str(group.uid)))
    assert (row.status, row.reason) == ("rejected", "not_owner")
    assert not MemberList.objects.filter(owner_node="fr").exists()


def test_fr_group_with_us_arrives_with_its_meeting_log(send: Send) -> None:
    row = send("group.upsert", fr_group())
    assert (row.status, row.effect) == ("applied", "created")
    group = WorkingGroup.objects.get(uid=FR_GROUP)
    assert (group.owner_node, group.theme, group.nodes) == ("fr", "major_events", ["fr", "ma"])
    assert [m.decisions for m in group.meetings.all()] == ["Plan commun."]
    meetings = [{"held_on": "2026-11-02", "participants": "fr", "decisions": "Deux."}]
    row = send("group.upsert", fr_group(version=2, meetings=meetings))
    assert row.effect == "updated"
    assert [m.decisions for m in group.meetings.all()] == ["Deux."]
    row = send("group.upsert", fr_group(version=1))
    assert row.effect == "unchanged"
    assert [m.decisions for m in group.meetings.all()] == ["Deux."]


def test_a_group_that_does_not_name_us_is_refused(send: Send) -> None:
    row = send("group.upsert", fr_group(participant_nodes=["es"]))
    assert (row.status, row.reason) == ("rejected", "wrong_recipient")
    assert not WorkingGroup.objects.exists()


def test_fr_cannot_change_our_group(send: Send, liaison: User) -> None:
    group = our_group(liaison)
    row = send("group.upsert", fr_group(uid=str(group.uid), version=5, name="Pris"))
    assert (row.status, row.reason) == ("rejected", "not_owner")
    group.refresh_from_db()
    assert group.name == "Fugitifs Maroc-France" and group.version == 1


def test_an_older_member_list_does_not_undo_a_newer_one(send: Send, liaison: User) -> None:
    group = our_group(liaison)
    send("group.members", fr_members(str(group.uid), version=2))
    row = send("group.members", fr_members(str(group.uid), members=[]))
    assert row.effect == "unchanged"
    assert Member.objects.filter(member_list__owner_node="fr").count() == 1

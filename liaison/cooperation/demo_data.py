"""The demo's working groups between `ma` and `fr`: a fugitives group and a major-events
group, convened by `ma`, with each service's own members.

Two phases, as for the requests for assistance: `send` (after the nodes are partnered,
before they start) sets up the convener's groups with its members and a meeting; `answer`
(once both run) waits for the partner's groups to arrive and names this service's members.
Each goes through the actions, as a liaison officer would."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

from django.conf import settings

from liaison.accounts.models import User
from liaison.cooperation.actions import (
    GroupData,
    MemberData,
    create_group,
    record_meeting,
    set_members,
)
from liaison.cooperation.models import MemberList, WorkingGroup

DEMO_GROUPS = {
    "ma": [
        GroupData(
            "Groupe de travail fugitifs Maroc-France",
            "fugitives",
            "Localiser et remettre les fugitifs recherchés par l'un des deux services ; "
            "suivre les mandats d'arrêt internationaux et les notices.",
        ),
        GroupData(
            "Grands événements : CAN 2025 et Coupe du monde 2030",
            "major_events",
            "Préparer ensemble la sécurité des grands événements : criblage des listes "
            "d'accréditation, supporters à risque, officiers de liaison sur place.",
        ),
    ]
}
DEMO_MEMBERS = {
    "ma": [
        MemberData("Nadia Alaoui", "Commissaire divisionnaire", lead=True),
        MemberData("Omar Idrissi", "Officier de liaison"),
    ],
    "fr": [
        MemberData("Claire Martin", "Commandante de police", lead=True),
        MemberData("Julien Roux", "Officier de liaison"),
    ],
}


def _officer() -> User:
    return User.objects.get(username=f"{settings.NODE_ID}-liaison-officer")


def send_demo_groups(partner: str) -> int:
    """This node's demo groups with `partner`, once (a second run keeps the data)."""
    if WorkingGroup.objects.filter(owner_node=settings.NODE_ID).exists():
        return 0
    actor = _officer()
    plan = DEMO_GROUPS.get(settings.NODE_ID, [])
    for data in plan:
        group = create_group(actor=actor, data=replace(data, participant_nodes=[partner]))
        set_members(actor=actor, group=group, members=DEMO_MEMBERS[settings.NODE_ID])
    first = WorkingGroup.objects.filter(owner_node=settings.NODE_ID).order_by("id").first()
    if first is not None:
        record_meeting(
            actor=actor,
            group=first,
            held_on=date(2026, 10, 15),
            participants="Nadia Alaoui, Omar Idrissi, Claire Martin, Julien Roux",
            decisions="Échange hebdomadaire des listes de fugitifs ; point mensuel par visio.",
        )
    return len(plan)


def answer_demo_groups(partner: str, *, wait: float = 60) -> int:
    """Name this node's members of the partner's demo groups once they have arrived."""
    expected = len(DEMO_GROUPS.get(partner, []))
    rows = WorkingGroup.objects.filter(owner_node=partner)
    deadline = time.monotonic() + wait
    while rows.count() < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    ours = MemberList.objects.filter(owner_node=settings.NODE_ID).values("group_id")
    actor = _officer()
    done = 0
    for group in rows.exclude(pk__in=ours):
        set_members(actor=actor, group=group, members=DEMO_MEMBERS.get(settings.NODE_ID, []))
        done += 1
    return done

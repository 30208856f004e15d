"""The demo's working groups between `ma` and `fr`: a fugitives group and a major-events
group, convened by `ma`, with each service's own members, and a joint case in the
fugitives group with a task for `fr`, which `fr` takes up.

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
    FollowUpData,
    GroupData,
    MemberData,
    add_follow_up,
    create_group,
    record_meeting,
    set_members,
)
from liaison.cooperation.case_actions import (
    TaskData,
    add_task,
    comment,
    open_case,
    report_progress,
)
from liaison.cooperation.models import CasePart, JointCase, MemberList, WorkingGroup

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
        meeting = record_meeting(
            actor=actor,
            group=first,
            held_on=date(2026, 10, 15),
            participants="Nadia Alaoui, Omar Idrissi, Claire Martin, Julien Roux",
            decisions="Échange hebdomadaire des listes de fugitifs ; point mensuel par visio.",
        )
        case = _demo_case(actor, first)
        # A follow-up action of the meeting, in the case: the partner's to do.
        task = TaskData(
            "Transmettre les photos récentes du fugitif",
            assignee_node=first.participant_nodes[0],
            due_on=date(2026, 12, 2),
        )
        follow_up = FollowUpData(case=str(case.uid), task=task)
        add_follow_up(actor=actor, group=first, meeting=str(meeting.uid), follow_up=follow_up)
    return len(plan)


def _demo_case(actor: User, group: WorkingGroup) -> JointCase:
    """A joint case in the fugitives group: a comment and a task for the partner."""
    case = open_case(
        actor=actor,
        group=group,
        title="Karim Benali : localisation en France",
        summary="Recherché pour trafic de stupéfiants ; signalé à Lyon en octobre.",
    )
    comment(actor=actor, case=case, body="Dernière adresse connue transmise au groupe.")
    partner = group.participant_nodes[0]
    add_task(
        actor=actor,
        case=case,
        title="Vérifier l'adresse à Villeurbanne",
        assignee_node=partner,
        due_on=date(2026, 12, 15),
    )
    return case


def _work_demo_cases(actor: User, partner: str) -> None:
    """Take up the tasks the partner assigned to this node, and say so."""
    for case in JointCase.objects.filter(owner_node=partner).select_related("group"):
        for part in case.parts.all():
            for task in part.tasks:
                if task["assignee_node"] == settings.NODE_ID:
                    report_progress(actor=actor, case=case, task=task["uid"], status="doing")
        comment(actor=actor, case=case, body="Vérification en cours par notre antenne de Lyon.")


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
    if done:
        cases = JointCase.objects.filter(owner_node=partner)
        while not CasePart.objects.filter(case__in=cases).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        _work_demo_cases(actor, partner)
    return done

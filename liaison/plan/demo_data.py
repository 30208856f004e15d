"""The demo's action plan between `ma` and `fr`, its past trainings and assistance.

Three phases, because the plan needs both nodes (`liaison demo` runs them):
- `share` (partnered, before the nodes start): ma records the plan's objectives and its own
  actions and shares the objectives with fr; each node records the trainings and assistance
  it gave and shares them with the other;
- `join` (both running): fr waits for ma's objectives, records its own actions under them
  (they go to ma) and proposes two changes to ma's actions;
- `decide`: ma waits for fr's proposals, accepts the first, leaves the second to decide.
Everything goes through the actions, as the services' officers would."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from liaison.accounts.models import User
from liaison.attachments.actions import upload_attachment
from liaison.attachments.parents import parent_named
from liaison.plan.actions import (
    ActionData,
    ObjectiveData,
    create_action,
    create_objective,
    decide_proposal,
    propose_change,
    share_objective,
)
from liaison.plan.delivery import (
    AssistanceData,
    TrainingData,
    create_assistance,
    create_training,
    share_assistance,
    share_training,
)
from liaison.plan.materials import PARENT
from liaison.plan.models import Objective, PlanAction, PlanProposal, Training

PLAN_OWNER = "ma"
OBJECTIVES = [
    ("O1", "Lutter contre la criminalité organisée et le terrorisme"),
    ("O2", "Localiser et remettre les fugitifs"),
    ("O3", "Sécuriser les grands événements"),
    ("O4", "Formation et assistance technique"),
]


def _owners(ma: str, fr: str) -> list[dict[str, str]]:
    return [{"service": "ma", "person": ma}, {"service": "fr", "person": fr}]


def _milestone(title: str, due: str, reached: str | None = None) -> dict[str, Any]:
    """One reached on time, one late (reached after its due date), the rest to come or
    overdue, as the demo's date makes them."""
    return {"title": title, "due_on": due, "reached_on": reached}


# Actions led by each node, under the objective with that code.
ACTIONS: dict[str, list[tuple[str, ActionData]]] = {
    "ma": [
        (
            "O1",
            ActionData(
                title="Équipe commune d'enquête sur les filières de Tanger Med",
                starts_on=date(2025, 9, 1),
                due_on=date(2026, 12, 31),
                working_group="Criminalité organisée",
                owners=_owners("Cdt. Amrani", "Cdt. Martin"),
                status="in_progress",
                milestones=[
                    _milestone("Cadre de l'équipe commune signé", "2025-11-30", "2025-11-20"),
                    _milestone("Premières auditions conjointes", "2026-03-31", "2026-04-14"),
                    _milestone("Rapport d'étape aux deux parquets", "2026-09-30"),
                ],
            ),
        ),
        (
            "O2",
            ActionData(
                title="Échange mensuel des listes de fugitifs",
                starts_on=date(2025, 6, 1),
                due_on=date(2026, 6, 30),
                working_group="Fugitifs et mandats",
                owners=_owners("Cne. Idrissi", "Cne. Lefèvre"),
                status="done",
            ),
        ),
        (
            "O3",
            ActionData(
                title="Dispositif de criblage des accréditations de la CAN 2025",
                starts_on=date(2025, 9, 15),
                due_on=date(2025, 12, 15),
                working_group="Grands événements",
                owners=_owners("Cdt. Benjelloun", "Cdt. Garnier"),
                status="done",
            ),
        ),
        (
            "O3",
            ActionData(
                title="Plan de coopération pour la Coupe du monde 2030",
                starts_on=date(2026, 1, 1),
                due_on=date(2029, 12, 31),
                working_group="Grands événements",
                owners=_owners("Cdt. Benjelloun", "Cdt. Garnier"),
                milestones=[
                    _milestone("Protocole d'échange signé", "2026-06-30", "2026-06-12"),
                    _milestone("Premier exercice conjoint", "2027-05-31"),
                ],
            ),
        ),
    ],
    "fr": [
        (
            "O2",
            ActionData(
                title="Exécution des mandats après les concordances des partenaires",
                starts_on=date(2025, 6, 1),
                due_on=date(2026, 12, 31),
                working_group="Fugitifs et mandats",
                owners=_owners("Cne. Idrissi", "Cne. Lefèvre"),
                status="in_progress",
            ),
        ),
        (
            "O4",
            ActionData(
                title="Cycle de formation à la fraude documentaire",
                starts_on=date(2025, 3, 1),
                due_on=date(2026, 3, 31),
                working_group="Formation",
                owners=_owners("Lt. Tazi", "Lt. Dubois"),
                status="in_progress",
            ),
        ),
    ],
}

TRAININGS = {
    "fr": [
        TrainingData(
            topic="document_fraud",
            title="Détection de la fraude documentaire",
            starts_on=date(2025, 10, 6),
            ends_on=date(2025, 10, 10),
            provider_node="fr",
            receiver_node="ma",
            place="Rabat",
            trainers=["Lt. Dubois", "Adj. Leroy"],
            participants=18,
            attended=17,
            rating=Decimal("4.5"),
        ),
        TrainingData(
            topic="cybercrime",
            title="Enquêtes sur la cybercriminalité",
            starts_on=date(2025, 3, 3),
            ends_on=date(2025, 3, 7),
            provider_node="fr",
            receiver_node="ma",
            remote=True,
            trainers=["Cne. Roux"],
            participants=25,
            attended=22,
            rating=Decimal("4.1"),
        ),
    ],
    "ma": [
        TrainingData(
            topic="name_searching",
            title="Recherche de noms entre écritures arabe et latine",
            starts_on=date(2025, 5, 12),
            ends_on=date(2025, 5, 14),
            provider_node="ma",
            receiver_node="fr",
            place="Paris",
            trainers=["Cdt. Amrani"],
            participants=14,
            attended=14,
            rating=Decimal("4.7"),
        ),
        TrainingData(
            topic="major_events",
            title="Retour d'expérience de la CAN 2025",
            starts_on=date(2026, 2, 9),
            ends_on=date(2026, 2, 10),
            provider_node="ma",
            receiver_node="fr",
            place="Casablanca",
            trainers=["Cdt. Benjelloun", "Cne. Idrissi"],
            participants=30,
            attended=27,
            rating=Decimal("4.3"),
        ),
        TrainingData(
            topic="document_fraud",
            title="Atelier : documents de voyage biométriques",
            starts_on=date(2025, 11, 18),
            ends_on=date(2025, 11, 18),
            provider_node="ma",
            receiver_node="fr",
            place="Tanger Med",
            trainers=["Cne. Idrissi"],
            participants=4,
            # Fictional officers. H2: were the node to allow names to leave
            # (LIAISON_TRAINING_SHARE_PARTICIPANT_NAMES), they would go to fr with it.
            participant_list=[
                {"name": "Lt. Claire Morel", "service": "PAF, Calais", "function": "analyste"},
                {"name": "Brig. Hugo Lambert", "service": "PAF, Calais", "function": ""},
                {"name": "Adj. Nadia Ferrand", "service": "PAF, Marseille", "function": ""},
                {"name": "Lt. Paul Girard", "service": "OCRIEST", "function": "enquêteur"},
            ],
            attended=4,
            rating=Decimal("4.8"),
            handling_code="H2",
        ),
        TrainingData(
            topic="human_rights",
            title="Droits humains et coopération policière internationale",
            starts_on=date(2026, 4, 20),
            ends_on=date(2026, 4, 21),
            provider_node="ma",
            receiver_node="fr",
            remote=True,
            trainers=["Pr. Alaoui"],
            participants=40,
            attended=35,
            rating=Decimal("4.0"),
        ),
    ],
}

# A small material for a training (its title): plain text, attached before the share.
MATERIALS = {
    "Atelier : documents de voyage biométriques": (
        "programme-atelier.txt",
        "Programme de l'atelier\n"
        "09:00 Les éléments de sécurité du passeport biométrique\n"
        "11:00 Lecture de la puce et contrôle des certificats\n"
        "14:00 Cas pratiques : documents falsifiés saisis à Tanger Med\n",
    ),
}

ASSISTANCE = {
    "fr": [
        AssistanceData(
            kind="equipment",
            description="Lecteurs de documents de voyage",
            provider_node="fr",
            recipient_node="ma",
            recipient_unit="Police aux frontières, Tanger Med",
            starts_on=date(2025, 11, 3),
            value_eur=Decimal("48000.00"),
            status="delivered",
        ),
        AssistanceData(
            kind="expertise",
            description="Audit du fichier des personnes recherchées",
            provider_node="fr",
            recipient_node="ma",
            starts_on=date(2026, 9, 1),
            effort_days=Decimal("15"),
            status="in_progress",
        ),
    ],
    "ma": [
        AssistanceData(
            kind="secondment",
            description="Officier de liaison détaché auprès de la police nationale",
            provider_node="ma",
            recipient_node="fr",
            recipient_unit="Direction de la coopération internationale",
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
            effort_days=Decimal("220"),
            status="delivered",
        ),
        AssistanceData(
            kind="software",
            description="Table de translittération arabe-latin pour le criblage",
            provider_node="ma",
            recipient_node="fr",
            starts_on=date(2025, 4, 1),
            effort_days=Decimal("30"),
            status="delivered",
        ),
    ],
}


def _user(role: str) -> User:
    return User.objects.get(username=f"{settings.NODE_ID}-{role}")


def share_demo_plan(partner: str) -> int:
    """This node's part of the plan, trainings and assistance, shared with `partner` (once)."""
    if Training.objects.filter(owner_node=settings.NODE_ID).exists():
        return 0
    officer, liaison = _user("officer"), _user("liaison-officer")
    count = 0
    if settings.NODE_ID == PLAN_OWNER:
        count += _record_plan(officer, liaison, partner)
    for training_data in TRAININGS.get(settings.NODE_ID, []):
        training = create_training(actor=officer, data=training_data)
        _attach_material(officer, training)
        share_training(actor=liaison, training=training, partner=partner)
        count += 1
    for assistance_data in ASSISTANCE.get(settings.NODE_ID, []):
        assistance = create_assistance(actor=officer, data=assistance_data)
        share_assistance(actor=liaison, assistance=assistance, partner=partner)
        count += 1
    return count


def _attach_material(officer: User, training: Training) -> None:
    if training.title not in MATERIALS:
        return
    name, text = MATERIALS[training.title]
    upload_attachment(
        actor=officer,
        parent=parent_named(PARENT),
        record=training,
        file_name=name,
        data=text.encode(),
        description="Programme",
    )


def _record_plan(officer: User, liaison: User, partner: str) -> int:
    objectives = {
        code: create_objective(actor=officer, data=ObjectiveData(code=code, title=title))
        for code, title in OBJECTIVES
    }
    for code, data in ACTIONS.get(settings.NODE_ID, []):
        create_action(actor=officer, objective=objectives[code], data=data)
    for objective in objectives.values():
        share_objective(actor=liaison, objective=objective, partner=partner)
    return len(objectives) + len(ACTIONS.get(settings.NODE_ID, []))


def _wait(query: QuerySet[Any], count: int, wait: float) -> None:
    deadline = time.monotonic() + wait
    while query.count() < count and time.monotonic() < deadline:
        time.sleep(0.5)


def join_demo_plan(partner: str, *, wait: float = 60) -> int:
    """The partner's side: its actions under the plan's objectives, and two proposals."""
    if (
        settings.NODE_ID == PLAN_OWNER
        or PlanAction.objects.filter(owner_node=settings.NODE_ID).exists()
    ):
        return 0
    objectives = Objective.objects.filter(owner_node=partner)
    _wait(objectives, len(OBJECTIVES), wait)
    _wait(PlanAction.objects.filter(owner_node=partner), len(ACTIONS[partner]), wait)
    officer = _user("officer")
    by_code = {objective.code: objective for objective in objectives}
    for code, data in ACTIONS.get(settings.NODE_ID, []):
        if code in by_code:
            create_action(actor=officer, objective=by_code[code], data=data)
    theirs = list(PlanAction.objects.filter(owner_node=partner).order_by("due_on"))
    proposals = [
        ({"due_on": "2027-03-31"}, "Les premières audiences sont prévues en 2027."),
        ({"working_group": "Grands événements et sécurité des stades"}, "Fusion des groupes."),
    ]
    for action, (changes, reason) in zip(theirs[-2:], proposals, strict=False):
        propose_change(actor=officer, action=action, changes=changes, reason=reason)
    return len(ACTIONS.get(settings.NODE_ID, [])) + len(proposals)


def decide_demo_plan(partner: str, *, wait: float = 60) -> int:
    """The plan owner accepts the first proposal of the partner, leaves the other open."""
    if settings.NODE_ID != PLAN_OWNER:
        return 0
    proposals = PlanProposal.objects.filter(owner_node=partner)
    _wait(proposals, 2, wait)
    first = proposals.filter(decision__isnull=True).order_by("proposed_on", "pk").first()
    if first is None:
        return 0
    decide_proposal(actor=_user("officer"), proposal=first, accepted=True, reason="D'accord.")
    return 1

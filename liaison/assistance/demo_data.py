"""The demo's requests for assistance, in every state, between `ma` and `fr`.

Two phases, because a request needs both nodes: `send` (after the nodes are partnered,
before they start) queues this node's requests and withdraws one; `answer` (once both
run) waits for the partner's requests to arrive, then acknowledges, asks, answers or
refuses them as planned. Each goes through the actions, as an officer would."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from liaison.accounts.models import User
from liaison.assistance.actions import RequestData, send_request, take_step
from liaison.assistance.choices import RefusalCategory, Status, Step
from liaison.assistance.models import AssistanceRequest


@dataclass(frozen=True)
class DemoRequest:
    subject: str
    request_type: str
    urgency: str
    text: str
    # What the recipient does with it ("" = leave it waiting), and its words.
    then: str = ""
    note: str = ""
    category: str = ""  # a refusal's category (RefusalCategory)


DEMO_REQUESTS = {
    "ma": [
        DemoRequest(
            "Localiser Karim Benali",
            "locate",
            "urgent",
            "Signalé à Lyon en octobre ; adresse actuelle ?",
            Step.ANSWER,
            "Domicilié à Villeurbanne depuis septembre ; adresse transmise par canal sécurisé.",
        ),
        DemoRequest(
            "Vérifier le passeport FR 12AB34567",
            "verify",
            "urgent_direct",
            "Présenté au port de Tanger Med ce matin.",
            Step.ACKNOWLEDGE,
        ),
        DemoRequest(
            "Antécédents judiciaires de Yassine M.",
            "information",
            "normal",
            "Dans le cadre d'une enquête sur un trafic de stupéfiants.",
            Step.REFUSE,
            "Demande à présenter par la voie de l'entraide judiciaire (casier judiciaire).",
            RefusalCategory.NO_LEGAL_BASIS,
        ),
        DemoRequest(
            "Exécuter le mandat d'arrêt MA-2025-311",
            "warrant",
            "normal",
            "La personne réside à Marseille selon nos informations.",
        ),
        DemoRequest(
            "Assistance technique : extraction d'un téléphone",
            "technical",
            "normal",
            "Téléphone saisi le 2 novembre.",
            Step.WITHDRAW,
            "Extraction faite par nos services.",
        ),
    ],
    "fr": [
        DemoRequest(
            "Identifier le titulaire d'une ligne marocaine",
            "information",
            "urgent",
            "Numéro +212 6 00 00 00 00 utilisé dans une escroquerie.",
            Step.ASK,
            "Quelle période d'utilisation vous intéresse ?",
        ),
        DemoRequest(
            "Localiser un témoin à Tanger",
            "locate",
            "normal",
            "Témoin d'un accident mortel à Lille en août.",
            Step.PARTLY_ANSWER,
            "Dernière adresse connue à Tanger ; la personne n'y réside plus.",
        ),
        DemoRequest(
            "Vérifier un permis de conduire marocain",
            "verify",
            "agreed",
            "Permis présenté lors d'un contrôle routier.",
        ),
    ],
}


def _officer() -> User:
    return User.objects.get(username=f"{settings.NODE_ID}-liaison-officer")


def send_demo_requests(partner: str) -> int:
    """This node's demo requests to `partner`, once (a second run keeps the data)."""
    if AssistanceRequest.objects.filter(owner_node=settings.NODE_ID).exists():
        return 0
    actor = _officer()
    plan = DEMO_REQUESTS.get(settings.NODE_ID, [])
    for item in plan:
        agreed = timezone.now() + timedelta(days=10) if item.urgency == "agreed" else None
        data = RequestData(partner, item.request_type, item.subject, item.text, item.urgency)
        data.agreed_due = agreed
        record = send_request(actor=actor, data=data)
        if item.then == Step.WITHDRAW:
            take_step(actor=actor, record=record, step=item.then, note=item.note)
    return len(plan)


def answer_demo_requests(partner: str, *, wait: float = 60) -> int:
    """Take the planned steps on the partner's demo requests once they have arrived."""
    plan = {i.subject: i for i in DEMO_REQUESTS.get(partner, []) if i.then != Step.WITHDRAW}
    deadline = time.monotonic() + wait
    rows = AssistanceRequest.objects.filter(owner_node=partner, subject__in=list(plan))
    while rows.filter(reply__isnull=False).count() < len(plan) and time.monotonic() < deadline:
        time.sleep(0.5)
    actor = _officer()
    done = 0
    for record in rows.select_related("reply"):
        item = plan[record.subject]
        if item.then and record.status == Status.RECEIVED:
            take_step(
                actor=actor,
                record=record,
                step=item.then,
                note=item.note,
                refusal_category=item.category,
            )
            done += 1
    return done

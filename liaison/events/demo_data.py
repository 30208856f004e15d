"""The demo's events: AFCON 2025 and the 2030 World Cup hosted by ma, the Paris 2024
Olympic Games hosted by fr; each node records its own, through the actions."""

from __future__ import annotations

from datetime import date

from liaison.accounts.models import User
from liaison.events.actions import EventData, create_event
from liaison.events.models import Event

DEMO_EVENTS = {
    "ma": [
        EventData(
            name="Coupe d'Afrique des Nations 2025",
            starts_on=date(2025, 12, 21),
            ends_on=date(2026, 1, 18),
            host_node="ma",
            partner_nodes=["fr"],
            venues=["Rabat", "Casablanca", "Marrakech", "Fès", "Tanger", "Agadir"],
            description="CAF Africa Cup of Nations, 24 teams, 9 stadiums.",
        ),
        EventData(
            name="FIFA World Cup 2030",
            starts_on=date(2030, 6, 13),
            ends_on=date(2030, 7, 21),
            host_node="ma",
            partner_nodes=["fr"],
            venues=["Casablanca", "Rabat", "Tanger", "Marrakech", "Fès", "Agadir"],
            description="Co-hosted with Spain and Portugal; opening matches in South America.",
        ),
    ],
    "fr": [
        EventData(
            name="Jeux Olympiques et Paralympiques de Paris 2024",
            starts_on=date(2024, 7, 26),
            ends_on=date(2024, 9, 8),
            host_node="fr",
            partner_nodes=["ma"],
            venues=["Paris", "Saint-Denis", "Marseille", "Lyon", "Lille", "Nice"],
            description="Moroccan police officers supported the French services on site.",
        ),
    ],
}


def seed_events(*, actor: User, node_id: str) -> int:
    """This node's demo events, once (a second run keeps the data)."""
    if Event.objects.exists():
        return 0
    for data in DEMO_EVENTS.get(node_id, []):
        create_event(actor=actor, data=data)
    return len(DEMO_EVENTS.get(node_id, []))

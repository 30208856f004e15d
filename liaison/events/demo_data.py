"""The demo's events: AFCON 2025 and the 2030 World Cup hosted by ma, the Paris 2024
Olympic Games hosted by fr; each node records its own, through the actions."""

from __future__ import annotations

from datetime import date
from itertools import islice

from liaison.accounts.models import User
from liaison.events.accreditation import map_columns, upload_list
from liaison.events.actions import EventData, create_event
from liaison.events.demo_bans import seed_bans
from liaison.events.models import Event
from liaison.events.tables import Mapping
from liaison.registry.queries import watchlist_identities

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
    """This node's demo events, once (a second run keeps the data); the first one gets an
    accreditation list, screened by the task worker when the node starts."""
    if Event.objects.exists():
        return 0
    events = [create_event(actor=actor, data=data) for data in DEMO_EVENTS.get(node_id, [])]
    if events:
        seed_list(actor=actor, event=events[0])
    seed_bans(actor=actor, node_id=node_id)
    return len(events)


VOLUNTEERS = [
    ("Amine", "Tazi", "1996-04-11", "MA"),
    ("Salma", "Bennani", "1999-09-02", "MA"),
    ("Lucas", "Moreau", "1994-01-23", "FR"),
    ("Aya", "Cherkaoui", "2001-12-30", "MA"),
    ("Ousmane", "Diallo", "1992-07-15", "SN"),
    ("Chloé", "Petit", "1997-05-05", "FR"),
]


def seed_list(*, actor: User, event: Event) -> None:
    """Volunteers, with three people of this node's watchlist (as a third party would type
    them) and a bad row, through the same actions as an upload."""
    rows = ["Prénom,Nom,Date de naissance,Nationalité,Passeport,Catégorie"]
    rows += [f"{g},{f},{d},{n},P{i:07d},Bénévole" for i, (g, f, d, n) in enumerate(VOLUNTEERS)]
    for i, identity in enumerate(islice(watchlist_identities(), 3)):
        given, _, family = identity.names[0].partition(" ")
        dob = identity.dates_of_birth[0] if identity.dates_of_birth else ""
        rows.append(f"{given},{family},{dob},,W{i:07d},{('Bénévole', 'Presse', 'Prestataire')[i]}")
    rows.append("Karim,Alaoui,1990-13-45,MA,P9999999,Bénévole")  # no such date: a bad row
    data = ("\n".join(rows) + "\n").encode("utf-8-sig")
    lst = upload_list(
        actor=actor,
        event=event,
        name="Volontaires (démo)",
        purpose="Accréditation des volontaires",
        file_name="volontaires.csv",
        data=data,
    )
    mapping = Mapping(names=[0, 1], date_of_birth=2, nationality=3, documents=[4], category=5)
    map_columns(actor=actor, lst=lst, mapping=mapping)

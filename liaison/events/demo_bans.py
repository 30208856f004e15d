"""The demo's football information point: on `fr`, an active stadium ban for the Africa
Cup of Nations and an expired one, on two of fr's persons; the active one is shared with
`ma` (`liaison demo-bans share ma`, run by `liaison demo` once the nodes are partnered),
so ma's accreditation screening for AFCON can meet it. A second run changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from liaison.accounts.models import User
from liaison.events.bans import BanData, create_ban, share_ban
from liaison.events.models import Ban, BanKind, BanStatus
from liaison.exchange.sharing import shared_with
from liaison.registry.models import Person

OWNER, PARTNER = "fr", "ma"
AFCON = "Coupe d'Afrique des Nations 2025"


def seed_bans(*, actor: User, node_id: str) -> int:
    """fr's two demo bans, once."""
    if node_id != OWNER or Ban.objects.exists():
        return 0
    persons = list(Person.objects.filter(owner_node=node_id).order_by("pk")[:2])
    today = timezone.localdate()
    kinds = [
        (
            today - timedelta(days=200),
            today + timedelta(days=530),
            "Tribunal judiciaire de Marseille",
            "Violences en réunion au stade Vélodrome ; interdiction judiciaire de stade, "
            "pointage au commissariat les jours de match.",
        ),
        (
            today - timedelta(days=800),
            today - timedelta(days=70),
            "Préfecture de police de Paris",
            "Usage d'engins pyrotechniques au Parc des Princes (interdiction administrative).",
        ),
    ]
    for person, (start, end, authority, grounds) in zip(persons, kinds, strict=False):
        data = BanData(
            kind=BanKind.STADIUM_BAN,
            issuing_authority=authority,
            valid_from=start,
            valid_until=end,
            grounds=grounds,
            competitions=f"Ligue 1 ; {AFCON}",
        )
        create_ban(actor=actor, person=person, data=data)
    return len(persons)


def share_bans(partner: str) -> int:
    """fr's liaison officer shares its active demo bans with ma (with their persons)."""
    if settings.NODE_ID != OWNER:
        return 0
    liaison = User.objects.get(username=f"{settings.NODE_ID}-liaison-officer")
    bans = Ban.objects.filter(owner_node=OWNER, status=BanStatus.ACTIVE).order_by("pk")
    fresh = [ban for ban in bans if not shared_with(partner, "ban", ban.uid)]
    for ban in fresh:
        share_ban(actor=liaison, ban=ban, partner=partner)
    return len(fresh)

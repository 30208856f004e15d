"""What `liaison demo` puts in each demo node: its agencies and one account per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from liaison.accounts.models import Agency, User
from liaison.accounts.roles import ROLE_CAPABILITIES

DEMO_PASSWORD = "liaison-demo-2026"  # noqa: S105 - published demo login, synthetic nodes only


@dataclass(frozen=True)
class DemoNode:
    node_id: str
    agency: str
    country: str
    port: int


DEMO_NODES = (
    DemoNode("ma", "Direction Générale de la Sûreté Nationale (demo)", "MA", 8001),
    DemoNode("fr", "Police nationale (demo)", "FR", 8002),
)


def demo_username(role: str) -> str:
    return f"{settings.NODE_ID}-{role.replace('_', '-')}"


@transaction.atomic
def seed_demo_accounts() -> list[str]:
    """Idempotent: agencies of both demo nodes, and a demo user per role on this node."""
    agencies = {
        node.node_id: Agency.objects.get_or_create(
            name=node.agency, defaults={"country": node.country, "node_id": node.node_id}
        )[0]
        for node in DEMO_NODES
    }
    own_agency = agencies.get(settings.NODE_ID)
    usernames = []
    for role in ROLE_CAPABILITIES:
        username = demo_username(role)
        user, created = User.objects.get_or_create(
            username=username, defaults={"agency": own_agency, "is_demo": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.set([Group.objects.get(name=role)])
        usernames.append(username)
    _seed_registry()
    _seed_events()
    _seed_reports()
    return usernames


DEMO_PERSONS = 40


def _seed_registry() -> None:
    """Synthetic persons, warrants, alerts and hits, once (a second run keeps the data)."""
    from liaison.registry.demo_data import seed_registry
    from liaison.registry.models import Person

    if Person.objects.exists():
        return
    officer = User.objects.get(username=demo_username("officer"))
    seed = sum(ord(c) for c in settings.NODE_ID)  # each node gets its own people
    seed_registry(actor=officer, count=DEMO_PERSONS, seed=seed)


def _seed_events() -> None:
    """AFCON 2025 and the World Cup 2030 on ma, Paris 2024 on fr (once)."""
    from liaison.events.demo_data import seed_events

    seed_events(actor=User.objects.get(username=demo_username("officer")), node_id=settings.NODE_ID)


def _seed_reports() -> None:
    """Graded intelligence reports: in Arabic on ma, in French on fr (once)."""
    from liaison.intel.demo_data import seed_reports

    seed_reports(
        actor=User.objects.get(username=demo_username("officer")),
        node_id=settings.NODE_ID,
        persons=DEMO_PERSONS,
    )

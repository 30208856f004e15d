"""The six roles, as groups with capability permissions. docs/roles.md explains them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

OFFICER = "officer"
ANALYST = "analyst"
LIAISON_OFFICER = "liaison_officer"
SUPERVISOR = "supervisor"
AUDITOR = "auditor"
NODE_ADMIN = "node_admin"

ROLE_LABELS = {
    OFFICER: _("Officer"),
    ANALYST: _("Analyst"),
    LIAISON_OFFICER: _("Liaison officer"),
    SUPERVISOR: _("Supervisor"),
    AUDITOR: _("Auditor"),
    NODE_ADMIN: _("Node administrator"),
}

_OPERATIONAL = ["view_records", "search_records", "create_records", "change_records"]

ROLE_CAPABILITIES: dict[str, list[str]] = {
    OFFICER: [*_OPERATIONAL, "write_reports"],
    ANALYST: ["view_records", "search_records", "write_reports"],
    LIAISON_OFFICER: [*_OPERATIONAL, "disclose_records", "write_reports"],
    SUPERVISOR: [
        *_OPERATIONAL,
        "delete_records",
        "approve_handling",
        "subject_access",
        "write_reports",
    ],
    AUDITOR: ["view_audit"],
    NODE_ADMIN: ["manage_users", "manage_peers"],
}


def sync_roles(**kwargs: Any) -> None:
    """Create each role's group and set exactly its capabilities (runs after migrate)."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from liaison.accounts.models import Capability

    content_type = ContentType.objects.get_for_model(Capability, for_concrete_model=False)
    for role, codenames in ROLE_CAPABILITIES.items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.filter(content_type=content_type, codename__in=codenames)
        group.permissions.set(permissions)

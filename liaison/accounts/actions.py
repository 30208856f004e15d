"""Account changes made by a node administrator (CLI today): atomic and audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from liaison.accounts.models import Agency, User
from liaison.accounts.roles import ROLE_CAPABILITIES
from liaison.audit.actions import log_event


class AccountError(Exception):
    """A refused account change; the message says why."""


@transaction.atomic
def create_agency(*, name: str, country: str, node_id: str = "") -> Agency:
    agency = Agency(
        name=name.strip(), country=country.strip().upper(), node_id=node_id or settings.NODE_ID
    )
    try:
        agency.full_clean()
    except ValidationError as error:
        raise AccountError(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        ) from None
    agency.save()
    log_event(
        action="admin",
        origin="cli",
        object_type="agency",
        object_id=str(agency.pk),
        detail={"created": agency.name, "node": agency.node_id},
    )
    return agency


@transaction.atomic
def create_user(*, username: str, agency_name: str, roles: list[str], password: str) -> User:
    """A user of one of this node's agencies, with roles; the password must pass the
    validators (12 characters at least, not common, not numeric)."""
    unknown = sorted(set(roles) - set(ROLE_CAPABILITIES))
    if unknown or not roles:
        raise AccountError(
            f"Unknown or missing roles {unknown}; choose from {sorted(ROLE_CAPABILITIES)}."
        )
    agency = Agency.objects.filter(name=agency_name, node_id=settings.NODE_ID).first()
    if agency is None:
        raise AccountError(f"No agency of this node is named {agency_name!r}.")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"A user named {username!r} exists already.")
    user = User(username=username, agency=agency)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise AccountError(" ".join(error.messages)) from None
    user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    log_event(
        action="admin",
        origin="cli",
        object_type="user",
        object_id=str(user.pk),
        detail={"created": username, "agency": agency.name, "roles": sorted(roles)},
    )
    return user


@transaction.atomic
def set_active(*, username: str, active: bool) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise AccountError(f"No user named {username!r}.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    log_event(
        action="admin",
        origin="cli",
        object_type="user",
        object_id=str(user.pk),
        detail={"active": active, "username": username},
    )
    return user

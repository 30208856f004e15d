"""Every change to training sessions and technical assistance: atomic, permission-checked,
versioned, audited, and followed to the partners holding a copy (as events are)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import ValidationError

from liaison.accounts.models import Actor
from liaison.audit.actions import log_event
from liaison.exchange import sharing
from liaison.exchange.protocol import NODE_ID
from liaison.plan.actions import PlanError
from liaison.plan.materials import send_materials
from liaison.plan.models import TechnicalAssistance, Training
from liaison.plan.sharing import (
    ASSISTANCE_FIELDS,
    MAX_PARTICIPANT_NAMES,
    MAX_TRAINERS,
    TRAINING_FIELDS,
    Participant,
)
from liaison.policy import Action, atomic_action, authorise
from liaison.records import SharedRecord, clean_or_refuse


@dataclass
class TrainingData:
    topic: str
    title: str
    starts_on: date
    ends_on: date
    provider_node: str
    receiver_node: str
    place: str = ""
    remote: bool = False
    trainers: list[str] = field(default_factory=list)
    participants: int = 0
    # [{"name": …, "service": …, "function": …}]: none, or one per participant.
    participant_list: list[dict[str, str]] = field(default_factory=list)
    attended: int | None = None
    rating: Decimal | None = None
    handling_code: str = "H0"


@dataclass
class AssistanceData:
    kind: str
    description: str
    provider_node: str
    recipient_node: str
    starts_on: date
    recipient_unit: str = ""
    ends_on: date | None = None
    value_eur: Decimal | None = None
    effort_days: Decimal | None = None
    status: str = "planned"
    handling_code: str = "H0"


def _nodes(provider: str, receiver: str) -> tuple[str, str]:
    provider, receiver = provider.strip(), receiver.strip()
    for value in (provider, receiver):
        if not re.fullmatch(NODE_ID, value):
            raise PlanError(_("Use a node id such as ma or fr."))
    if provider == receiver:
        raise PlanError(_("The providing and the receiving service must differ."))
    return provider, receiver


def _training_values(data: TrainingData) -> dict[str, Any]:
    if data.ends_on < data.starts_on:
        raise PlanError(_("A session cannot end before it starts."))
    if not data.remote and not data.place.strip():
        raise PlanError(_("Give the place, or mark the session remote."))
    trainers = [t.strip() for t in data.trainers if t.strip()]
    if len(trainers) > MAX_TRAINERS:
        raise PlanError(_("At most %(n)d trainers.") % {"n": MAX_TRAINERS})
    if data.attended is not None and data.attended > data.participants:
        raise PlanError(_("More attended than took part: check the counts."))
    names = participant_names(data.participant_list, data.participants)
    provider, receiver = _nodes(data.provider_node, data.receiver_node)
    values = {name: getattr(data, name) for name in TRAINING_FIELDS}
    return values | {
        "title": data.title.strip(),
        "place": data.place.strip(),
        "trainers": trainers,
        "participant_list": names,
        "provider_node": provider,
        "receiver_node": receiver,
    }


def participant_names(rows: list[dict[str, str]], count: int) -> list[dict[str, str]]:
    """The participants named, checked: a name and a service each, and as many as `count`
    (none is fine: the count alone)."""
    try:
        names = [Participant.model_validate(row).model_dump() for row in rows]
    except ValidationError as error:
        detail = error.errors()[0]
        raise PlanError(
            _("A participant needs a name and a service (%(problem)s).")
            % {"problem": detail["msg"]}
        ) from None
    if len(names) > MAX_PARTICIPANT_NAMES:
        raise PlanError(_("At most %(n)d participants named.") % {"n": MAX_PARTICIPANT_NAMES})
    if names and len(names) != count:
        raise PlanError(
            _("%(named)d participants named but %(count)d counted: name them all, or none.")
            % {"named": len(names), "count": count}
        )
    return names


def _assistance_values(data: AssistanceData) -> dict[str, Any]:
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise PlanError(_("Assistance cannot end before it starts."))
    provider, recipient = _nodes(data.provider_node, data.recipient_node)
    values = {name: getattr(data, name) for name in ASSISTANCE_FIELDS}
    return values | {
        "description": data.description.strip(),
        "recipient_unit": data.recipient_unit.strip(),
        "provider_node": provider,
        "recipient_node": recipient,
    }


def _create[M: SharedRecord](
    model: type[M], name: str, actor: Actor, values: dict[str, Any], code: str, request: Any
) -> M:
    user = authorise(actor, Action.CREATE, handling_code=code, request=request, object_type=name)
    record = model(owner_node=settings.NODE_ID, created_by=user, handling_code=code, **values)
    clean_or_refuse(record, PlanError)
    record.save()
    log_event(
        action="collect", request=request, actor=user, object_type=name, object_id=str(record.uid)
    )
    return record


def _update[M: SharedRecord](
    model: type[M], name: str, actor: Actor, record: M, values: dict[str, Any], request: Any
) -> M:
    record = model._default_manager.select_for_update().get(pk=record.pk)
    code = values["handling_code"]
    authorise(actor, Action.CHANGE, record, handling_code=code, request=request, object_type=name)
    before = {k: getattr(record, k) for k in values}
    for key, value in values.items():
        setattr(record, key, value)
    clean_or_refuse(record, PlanError)
    changes = {k: [str(v), str(getattr(record, k))] for k, v in before.items() if v != values[k]}
    if not changes:
        return record
    record.version += 1
    record.save()
    sharing.push_update(name, record)
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type=name,
        object_id=str(record.uid),
        changes=changes,
        detail={"version": record.version},
    )
    return record


def _share(name: str, actor: Actor, record: SharedRecord, partner: str, request: Any) -> str:
    authorise(actor, Action.DISCLOSE, record, request=request, object_type=name)
    peer = sharing.peer_for(partner)
    fresh = type(record)._default_manager.get(pk=record.pk)
    return str(sharing.send(peer, name, fresh, actor=actor, request=request).envelope_id)


@atomic_action
def create_training(
    *, actor: Actor, data: TrainingData, request: HttpRequest | None = None
) -> Training:
    values = _training_values(data)
    return _create(Training, "training", actor, values, data.handling_code, request)


@atomic_action
def update_training(
    *, actor: Actor, training: Training, data: TrainingData, request: HttpRequest | None = None
) -> Training:
    values = _training_values(data) | {"handling_code": data.handling_code}
    return _update(Training, "training", actor, training, values, request)


@atomic_action
def share_training(
    *, actor: Actor, training: Training, partner: str, request: HttpRequest | None = None
) -> str:
    """Send the session to `partner`, then its materials; returns the training's envelope id
    (the worker delivers them, in that order)."""
    envelope = _share("training", actor, training, partner, request)
    send_materials(training, partner, actor=actor)
    return envelope


@atomic_action
def create_assistance(
    *, actor: Actor, data: AssistanceData, request: HttpRequest | None = None
) -> TechnicalAssistance:
    values = _assistance_values(data)
    return _create(
        TechnicalAssistance, "technicalassistance", actor, values, data.handling_code, request
    )


@atomic_action
def update_assistance(
    *,
    actor: Actor,
    assistance: TechnicalAssistance,
    data: AssistanceData,
    request: HttpRequest | None = None,
) -> TechnicalAssistance:
    values = _assistance_values(data) | {"handling_code": data.handling_code}
    return _update(TechnicalAssistance, "technicalassistance", actor, assistance, values, request)


@atomic_action
def share_assistance(
    *,
    actor: Actor,
    assistance: TechnicalAssistance,
    partner: str,
    request: HttpRequest | None = None,
) -> str:
    return _share("technicalassistance", actor, assistance, partner, request)

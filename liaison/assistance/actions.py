"""Every change to requests for assistance: atomic, permission-checked, audited, and sent
to the other node through the sharing contract in the same transaction.

The requester sends, supplies information asked for, and withdraws (its request record);
the recipient's node receives (starting the clock), and its liaison officers acknowledge,
ask for more information (pausing the clock), answer, answer in part or refuse (stopping
it) — all on its reply record. Overdue requests are escalated to supervisors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor, User
from liaison.assistance import clock
from liaison.assistance.choices import (
    CLOSED,
    OPEN,
    RECIPIENT_STEPS,
    TEXT_REQUIRED,
    RefusalCategory,
    Status,
    Step,
    Urgency,
)
from liaison.assistance.models import AssistanceRequest, Reply
from liaison.audit.actions import log_event
from liaison.core.field_rules import FieldRuleError, text
from liaison.desk.mail import notify, users_with
from liaison.exchange import sharing
from liaison.policy import Action, HandlingCode, atomic_action, authorise, restrict
from liaison.records import clean_or_refuse
from liaison.refusals import Refused
from liaison.registry.models import Person
from liaison.registry.sharing.share import share_person


class AssistanceError(Refused):
    """A change to a request that the rules refuse; the message says why, and `field`
    names the input it is about ("" for the request as a whole)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class RequestData:
    recipient_node: str
    request_type: str
    subject: str
    text: str
    urgency: str
    agreed_due: datetime | None = None
    persons: list[str] = field(default_factory=list)
    handling_code: str = HandlingCode.H0


def limits() -> clock.Limits:
    """The deadlines per urgency, from settings.ASSISTANCE_DEADLINE_HOURS."""
    return clock.Limits.from_hours(settings.ASSISTANCE_DEADLINE_HOURS)


def _entry(step: str, by: str, note: str = "", at: datetime | None = None) -> dict[str, str]:
    moment = at or timezone.now()
    return {"at": moment.isoformat(), "step": step, "note": note, "by": by}


# The requester


@atomic_action
def send_request(
    *, actor: Actor, data: RequestData, request: HttpRequest | None = None
) -> AssistanceRequest:
    """Send a request for assistance to a partner's service; the worker delivers it."""
    user = authorise(
        actor,
        Action.ASSIST,
        handling_code=data.handling_code,
        request=request,
        object_type="request",
    )
    if data.handling_code == HandlingCode.H3:
        raise AssistanceError(
            _("A request goes to a partner: H3 records stay here. Choose H0 to H2."),
            field="handling_code",
        )
    try:
        peer = sharing.peer_for(data.recipient_node)
    except sharing.ExchangeError as error:
        raise AssistanceError(str(error), field="recipient_node") from None
    now = timezone.now()
    record = AssistanceRequest(
        owner_node=settings.NODE_ID,
        created_by=user,
        handling_code=data.handling_code,
        recipient_node=peer.node_id,
        request_type=data.request_type,
        subject=data.subject.strip(),
        text=data.text.strip(),
        urgency=data.urgency,
        agreed_due=_agreed(data, now),
        persons=_linkable(user, data.persons, peer.node_id),
        requested_by_name=user.get_username(),
        history=[_entry("sent", user.get_username(), at=now)],
    )
    clean_or_refuse(record, AssistanceError)
    record.save()
    sharing.send(peer, "request", record, actor=user, request=request)
    _log(request, user, "collect", record, {"recipient": peer.node_id, "urgency": data.urgency})
    return record


def _agreed(data: RequestData, now: datetime) -> datetime | None:
    if data.urgency != Urgency.AGREED:
        return None
    if data.agreed_due is None:
        raise AssistanceError(_("Give the date agreed with the partner."), field="agreed_due")
    if data.agreed_due <= now:
        raise AssistanceError(_("The agreed date must be in the future."), field="agreed_due")
    return data.agreed_due


def _linkable(user: User, uids: Sequence[str], partner: str) -> list[str]:
    """Linked persons must be visible to the sender and already held by the partner (its
    own, or shared with it): a link never discloses a person."""
    try:
        wanted = sorted({str(UUID(str(uid))) for uid in uids})
    except ValueError:
        raise AssistanceError(_("Give person identifiers (UUIDs)."), field="persons") from None
    persons = restrict(Person.objects.filter(uid__in=wanted), user, Action.VIEW)
    found = {str(p.uid): p for p in persons}
    for uid in wanted:
        person = found.get(uid)
        if person is None:
            raise AssistanceError(
                _("%(uid)s is not a person you may see.") % {"uid": uid}, field="persons"
            )
        if person.owner_node != partner and not sharing.shared_with(partner, "person", person.uid):
            raise AssistanceError(
                _("%(uid)s is not held by the partner: share the person first.") % {"uid": uid},
                field="persons",
            )
    return wanted


# The recipient's node, on receipt (called by the applier, inside the receipt's transaction)


def receive_request(record: AssistanceRequest) -> Reply:
    """The clock starts now, on this node: the reply says so to the requester."""
    now = timezone.now()
    due = clock.first_deadline(now, record.urgency, limits(), record.agreed_due)
    reply = Reply.objects.create(
        request=record,
        owner_node=settings.NODE_ID,
        handling_code=record.handling_code,
        status=Status.RECEIVED,
        received_on=now,
        due_at=due,
        history=[_entry("received", settings.NODE_ID, at=now)],
    )
    _send_reply(reply, actor=None)
    notify("request_received", users_with("accounts.disclose_records", record), _path(record))
    return reply


def _path(record: AssistanceRequest) -> str:
    return reverse("assistance:detail", kwargs={"uid": record.uid})


def follow_requester(record: AssistanceRequest) -> None:
    """The requester changed its request: information supplied restarts a paused clock."""
    reply = Reply.objects.select_for_update().filter(request=record, owner_node=settings.NODE_ID)
    current = reply.first()
    if current is None or current.status != Status.MORE_INFORMATION:
        return
    if record.withdrawn_at is not None or not record.history:
        return
    if record.history[-1].get("step") != Step.SUPPLY:
        return
    now = timezone.now()
    _set_clock(current, clock.resumed(current.as_clock(), now))
    current.status = Status.ACKNOWLEDGED if current.acknowledged_at else Status.RECEIVED
    current.history = [*current.history, _entry("resumed", settings.NODE_ID, at=now)]
    current.version += 1
    current.save()
    _send_reply(current, actor=None)


def _send_reply(reply: Reply, *, actor: Any, request: HttpRequest | None = None) -> None:
    peer = sharing.peer_for(reply.request.owner_node)
    sharing.send(peer, "request_reply", reply, actor=actor, request=request)


def _set_clock(reply: Reply, value: clock.Clock) -> None:
    reply.due_at = value.due_at
    reply.paused_since = value.paused_since
    reply.paused_seconds = value.paused_seconds


# Steps, by either side


def step_refusal(record: AssistanceRequest, step: str) -> str:
    """Why `step` cannot be taken on the request now, on this node; empty if it can."""
    status = record.status
    if step in RECIPIENT_STEPS:
        if record.is_local or record.reply_or_none() is None:
            return _("Only the service the request was sent to answers it.")
        allowed = {
            Step.ACKNOWLEDGE: (Status.RECEIVED,),
            Step.ASK: (Status.RECEIVED, Status.ACKNOWLEDGED),
        }.get(Step(step), OPEN)
    elif step in (Step.SUPPLY, Step.WITHDRAW):
        if not record.is_local:
            return _("Only the requesting service changes its request.")
        allowed = (Status.MORE_INFORMATION,) if step == Step.SUPPLY else (Status.SENT, *OPEN)
    else:
        return _("Unknown step %(step)s.") % {"step": step}
    if status not in allowed:
        return _("The request is %(status)s: this step is not possible now.") % {
            "status": record.get_status_display().lower()
        }
    return ""


def available_steps(record: AssistanceRequest) -> list[Step]:
    return [step for step in Step if not step_refusal(record, step)]


_TEXT_MISSING = {
    Step.ASK: _("Say what information is needed."),
    Step.ANSWER: _("Write the answer."),
    Step.PARTLY_ANSWER: _("Write the answer."),
    Step.REFUSE: _("A refusal states its reason."),
    Step.SUPPLY: _("Write the information asked for."),
    Step.WITHDRAW: _("Say why the request is withdrawn."),
}


@atomic_action
def take_step(
    *,
    actor: Actor,
    record: AssistanceRequest,
    step: str,
    note: str = "",
    persons: Sequence[str] = (),
    refusal_category: str = "",
    request: HttpRequest | None = None,
) -> AssistanceRequest:
    """One step on a request (acknowledge, ask, answer, refuse; supply, withdraw). A
    refusal names its category (RefusalCategory) besides its reason."""
    user = authorise(actor, Action.ASSIST, record, request=request, object_type="request")
    record = AssistanceRequest.objects.select_for_update().get(pk=record.pk)
    refusal = step_refusal(record, step)
    if refusal:
        raise AssistanceError(refusal)
    note = _note(Step(step), note)
    if persons and step not in (Step.ANSWER, Step.PARTLY_ANSWER):
        raise AssistanceError(_("Persons go with an answer only."), field="persons")
    _check_category(Step(step), refusal_category)
    if step in RECIPIENT_STEPS:
        _recipient_step(user, record, Step(step), note, persons, request, refusal_category)
    else:
        _requester_step(user, record, Step(step), note)
    detail = {"step": step} | ({"category": refusal_category} if refusal_category else {})
    _log(request, user, "alter", record, detail)
    return record


def _note(step: Step, note: str) -> str:
    note = note.strip()
    if step in TEXT_REQUIRED and not note:
        raise AssistanceError(str(_TEXT_MISSING[step]), field="note")
    try:
        return text(note) if note else note
    except FieldRuleError as error:
        raise AssistanceError(str(error), field="note") from None


def _check_category(step: Step, category: str) -> None:
    """A refusal names one of the fixed categories; no other step has one."""
    if step != Step.REFUSE:
        if category:
            raise AssistanceError(
                _("A category goes with a refusal only."), field="refusal_category"
            )
        return
    if not category:
        raise AssistanceError(_("Choose the category of the refusal."), field="refusal_category")
    if category not in RefusalCategory.values:
        raise AssistanceError(
            _("Unknown category %(category)s.") % {"category": category},
            field="refusal_category",
        )


def _recipient_step(
    user: User,
    record: AssistanceRequest,
    step: Step,
    note: str,
    persons: Sequence[str],
    request: HttpRequest | None,
    refusal_category: str = "",
) -> None:
    reply = Reply.objects.select_for_update().get(request=record)
    now = timezone.now()
    value = reply.as_clock()
    if step == Step.ASK:
        value = clock.paused(value, now)
    elif RECIPIENT_STEPS[step] in CLOSED:
        value = clock.stopped(value, now)
        reply.closed_at = now
    if step == Step.ACKNOWLEDGE:
        reply.acknowledged_at = now
    if persons:
        reply.persons = _share_with_answer(user, record, persons, request)
    _set_clock(reply, value)
    reply.status = RECIPIENT_STEPS[step]
    reply.refusal_category = refusal_category
    reply.text = note or reply.text
    reply.handled_by_name = user.get_username()
    reply.history = [*reply.history, _entry(step, user.get_username(), note, now)]
    reply.version += 1
    clean_or_refuse(reply, AssistanceError)
    reply.save()
    _send_reply(reply, actor=user, request=request)


def _share_with_answer(
    user: User, record: AssistanceRequest, uids: Sequence[str], request: HttpRequest | None
) -> list[str]:
    """Persons go with an answer through the normal person share (the policy decides);
    the requester's own persons are only linked."""
    try:
        wanted = sorted({str(UUID(str(uid))) for uid in uids})
    except ValueError:
        raise AssistanceError(_("Give person identifiers (UUIDs)."), field="persons") from None
    persons = {str(p.uid): p for p in restrict(Person.objects.filter(uid__in=wanted), user)}
    for uid in wanted:
        person = persons.get(uid)
        if person is None:
            raise AssistanceError(
                _("%(uid)s is not a person you may see.") % {"uid": uid}, field="persons"
            )
        if person.owner_node == record.owner_node:
            continue
        if not person.is_local:
            raise AssistanceError(
                _("Only this service's own persons can go with an answer."), field="persons"
            )
        share_person(actor=user, person=person, partner=record.owner_node, request=request)
    return wanted


def _requester_step(user: User, record: AssistanceRequest, step: Step, note: str) -> None:
    now = timezone.now()
    if step == Step.WITHDRAW:
        record.withdrawn_at = now
    record.history = [*record.history, _entry(step, user.get_username(), note, now)]
    record.version += 1
    record.save()
    sharing.push_update("request", record)


# Escalation (the worker, periodically; `liaison requests-escalate`)


def escalate_overdue(now: datetime | None = None) -> int:
    """Mark this node's open requests past their deadline as escalated: each goes on the
    supervisors' desk, audited once. Returns how many were escalated."""
    now = now or timezone.now()
    count = 0
    for reply in _overdue(now):
        count += _escalate(reply.pk, now)
    return count


def _overdue(now: datetime) -> list[Reply]:
    return list(
        Reply.objects.filter(
            owner_node=settings.NODE_ID,
            status__in=[Status.RECEIVED, Status.ACKNOWLEDGED],
            paused_since__isnull=True,
            escalated_at__isnull=True,
            request__withdrawn_at__isnull=True,
            due_at__lt=now,
        ).only("pk")
    )


@atomic_action
def _escalate(pk: int, now: datetime) -> int:
    reply = Reply.objects.select_for_update(of=("self",)).select_related("request").get(pk=pk)
    if reply.escalated_at is not None:
        return 0
    reply.escalated_at = now
    reply.save(update_fields=["escalated_at"])
    record = reply.request
    notify("request_escalated", users_with("accounts.approve_handling", record), _path(record))
    log_event(
        action="alter",
        object_type="request",
        object_id=str(reply.request.uid),
        detail={"step": "escalated", "due": reply.due_at.isoformat()},
        origin="task",
    )
    return 1


def _log(
    request: HttpRequest | None,
    user: User,
    action: str,
    record: AssistanceRequest,
    detail: dict[str, Any],
) -> None:
    log_event(
        action=action,
        request=request,
        actor=user,
        object_type="request",
        object_id=str(record.uid),
        detail=detail,
    )

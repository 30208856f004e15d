"""The review queue's decisions: confirm a candidate (a hit on the person, through the
registry's own action, which tells the owning partner) or clear it with a reason. Both are
remembered for the event, so the same applicant is not raised again for that person.

Four-eyes confirmations (the event's option, or LIAISON_EVENT_FOUR_EYES when the event sets
none): a first confirmation only proposes; a second, different officer confirms it or
rejects the proposal (back to the queue, with the reason). Any officer may also propose
when the option is off; a proposal always needs a second officer."""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor, User
from liaison.audit.actions import log_event
from liaison.core.field_rules import FieldRuleError, text
from liaison.events.accreditation import ListError
from liaison.events.models import Candidate, CandidateStatus, Decision, Event
from liaison.events.screening import identity
from liaison.matching.lookup import lookup
from liaison.policy import Action, Denied, atomic_action, authorise, denial
from liaison.registry.actions import HitData, record_hit
from liaison.registry.choices import AlertStatus, HitContext
from liaison.registry.explain import explain
from liaison.registry.search import identity_of

OBJECT = "event_candidate"


PENDING, PROPOSED = CandidateStatus.PENDING, CandidateStatus.PROPOSED


def explanation(candidate: Candidate) -> str:
    """Why the applicant may be the person, in words (as search results say it), with the
    screening's name rule when it was a short form or a relative (stored evidence)."""
    names = candidate.evidence.get("names")
    rule = names.get("rule", "") if isinstance(names, dict) else ""
    found = lookup(identity(candidate.applicant), identity_of(candidate.person))
    return explain(found, rule=str(rule))


def four_eyes(event: Event) -> bool:
    """Whether a confirmation in this event needs a second officer."""
    return _applies(event.four_eyes)


def _applies(rule: bool | None) -> bool:
    return bool(settings.EVENT_FOUR_EYES if rule is None else rule)


def _locked(
    actor: Actor,
    candidate: Candidate,
    request: HttpRequest | None,
    statuses: Collection[str] = (PENDING,),
) -> tuple[Candidate, User]:
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    authorise(actor, Action.VIEW, candidate.list.event, request=request, object_type="event")
    user = authorise(actor, Action.CREATE, request=request, object_type=OBJECT)
    authorise(actor, Action.VIEW, candidate.person, request=request, object_type="person")
    if candidate.status == PROPOSED and PROPOSED not in statuses:
        raise ListError(_("This candidate awaits a second confirmation: confirm or reject it."))
    if candidate.status not in statuses:
        raise ListError(_("This candidate has already been decided."))
    return candidate, user


def _second_officer(actor: Actor, candidate: Candidate, request: HttpRequest | None) -> None:
    """The proposer may not also confirm or reject: refused, audited after the rollback."""
    if candidate.proposed_by_id != actor.pk:
        return
    reason = _("You proposed this confirmation: a second officer must decide on it.")
    detail = {"attempted": "second_confirmation", "reason": reason}
    entry = {"request": request, "actor": actor, "object_type": OBJECT}
    raise Denied(reason, entry | {"object_id": str(candidate.pk), "detail": detail})


def _remember(actor: User, candidate: Candidate, outcome: str, reason: str) -> None:
    candidate.status, candidate.reason = outcome, reason
    candidate.decided_by, candidate.decided_at = actor, timezone.now()
    candidate.save(update_fields=["status", "reason", "decided_by", "decided_at", "hit"])
    Decision.objects.update_or_create(
        event_id=candidate.list.event_id,
        applicant_key=candidate.applicant.key,
        person_uid=candidate.person.uid,
        defaults={"outcome": outcome, "reason": reason, "decided_by": actor},
    )


@atomic_action
def confirm_candidate(
    *, actor: Actor, candidate: Candidate, request: HttpRequest | None = None
) -> Candidate:
    """The applicant is the person: a hit is recorded on the person (event screening).
    With four-eyes on, a first confirmation only proposes (status `proposed`); a proposal
    is confirmed by another officer only."""
    candidate, user = _locked(actor, candidate, request, (PENDING, PROPOSED))
    if candidate.status == PENDING and four_eyes(candidate.list.event):
        return _propose(user, candidate, request)
    _second_officer(user, candidate, request)
    before, proposer = candidate.status, candidate.proposed_by
    event, applicant = candidate.list.event, candidate.applicant
    alert = candidate.person.alerts.filter(status=AlertStatus.ACTIVE).order_by("pk").first()
    data = HitData(
        encountered_name=applicant.names[0],
        encountered_on=timezone.now(),
        place=event.name[:200],
        context=HitContext.EVENT,
        alert_id=alert.pk if alert is not None else None,
        action_taken=_("Accreditation screening: %(list)s, line %(line)d")
        % {"list": candidate.list.name, "line": applicant.line},
    )
    candidate.hit = record_hit(actor=actor, person=candidate.person, data=data, request=request)
    _remember(user, candidate, CandidateStatus.CONFIRMED, "")
    detail = {"hit": str(candidate.hit.uid)}
    detail |= {"proposed_by": proposer.get_username()} if proposer is not None else {}
    _audit(actor, candidate, request, detail, before)
    return candidate


@atomic_action
def propose_confirmation(
    *, actor: Actor, candidate: Candidate, request: HttpRequest | None = None
) -> Candidate:
    """Ask a second officer to confirm (whether or not the event requires it)."""
    candidate, user = _locked(actor, candidate, request)
    return _propose(user, candidate, request)


def _propose(user: User, candidate: Candidate, request: HttpRequest | None) -> Candidate:
    candidate.status, candidate.proposed_by, candidate.proposed_at = PROPOSED, user, timezone.now()
    candidate.save(update_fields=["status", "proposed_by", "proposed_at"])
    _audit(user, candidate, request, {"proposed": "confirmation"})
    return candidate


@atomic_action
def reject_proposal(
    *, actor: Actor, candidate: Candidate, reason: str, request: HttpRequest | None = None
) -> Candidate:
    """A second officer rejects a proposed confirmation: back to the queue, with the reason."""
    candidate, user = _locked(actor, candidate, request, (PROPOSED,))
    _second_officer(user, candidate, request)
    reason = _reason(reason, _("Say why the proposal is rejected."))
    candidate.status, candidate.rejection = PENDING, reason
    candidate.rejected_by, candidate.rejected_at = user, timezone.now()
    proposer, candidate.proposed_by, candidate.proposed_at = candidate.proposed_by, None, None
    fields = ["status", "rejection", "rejected_by", "rejected_at", "proposed_by", "proposed_at"]
    candidate.save(update_fields=fields)
    detail = {"rejected": reason, "proposed_by": proposer.get_username() if proposer else ""}
    _audit(user, candidate, request, detail, PROPOSED)
    return candidate


def _reason(reason: str, missing: str) -> str:
    try:
        reason = text(reason.strip()) if reason.strip() else ""
    except FieldRuleError as error:
        raise ListError(str(error)) from None
    if not reason:
        raise ListError(missing)
    return reason


@atomic_action
def clear_candidate(
    *, actor: Actor, candidate: Candidate, reason: str, request: HttpRequest | None = None
) -> Candidate:
    """The applicant is not the person: cleared, with the reason, for the whole event."""
    candidate, user = _locked(actor, candidate, request)
    reason = _reason(reason, _("Say why this candidate is cleared."))
    _remember(user, candidate, CandidateStatus.CLEARED, reason)
    _audit(actor, candidate, request, {"reason": reason})
    return candidate


@atomic_action
def set_four_eyes(
    *, actor: Actor, event: Event, four_eyes: bool | None, request: HttpRequest | None = None
) -> Event:
    """The event's own rule (None: the node's setting). This node's review only: not
    shared and not a new version of the event."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    user = authorise(actor, Action.CHANGE, event, request=request, object_type="event")
    if event.four_eyes == four_eyes:
        return event
    # Otherwise the officer who wants to confirm alone could first switch the rule off.
    switched_off = _applies(event.four_eyes) and not _applies(four_eyes)
    if switched_off and not user.has_perm("accounts.approve_handling"):
        reason = _("Only a supervisor may switch four-eyes confirmations off.")
        raise denial(actor, event, "event", reason, request)
    before, event.four_eyes = event.four_eyes, four_eyes
    event.save(update_fields=["four_eyes"])
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type="event",
        object_id=str(event.uid),
        changes={"four_eyes": [before, four_eyes]},
    )
    return event


def _audit(
    actor: Actor,
    candidate: Candidate,
    request: HttpRequest | None,
    detail: dict[str, str],
    before: str = PENDING,
) -> None:
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type=OBJECT,
        object_id=str(candidate.pk),
        changes={"status": [before, candidate.status]},
        detail={"list": str(candidate.list.uid), "person": str(candidate.person.uid)} | detail,
    )

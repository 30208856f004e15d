"""The review queue's decisions: confirm a candidate (a hit on the person, through the
registry's own action, which tells the owning partner) or clear it with a reason. Both are
remembered for the event, so the same applicant is not raised again for that person."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor, User
from liaison.audit.actions import log_event
from liaison.core.field_rules import FieldRuleError, text
from liaison.events.accreditation import ListError
from liaison.events.models import Candidate, CandidateStatus, Decision
from liaison.policy import Action, atomic_action, authorise
from liaison.registry.actions import HitData, record_hit
from liaison.registry.choices import AlertStatus, HitContext

OBJECT = "event_candidate"


def _locked(
    actor: Actor, candidate: Candidate, request: HttpRequest | None
) -> tuple[Candidate, User]:
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    authorise(actor, Action.VIEW, candidate.list.event, request=request, object_type="event")
    user = authorise(actor, Action.CREATE, request=request, object_type=OBJECT)
    authorise(actor, Action.VIEW, candidate.person, request=request, object_type="person")
    if candidate.status != CandidateStatus.PENDING:
        raise ListError(_("This candidate has already been decided."))
    return candidate, user


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
    """The applicant is the person: a hit is recorded on the person (event screening)."""
    candidate, user = _locked(actor, candidate, request)
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
    _audit(actor, candidate, request, {"hit": str(candidate.hit.uid)})
    return candidate


@atomic_action
def clear_candidate(
    *, actor: Actor, candidate: Candidate, reason: str, request: HttpRequest | None = None
) -> Candidate:
    """The applicant is not the person: cleared, with the reason, for the whole event."""
    candidate, user = _locked(actor, candidate, request)
    try:
        reason = text(reason.strip()) if reason.strip() else ""
    except FieldRuleError as error:
        raise ListError(str(error)) from None
    if not reason:
        raise ListError(_("Say why this candidate is cleared."))
    _remember(user, candidate, CandidateStatus.CLEARED, reason)
    _audit(actor, candidate, request, {"reason": reason})
    return candidate


def _audit(
    actor: Actor, candidate: Candidate, request: HttpRequest | None, detail: dict[str, str]
) -> None:
    log_event(
        action="alter",
        request=request,
        actor=actor,
        object_type=OBJECT,
        object_id=str(candidate.pk),
        changes={"status": ["pending", candidate.status]},
        detail={"list": str(candidate.list.uid), "person": str(candidate.person.uid)} | detail,
    )

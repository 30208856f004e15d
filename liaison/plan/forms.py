"""The plan's forms: each turns what was typed into the data its action takes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.field_rules import validate_line, validate_text
from liaison.core.forms import BootstrapForm, DateField
from liaison.plan.actions import ActionData, ObjectiveData
from liaison.plan.bodies import ACTION_FIELDS
from liaison.plan.choices import (
    ActionStatus,
    AssistanceKind,
    AssistanceStatus,
    EvidenceType,
    TrainingTopic,
)
from liaison.plan.delivery import AssistanceData, TrainingData
from liaison.plan.milestones import problems as milestone_problems
from liaison.plan.models import Objective, PlanAction, TechnicalAssistance, Training
from liaison.policy import HandlingCode

DATE = forms.DateInput(attrs={"type": "date"})


def _lines(value: str) -> list[str]:
    return [part.strip() for part in value.splitlines() if part.strip()]


def _handling() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Handling code"), choices=HandlingCode.choices, initial=HandlingCode.H0
    )


def _textarea(label: Any, help_text: Any = "", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_text],
    )


def parse_owners(text: str) -> list[dict[str, str]]:
    """ "ma: Cdt. Amrani" per line -> [{"service": "ma", "person": "Cdt. Amrani"}]."""
    owners = []
    for row in _lines(text):
        service, sep, person = row.partition(":")
        if not sep or not person.strip():
            raise forms.ValidationError(
                _("Write each owner as “service: person”, e.g. fr: Cdt. Martin (%(row)s).")
                % {"row": row[:40]}
            )
        owners.append({"service": service.strip(), "person": person.strip()})
    return owners


def _evidence_link(row: str) -> dict[str, str] | None:
    kind, _sep, uid = row.partition(" ")
    try:
        checked = str(UUID(uid.strip()))
    except ValueError:
        return None
    return {"type": kind, "uid": checked} if kind in EvidenceType.values else None


def parse_evidence(text: str) -> list[dict[str, str]]:
    """ "training 6f1c…" per line -> [{"type": "training", "uid": "6f1c…"}]; one error
    naming each malformed line. A well-formed link to a record not held here is kept: it
    may name a partner's record."""
    links = [(row, _evidence_link(row)) for row in _lines(text)]
    wrong = [
        forms.ValidationError(
            _("“%(row)s” is not a link: write “type uid”, type one of %(types)s.")
            % {"types": ", ".join(EvidenceType.values), "row": row[:60]}
        )
        for row, link in links
        if link is None
    ]
    if wrong:
        raise forms.ValidationError(wrong)
    return [link for _row, link in links if link is not None]


def _milestone(row: str) -> dict[str, Any]:
    """ "2026-03-31 | Workshop held | 2026-03-28" (the date reached only once reached)."""
    parts = [part.strip() for part in row.split("|")]
    if len(parts) not in (2, 3) or not parts[1]:
        raise ValueError(row)
    due, title, reached = parts[0], parts[1], (parts[2] if len(parts) == 3 else "")
    return {
        "title": title,
        "due_on": date.fromisoformat(due).isoformat(),
        "reached_on": date.fromisoformat(reached).isoformat() if reached else None,
    }


def parse_milestones(text: str) -> list[dict[str, Any]]:
    """One milestone per line -> [{"title", "due_on", "reached_on"}]; one error naming
    each line that is not one."""
    found, wrong = [], []
    for row in _lines(text):
        try:
            found.append(_milestone(row))
        except ValueError:
            wrong.append(
                forms.ValidationError(
                    _(
                        "“%(row)s” is not a milestone: write “due date | title”, and "
                        "“| date reached” once reached (dates as 2026-03-31)."
                    )
                    % {"row": row[:60]}
                )
            )
    if wrong:
        raise forms.ValidationError(wrong)
    return found


def owners_text(owners: list[dict[str, str]]) -> str:
    return "\n".join(f"{o['service']}: {o['person']}" for o in owners)


def evidence_text(evidence: list[dict[str, str]]) -> str:
    return "\n".join(f"{e['type']} {e['uid']}" for e in evidence)


def milestones_text(stored: list[dict[str, Any]]) -> str:
    rows = []
    for m in stored:
        reached = f" | {m['reached_on']}" if m.get("reached_on") else ""
        rows.append(f"{m['due_on']} | {m['title']}{reached}")
    return "\n".join(rows)


class ObjectiveForm(BootstrapForm):
    code = forms.CharField(label=_("Code"), max_length=16, validators=[validate_line])
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_line])
    description = _textarea(_("Description"))
    handling_code = _handling()

    @classmethod
    def for_objective(cls, objective: Objective, data: Any = None) -> ObjectiveForm:
        fields = ("code", "title", "description", "handling_code")
        return cls(data, initial={name: getattr(objective, name) for name in fields})

    def to_data(self) -> ObjectiveData:
        return ObjectiveData(**self.cleaned_data)


class ActionForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_line])
    description = _textarea(_("Description"))
    working_group = forms.CharField(
        label=_("Working group"), max_length=200, required=False, validators=[validate_line]
    )
    owners = _textarea(
        _("Owners on each side"), _("One per line: service: person, e.g. fr: Cdt. Martin")
    )
    starts_on = DateField(label=_("Starts on"), widget=DATE)
    due_on = DateField(label=_("Due on"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    evidence = _textarea(
        _("Evidence"), _("One per line: the record type and its uid, e.g. training 6f1c…")
    )
    milestones = _textarea(
        _("Milestones"),
        _(
            "One per line: due date | title, then | the date reached once reached, "
            "e.g. 2026-03-31 | Workshop held | 2026-03-28"
        ),
    )
    handling_code = _handling()

    def clean_milestones(self) -> list[dict[str, Any]]:
        return parse_milestones(self.cleaned_data["milestones"])

    def clean(self) -> dict[str, Any]:
        """Each milestone within the action's dates, none reached on a date to come."""
        cleaned = super().clean() or {}
        starts, due = cleaned.get("starts_on"), cleaned.get("due_on")
        if starts and due and "milestones" in cleaned:
            today = timezone.localdate()
            for problem in milestone_problems(cleaned["milestones"], starts, due, today):
                self.add_error("milestones", problem)
        return cleaned

    def clean_owners(self) -> list[dict[str, str]]:
        return parse_owners(self.cleaned_data["owners"])

    def clean_evidence(self) -> list[dict[str, str]]:
        return parse_evidence(self.cleaned_data["evidence"])

    @classmethod
    def for_action(cls, action: PlanAction, data: Any = None) -> ActionForm:
        initial = {name: getattr(action, name) for name in ACTION_FIELDS}
        initial |= {
            "owners": owners_text(action.owners),
            "evidence": evidence_text(action.evidence),
            "milestones": milestones_text(action.milestones),
            "handling_code": action.handling_code,
        }
        return cls(data, initial=initial)

    def to_data(self) -> ActionData:
        return ActionData(**self.cleaned_data)


# The parts typed one per line: compared as text with what the action has.
TEXT_PARTS: dict[str, Callable[[Any], str]] = {
    "owners": owners_text,
    "evidence": evidence_text,
    "milestones": milestones_text,
}


class ProposalForm(ActionForm):
    """The action's parts as they are; what the proposer changes is proposed."""

    reason = _textarea(_("Why"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["handling_code"]

    @classmethod
    def for_proposal(cls, action: PlanAction, data: Any = None) -> ProposalForm:
        form = ActionForm.for_action(action)
        return cls(data, initial=form.initial)

    def changes(self) -> dict[str, Any]:
        """Only the parts that differ from the action as it is (dates as ISO text)."""
        proposed = {}
        for name in ACTION_FIELDS:
            value = self.cleaned_data[name]
            if value != self.initial.get(name) and name not in TEXT_PARTS:
                proposed[name] = value.isoformat() if hasattr(value, "isoformat") else value
        for name, text in TEXT_PARTS.items():
            if text(self.cleaned_data[name]) != self.initial.get(name):
                proposed[name] = self.cleaned_data[name]
        return proposed


class DecisionForm(BootstrapForm):
    accepted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Accept the change")), ("no", _("Refuse the change"))],
        coerce=lambda value: value == "yes",
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, validators=[validate_text]
    )


class TrainingForm(BootstrapForm):
    topic = forms.ChoiceField(label=_("Topic"), choices=TrainingTopic.choices)
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_line])
    starts_on = DateField(label=_("Starts on"), widget=DATE)
    ends_on = DateField(label=_("Ends on"), widget=DATE)
    place = forms.CharField(
        label=_("Place"), max_length=200, required=False, validators=[validate_line]
    )
    remote = forms.BooleanField(label=_("Remote"), required=False)
    provider_node = forms.CharField(label=_("Providing service (node)"), max_length=32)
    receiver_node = forms.CharField(label=_("Receiving service (node)"), max_length=32)
    trainers = _textarea(_("Trainers"), _("One per line."))
    participants = forms.IntegerField(label=_("Participants"), min_value=0, max_value=100000)
    participant_list = _textarea(
        _("Participants' names"),
        _(
            "Optional. One per line: name; service; function (optional), e.g. "
            "Insp. Karim Alaoui; DGSN, Rabat; analyst. If given, one line per participant."
        ),
    )
    attended = forms.IntegerField(
        label=_("Attended"), min_value=0, max_value=100000, required=False
    )
    rating = forms.DecimalField(
        label=_("Participants' rating (1 to 5)"),
        min_value=1,
        max_value=5,
        max_digits=2,
        decimal_places=1,
        required=False,
    )
    handling_code = _handling()

    @classmethod
    def for_training(cls, training: Training, data: Any = None) -> TrainingForm:
        initial = {name: getattr(training, name) for name in cls.base_fields}
        names = "\n".join(_participant_line(p) for p in training.participant_list)
        initial |= {"trainers": "\n".join(training.trainers), "participant_list": names}
        return cls(data, initial=initial)

    def clean_participant_list(self) -> list[dict[str, str]]:
        return parse_participants(self.cleaned_data["participant_list"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        names, count = cleaned.get("participant_list"), cleaned.get("participants")
        if names and count is not None and len(names) != count:
            self.add_error(
                "participant_list",
                _("%(named)d participants named but %(count)d counted: name them all, or none.")
                % {"named": len(names), "count": count},
            )
        return cleaned

    def to_data(self) -> TrainingData:
        values = dict(self.cleaned_data)
        return TrainingData(**values | {"trainers": _lines(values["trainers"])})


def _participant_line(row: dict[str, str]) -> str:
    parts = [row.get("name", ""), row.get("service", ""), row.get("function", "")]
    return "; ".join(p for p in parts if p)


def parse_participants(text: str) -> list[dict[str, str]]:
    """ "name; service; function" per line -> [{"name", "service", "function"}]."""
    rows = []
    for row in _lines(text):
        parts = [part.strip() for part in row.split(";")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise forms.ValidationError(
                _(
                    "Write each participant as “name; service; function”, the function "
                    "optional (%(row)s)."
                )
                % {"row": row[:40]}
            )
        function = parts[2] if len(parts) == 3 else ""
        rows.append({"name": parts[0], "service": parts[1], "function": function})
    return rows


class AssistanceForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=AssistanceKind.choices)
    description = forms.CharField(label=_("What"), max_length=300, validators=[validate_line])
    provider_node = forms.CharField(label=_("Providing service (node)"), max_length=32)
    recipient_node = forms.CharField(label=_("Receiving service (node)"), max_length=32)
    recipient_unit = forms.CharField(
        label=_("Receiving unit"), max_length=200, required=False, validators=[validate_line]
    )
    starts_on = DateField(label=_("From"), widget=DATE)
    ends_on = DateField(label=_("Until"), widget=DATE, required=False)
    value_eur = forms.DecimalField(
        label=_("Value (EUR)"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    effort_days = forms.DecimalField(
        label=_("Effort (person-days)"),
        min_value=0,
        max_digits=7,
        decimal_places=1,
        required=False,
    )
    status = forms.ChoiceField(label=_("Status"), choices=AssistanceStatus.choices)
    handling_code = _handling()

    @classmethod
    def for_assistance(cls, assistance: TechnicalAssistance, data: Any = None) -> AssistanceForm:
        initial = {name: getattr(assistance, name) for name in cls.base_fields}
        return cls(data, initial=initial)

    def to_data(self) -> AssistanceData:
        return AssistanceData(**self.cleaned_data)

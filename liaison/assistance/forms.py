from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.assistance.actions import RequestData
from liaison.assistance.choices import RefusalCategory, RequestType, Step, Urgency
from liaison.core.field_rules import validate_line, validate_text
from liaison.core.forms import BootstrapForm, DateTimeField
from liaison.policy import HandlingCode

SHAREABLE_CODES = [c for c in HandlingCode.choices if c[0] != HandlingCode.H3]


def _uids(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", "\n").splitlines() if part.strip()]


class RequestForm(BootstrapForm):
    recipient_node = forms.ChoiceField(label=_("Partner service"))
    request_type = forms.ChoiceField(label=_("Type"), choices=RequestType.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[validate_line])
    text = forms.CharField(
        label=_("Request"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validate_text],
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    agreed_due = DateTimeField(
        label=_("Agreed deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Only for a deadline agreed with the partner."),
    )
    persons = forms.CharField(
        label=_("Linked persons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Person identifiers, one per line: only persons the partner already holds."),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"), choices=SHAREABLE_CODES, initial=HandlingCode.H0
    )

    def __init__(self, *args: Any, partners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient_node"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = partners

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = data.get("urgency") == Urgency.AGREED and not data.get("agreed_due")
        if missing and "agreed_due" not in self.errors:
            self.add_error("agreed_due", _("Give the date agreed with the partner."))
        return data

    def to_data(self) -> RequestData:
        data = self.cleaned_data
        return RequestData(
            recipient_node=data["recipient_node"],
            request_type=data["request_type"],
            subject=data["subject"],
            text=data["text"],
            urgency=data["urgency"],
            agreed_due=data["agreed_due"],
            persons=_uids(data["persons"]),
            handling_code=data["handling_code"],
        )


NOTE_LABELS = {
    Step.ACKNOWLEDGE: _("Note (optional)"),
    Step.ASK: _("Information needed"),
    Step.ANSWER: _("Answer"),
    Step.PARTLY_ANSWER: _("Answer (and what could not be answered)"),
    Step.REFUSE: _("Reason for the refusal"),
    Step.SUPPLY: _("Information asked for"),
    Step.WITHDRAW: _("Reason for withdrawing"),
}


class StepForm(BootstrapForm):
    refusal_category = forms.ChoiceField(
        label=_("Category of the refusal"),
        choices=[("", "—"), *RefusalCategory.choices],
        help_text=_("Counted in the cooperation indicators; the reason below says the rest."),
    )
    note = forms.CharField(
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[validate_text],
    )
    persons = forms.CharField(
        label=_("Persons to share with the answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Person identifiers, one per line; shared through the normal person share."),
    )

    def __init__(self, *args: Any, step: Step, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].label = NOTE_LABELS[step]
        self.fields["note"].required = step != Step.ACKNOWLEDGE
        if step not in (Step.ANSWER, Step.PARTLY_ANSWER):
            del self.fields["persons"]
        if step != Step.REFUSE:
            del self.fields["refusal_category"]

    def person_uids(self) -> list[str]:
        return _uids(self.cleaned_data.get("persons", ""))

"""Forms of the ban pages: record or change a ban, withdraw it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.accounts.models import Actor
from liaison.core.field_rules import validate_line, validate_text
from liaison.core.forms import BootstrapForm, DateField
from liaison.events.ban_queries import events_of_ban
from liaison.events.bans import BanData
from liaison.events.models import Ban, BanKind, Event
from liaison.events.queries import events_visible_to
from liaison.policy import HandlingCode


def _person_field() -> forms.UUIDField:
    field = forms.UUIDField(
        label=_("Person"),
        help_text=_("The person's identifier, as its page shows it (own or received)."),
    )
    field.widget.attrs["class"] = "form-control"
    return field


class BanForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=BanKind.choices)
    issuing_authority = forms.CharField(
        label=_("Issuing authority"),
        max_length=200,
        validators=[validate_line],
        help_text=_("The court or authority that issued the order, or the service reporting."),
    )
    valid_from = DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a risk supporter: the date by which the entry is reviewed or lapses."),
    )
    grounds = forms.CharField(
        label=_("Grounds"), widget=forms.Textarea(attrs={"rows": 3}), validators=[validate_text]
    )
    events = forms.ModelMultipleChoiceField(
        label=_("Events concerned"),
        queryset=Event.objects.none(),
        to_field_name="uid",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    competitions = forms.CharField(
        label=_("Competitions concerned"),
        required=False,
        max_length=500,
        validators=[validate_line],
        help_text=_("e.g. Botola Pro, Ligue 1, all national team matches"),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"),
        choices=[("", _("As the person")), *HandlingCode.choices],
        required=False,
        help_text=_("A ban is never less restricted than the person it concerns."),
    )

    def __init__(self, user: Actor, *args: Any, with_person: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events: Any = self.fields["events"]
        events.queryset = events_visible_to(user)
        if with_person:
            self.fields = {"person": _person_field(), **self.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("valid_from"), data.get("valid_until")
        if starts and ends and ends < starts:
            self.add_error("valid_until", _("A ban cannot end before it starts."))
        return data

    @classmethod
    def for_ban(cls, user: Actor, ban: Ban, data: Any = None) -> BanForm:
        names = ["kind", "issuing_authority", "valid_from", "valid_until", "grounds"]
        initial = {name: getattr(ban, name) for name in [*names, "competitions"]}
        events = list(events_of_ban(user, ban))  # the others are kept by update_ban
        initial |= {"handling_code": ban.handling_code, "events": events}
        return cls(user, data, initial=initial)

    def to_data(self) -> BanData:
        values = dict(self.cleaned_data)
        values.pop("person", None)
        values["events"] = [event.uid for event in values["events"]]
        return BanData(**values)


class WithdrawBanForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Why is the ban withdrawn?"),
        max_length=2000,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 2}),
    )

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.core.field_rules import validate_line, validate_text
from liaison.core.forms import BootstrapForm, DateField
from liaison.events.actions import EventData
from liaison.events.models import Event
from liaison.policy import HandlingCode


def _lines(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", "\n").splitlines() if part.strip()]


class EventForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=200, validators=[validate_line])
    starts_on = DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    host_node = forms.CharField(
        label=_("Host service (node)"), max_length=32, help_text=_("e.g. ma or fr")
    )
    partner_nodes = forms.CharField(
        label=_("Partner services involved (nodes)"),
        required=False,
        max_length=300,
        help_text=_("Comma-separated, e.g. fr, es"),
    )
    venues = forms.CharField(
        label=_("Venues"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_text],
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"), choices=HandlingCode.choices, initial=HandlingCode.H0
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error(
                "ends_on",
                _(
                    "%(ends)s is before the start (%(starts)s): an event cannot end before "
                    "it starts."
                )
                % {"ends": ends.isoformat(), "starts": starts.isoformat()},
            )
        return data

    @classmethod
    def for_event(cls, event: Event, data: Any = None) -> EventForm:
        initial = {name: getattr(event, name) for name in ("name", "starts_on", "ends_on")}
        initial |= {
            "host_node": event.host_node,
            "partner_nodes": ", ".join(event.partner_nodes),
            "venues": "\n".join(event.venues),
            "description": event.description,
            "handling_code": event.handling_code,
        }
        return cls(data, initial=initial)

    def to_data(self) -> EventData:
        values = dict(self.cleaned_data)
        values["venues"] = _lines(values["venues"])
        values["partner_nodes"] = _lines(values["partner_nodes"])
        return EventData(**values)

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.core.field_rules import validate_line, validate_text
from liaison.core.forms import BootstrapForm, DateField
from liaison.events.actions import EventData
from liaison.events.models import Event
from liaison.events.tables import Mapping
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


class UploadListForm(BootstrapForm):
    name = forms.CharField(
        label=_("Name of the list"),
        max_length=200,
        required=False,
        validators=[validate_line],
        help_text=_("e.g. Volunteers, Media, Contractors"),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=500,
        validators=[validate_line],
        help_text=_("Why this list is screened; recorded in the audit log."),
    )
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("A header row, then one person a row. CSV in UTF-8 or Windows-1256."),
    )


class MappingForm(BootstrapForm):
    """Which of the file's columns hold the names, date of birth, nationality, documents."""

    def __init__(self, columns: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(i), c or f"#{i + 1}") for i, c in enumerate(columns)]
        none = [("", _("(none)"))]
        self.fields["names"] = forms.MultipleChoiceField(
            label=_("Name columns (joined in the file's order)"),
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["alias"] = _single(_("Other name (e.g. in Arabic script)"), none + choices)
        self.fields["date_of_birth"] = _single(_("Date of birth"), none + choices)
        self.fields["nationality"] = _single(_("Nationality"), none + choices)
        self.fields["category"] = _single(
            _("Category (staff, volunteer, media, contractor, other)"), none + choices
        )
        self.fields["documents"] = forms.MultipleChoiceField(
            label=_("Document numbers"),
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    @staticmethod
    def initial_for(mapping: Mapping) -> dict[str, Any]:
        def one(value: int | None) -> str:
            return "" if value is None else str(value)

        return {
            "names": [str(i) for i in mapping.names],
            "alias": one(mapping.alias),
            "date_of_birth": one(mapping.date_of_birth),
            "nationality": one(mapping.nationality),
            "documents": [str(i) for i in mapping.documents],
            "category": one(mapping.category),
        }

    def to_mapping(self) -> Mapping:
        data = self.cleaned_data

        def one(name: str) -> int | None:
            return int(data[name]) if data.get(name) else None

        return Mapping(
            names=[int(i) for i in data["names"]],
            alias=one("alias"),
            date_of_birth=one("date_of_birth"),
            nationality=one("nationality"),
            documents=[int(i) for i in data.get("documents") or []],
            category=one("category"),
        )


def _single(label: Any, choices: list[tuple[str, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, required=False)


class ClearForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason for clearing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text],
    )


class RejectForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason for rejecting the proposal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text],
    )


class FourEyesForm(BootstrapForm):
    """The event's four-eyes rule: the node's setting, always, or never."""

    four_eyes = forms.ChoiceField(
        label=_("Confirmations need a second officer"),
        choices=[
            ("node", _("As the node's setting")),
            ("on", _("Yes (four-eyes)")),
            ("off", _("No")),
        ],
    )

    def value(self) -> bool | None:
        return {"node": None, "on": True, "off": False}[self.cleaned_data["four_eyes"]]

    @staticmethod
    def choice(four_eyes: bool | None) -> str:
        return "node" if four_eyes is None else ("on" if four_eyes else "off")

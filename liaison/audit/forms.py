from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.audit.choices import Action

_TEXT = {"class": "form-control form-control-sm"}
_WHEN = forms.DateTimeInput(attrs={**_TEXT, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AuditFilterForm(forms.Form):
    """The auditor's filters; every field is optional and they combine with AND."""

    user = forms.CharField(label=_("User"), required=False, max_length=150)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=128)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *Action.choices]
    )
    since = forms.DateTimeField(label=_("From"), required=False, widget=_WHEN)
    until = forms.DateTimeField(label=_("Until"), required=False, widget=_WHEN)
    purpose = forms.CharField(label=_("Purpose contains"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in ("since", "until"):
                css = "form-select form-select-sm" if name == "action" else _TEXT["class"]
                field.widget.attrs["class"] = css

    def filters(self) -> dict[str, Any]:
        """The filters in use, for queries.filter_entries (call after is_valid())."""
        return {name: value for name, value in self.cleaned_data.items() if value}

    def described(self) -> dict[str, str]:
        """The filters in use as text, for the export's own audit entry."""
        return {name: str(value) for name, value in self.filters().items()}

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class BootstrapForm(forms.Form):
    """Gives each widget Bootstrap's class, so templates can render `{{ field }}` as is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _shown(value: object) -> str:
    """The value as typed, short and on one line, for a message about it."""
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else f"{text[:40]}…"


class DateField(forms.DateField):
    """A date; an impossible one (1990-02-30) is refused with a message naming it."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("%(value)s is not a real date: use YYYY-MM-DD."),
                code="invalid",
                params={"value": _shown(value)},
            ) from None


class DateTimeField(forms.DateTimeField):
    """A date and time; an impossible one is refused with a message naming it."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("%(value)s is not a real date and time: use YYYY-MM-DD HH:MM."),
                code="invalid",
                params={"value": _shown(value)},
            ) from None

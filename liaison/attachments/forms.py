from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.core.field_rules import validate_line
from liaison.core.forms import BootstrapForm


class AttachmentForm(BootstrapForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG, JPEG, plain text, Word, Excel, PowerPoint or OpenDocument."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        required=False,
        validators=[validate_line],
    )

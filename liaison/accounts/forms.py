from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. Both are case-sensitive."),
        "inactive": _("This account is disabled. Ask your node administrator."),
    }

    def clean(self) -> dict[str, object]:
        # AuthenticationForm sets the username's max_length after the field is built, so it
        # is not validated; an over-long username would reach authenticate() and the lockout
        # table (varchar 255), which PostgreSQL refuses with an error.
        if len(self.data.get("username", "")) > USERNAME_MAX_LENGTH:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return super().clean()


USERNAME_MAX_LENGTH = 150


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app; spaces are tolerated."""

    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Enter the six digits shown by your authenticator app."))
        return token

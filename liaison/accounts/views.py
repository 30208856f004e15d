from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from liaison.accounts.forms import LoginForm, TokenForm
from liaison.accounts.middleware import two_factor_satisfied
from liaison.accounts.models import Actor


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        # Always through the second factor; it forwards to `next` once passed.
        target = self.get_redirect_url()
        url: str = _two_factor_url()
        return f"{url}?{urlencode({'next': target})}" if target else url


def _two_factor_url() -> str:
    return reverse("accounts:two_factor")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def _confirmed_device(user: Actor) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Ask for the TOTP code, or send a user without an authenticator to enrol."""
    if two_factor_satisfied(request):
        return redirect(_safe_next(request))
    device = _confirmed_device(request.user)
    if device is None:
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_safe_next(request))
        _log_wrong_code(request, stage="verify")
        form.add_error("token", _("This code is wrong or has expired. Try the current one."))
    return render(request, "accounts/two_factor.html", {"form": form, "next": _safe_next(request)})


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app by QR code. Only for users who have none yet:
    someone holding just the password must not be able to add a second device."""
    if _confirmed_device(request.user) is not None:
        return redirect("accounts:two_factor")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is now on for your account."))
            return redirect(_safe_next(request))
        _log_wrong_code(request, stage="enrol")
        form.add_error("token", _("This code is wrong or has expired. Try the current one."))
    context = {
        "form": form,
        "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5),
        "secret": _base32_secret(device),
        "next": _safe_next(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def _log_wrong_code(request: HttpRequest, *, stage: str) -> None:
    from liaison.audit.actions import log_event

    log_event(action="login_failed", request=request, detail={"second_factor": stage})


def _base32_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes calls this when a username is locked after too many failed logins."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)

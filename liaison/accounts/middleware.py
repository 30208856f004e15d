from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

# Paths a signed-in but not yet verified user may reach: the 2FA pages themselves,
# signing out, switching language, static files and the health check.
_OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/api/",
)


def two_factor_satisfied(request: HttpRequest) -> bool:
    user = request.user
    # django_otp's OTPMiddleware gives every request.user is_verified(); the stubs miss it.
    if user.is_verified():  # type: ignore[union-attr]
        return True
    return bool(settings.DEMO_MODE and getattr(user, "is_demo", False))


class RequireTwoFactorMiddleware:
    """Every signed-in session must pass TOTP before it reaches any page.

    The API checks the same rule in its own authentication (liaison/api.py), where a
    redirect would be the wrong answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not two_factor_satisfied(request)
        ):
            return redirect("accounts:two_factor")
        return self.get_response(request)

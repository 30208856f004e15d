"""Every route is closed to anonymous users, except the few that must be public."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {
    "/accounts/login/",
    "/healthz",
    "/i18n/setlang/",  # only sets the language cookie
    "/api/v1/",  # the API root has no page (the browsable docs are off): 404 for everyone
    "/.well-known/liaison-node",  # the node's public identity, for partners to pin
    "/federation/v1/envelopes",  # authenticated by signature; tests/exchange covers refusals
    "/federation/v1/queries",  # authenticated by signature; tests/witness covers refusals
    "/federation/v1/batches",  # authenticated by signature; tests/exchange covers refusals
    "/metrics",  # a bearer token (404 until configured); tests/core/test_metrics.py
}


def _routes(patterns: list, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            # Fill path converters with a plausible value; the view must refuse before lookup.
            route = re.sub(r"<(?:int:)?\w+>", "1", route)
            route = re.sub(r"<\w+:\w+>", "00000000-0000-0000-0000-000000000000", route)
            routes.append("/" + route.lstrip("^").rstrip("$"))
    return routes


ROUTES = sorted(set(_routes(get_resolver().url_patterns)))


def test_the_route_list_is_not_empty() -> None:
    assert "/" in ROUTES and "/api/v1/me" in ROUTES and "/api/v1/openapi.json" in ROUTES


@pytest.mark.parametrize("route", [r for r in ROUTES if r not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_are_sent_to_sign_in_or_refused(route: str, method: str) -> None:
    response = getattr(Client(), method)(route)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code in (401, 403, 405), (route, response.status_code)


def test_health_check_reports_the_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_security_headers_are_sent() -> None:
    response = Client().get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize("route", ["/no-such-page", "/api/v1/"])
def test_unknown_pages_get_404(route: str) -> None:
    assert Client().get(route).status_code == 404


@pytest.mark.parametrize(
    "asset",
    [
        "vendor/htmx/htmx.min.js",
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.rtl.min.css",
        "liaison/liaison.js",
        "liaison/liaison.css",
    ],
)
def test_vendored_assets_are_served_by_the_node_itself(asset: str) -> None:
    response = Client().get(f"/static/{asset}")
    assert response.status_code == 200
    assert int(response["Content-Length"]) > 100

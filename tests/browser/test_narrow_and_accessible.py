"""Every main page at 390 px wide (a phone), in French and in Arabic: nothing wider than the
viewport, the user's name and sign-out reachable, and no serious or critical accessibility
violation found by axe-core (vendored: tests/browser/vendor/README.md).

One signed-in walk per language through the pages (one browser for the session, one page
for the walk); every problem is collected so that one run lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from liaison.accounts.models import User
from liaison.events.actions import EventData, create_event
from liaison.registry.actions import (
    AlertData,
    HitData,
    NameData,
    PersonData,
    WarrantData,
    create_alert,
    create_person,
    create_warrant,
    record_hit,
)
from liaison.registry.models import Person
from tests.conftest import PASSWORD, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_URL = "/__tests__/axe.min.js"
JS = "text/javascript"
PHONE = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}
PURPOSE = "Identity check at Tanger Med"


@pytest.fixture
def phone(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale=request.param)
    # axe is served as if from the node itself: the pages' CSP (script-src 'self', no
    # inline code) stays on, so a violation by the page still shows in the console.
    context.route(f"**{AXE_URL}", lambda route: route.fulfill(path=AXE, content_type=JS))
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def records(make_user: Callable[..., User]) -> tuple[User, Person, Any]:
    """A user holding every role (every menu item shows: the widest navigation bar) and a
    person with a warrant, an alert, a hit, a change in the timeline; an event."""
    user = make_user("nadia.benkirane", "supervisor", "liaison_officer", "auditor", "node_admin")
    names = [NameData("عبد اللطيف ولد الشريف"), NameData("Abdellatif Ould Cherif", kind="alias")]
    person = create_person(
        actor=user,
        data=PersonData(
            category="wanted", names=names, birth_dates=["1979-06-14"], nationalities=["MA"]
        ),
    )
    soon = timezone.localdate() + timedelta(days=30)
    warrant = create_warrant(
        actor=user,
        person=person,
        data=WarrantData(
            issuing_country="MA",
            issuing_authority="Procureur du Roi près le tribunal de première instance, Rabat",
            reference="RBT-2026-000077-INTERNATIONAL",
            issued_on=date(2026, 2, 1),
            offences=["drugs", "organised_crime"],
            max_penalty_months=120,
            extradition_sought=True,
            review_date=soon,
        ),
    )
    alert = create_alert(
        actor=user,
        person=person,
        data=AlertData(
            alert_type="arrest",
            action_on_hit="Arrest and inform the liaison officer on duty.",
            warrant_id=warrant.pk,
            not_political_declared=True,
            review_date=soon,
        ),
    )
    record_hit(
        actor=user,
        person=person,
        data=HitData(
            encountered_name="Abdelatif Ould Cherif",
            encountered_on=timezone.now() - timedelta(hours=2),
            place="Tanger Med, passenger terminal",
            context="border_check",
            alert_id=alert.pk,
        ),
    )
    event = create_event(
        actor=user,
        data=EventData(
            name="Coupe d'Afrique des Nations 2025",
            starts_on=date(2025, 12, 21),
            ends_on=date(2026, 1, 18),
            host_node="ma",
            venues=["Stade Prince Moulay Abdellah, Rabat", "Grand Stade de Tanger"],
            partner_nodes=["fr"],
        ),
    )
    return user, person, event


def sign_in(page: Any, base_url: str, user: User) -> None:
    """conftest.sign_in, by selectors rather than English button labels."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/**")
    page.fill("input[name=token]", current_code(user))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def _pages(person: Person, event: Any) -> list[tuple[str, str]]:
    search = f"/registry/?name=Abdellatif+Ould+Cherif&purpose={PURPOSE.replace(' ', '+')}"
    return [
        ("home", "/"),
        ("search", search),
        ("person", f"/registry/persons/{person.uid}/"),
        ("person form", "/registry/persons/new/"),
        ("warrant form", f"/registry/persons/{person.uid}/warrants/new/"),
        ("subject access report", f"/registry/persons/{person.uid}/access/"),
        ("reviews", "/registry/reviews/"),
        ("audit", "/audit/"),
        ("events", "/events/"),
        ("event", f"/events/{event.uid}/"),
        ("partner nodes", "/federation/peers/"),
        ("plan", "/plan/"),
        ("requests", "/requests/"),
        ("new request", "/requests/new/"),
        ("groups", "/groups/"),
        ("cases", "/groups/cases/"),
        ("intel", "/intel/"),
        ("new report", "/intel/new/"),
        ("list upload", f"/events/{event.uid}/lists/new/"),
        ("event report", f"/events/{event.uid}/report/"),
    ]


def _overflow(page: Any) -> str:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return "" if widths[0] <= widths[1] else f"page is {widths[0]} px wide in {widths[1]} px"


def _axe(page: Any) -> list[str]:
    page.add_script_tag(url=AXE_URL)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"axe {v['impact']} {v['id']}: {v['help']} ({_targets(v)})"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def _targets(violation: dict[str, Any]) -> str:
    return ", ".join(str(node["target"][0]) for node in violation["nodes"][:5])


def _reachable(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    width = page.viewport_size["width"]
    return (
        box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width
    )


def _account_reachable(page: Any) -> list[str]:
    """The username and sign-out, behind the menu button at this width."""
    toggle = page.locator("#menu-toggle")
    problems = []
    if toggle.is_visible():
        toggle.click()
        page.wait_for_selector("#main-menu.show")
    for selector in ("#current-user", "#sign-out"):
        if not page.locator(selector).is_visible() or not _reachable(page, selector):
            problems.append(f"{selector} not visible within the viewport")
    if toggle.is_visible():
        toggle.click()
    return problems


def _check(page: Any, name: str, *, signed_in: bool = True) -> list[str]:
    problems = [_overflow(page), *_axe(page)]
    if signed_in:
        problems += _account_reachable(page)
    return [f"{name} ({page.url}): {p}" for p in problems if p]


@pytest.mark.parametrize("phone", ["fr-FR", "ar"], indirect=True)
def test_main_pages_fit_a_phone_and_pass_axe(
    live_server: Any, phone: Any, records: tuple[User, Person, Any]
) -> None:
    user, person, event = records
    page = phone
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    language = page.get_attribute("html", "lang")
    assert language in ("fr", "ar")
    problems = _check(page, "login", signed_in=False)
    sign_in(page, live_server.url, user)
    for name, path in _pages(person, event):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, (name, path)
        assert page.get_attribute("html", "lang") == language
        problems += _check(page, name)
    # Between a phone and a desktop (a tablet, a small laptop) the bar is unfolded: it fits too.
    for width in (768, 1024, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/audit/")
        problems += [
            f"at {width} px: {p}" for p in (_overflow(page), *_account_reachable(page)) if p
        ]
    assert problems == [], "\n".join(problems)
    assert errors == []


@pytest.mark.parametrize("phone", ["ar"], indirect=True)
def test_the_keyboard_finds_a_skip_link_and_a_visible_focus_ring(
    live_server: Any, phone: Any, make_user: Callable[..., User]
) -> None:
    page = phone
    sign_in(page, live_server.url, make_user("amina", "officer"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className").find("skip-link") >= 0
    assert _reachable(page, ".skip-link")  # shown once focused, inside the viewport
    assert _ring(page) >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.keyboard.press("Shift+Tab")  # back into the navigation bar, on the dark background
    page.focus("#menu-toggle")
    page.keyboard.press("Enter")
    page.wait_for_selector("#main-menu.show")
    assert page.get_attribute("#menu-toggle", "aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('nav-link')")
    assert _ring(page) >= 2
    page.keyboard.press("Escape")
    assert page.get_attribute("#menu-toggle", "aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "menu-toggle"


def _ring(page: Any) -> float:
    """The focused element's outline width in px (0 when there is no visible outline)."""
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    return 0.0 if style[0] == "none" else float(style[1])

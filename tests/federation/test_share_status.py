"""Two live nodes: the sender's person page says a share was delivered once the partner's
signed receipt is back, and names the partner by its service; the partner's page says
from which service and when its copy came."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.cookiejar import CookieJar

import pytest
from django_otp.oath import totp

from tests.federation.conftest import AGENCIES, Node, peer, wait_for

pytestmark = [pytest.mark.federation, pytest.mark.xdist_group("federation-share-status")]

PASSWORD = "correct horse battery staple"  # a test account on a test node


@pytest.fixture(scope="module")
def nodes(make_nodes: Callable[..., list[Node]]) -> tuple[Node, Node]:
    ma, fr = make_nodes("ma", "fr")
    peer(ma, fr)
    ma.start()
    fr.start()
    return ma, fr


class Browser:
    """A signed-in officer on a live node's pages: password, TOTP code, purpose stated."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        code = "from tests.federation.share_status_helpers import web_user; "
        code += f"web_user('web', {PASSWORD!r})"
        out = node.cli("shell", "--no-imports", "-c", code)
        key = bytes.fromhex(json.loads(out.strip().splitlines()[-1])["key"])
        self.post("/accounts/login/", {"username": "web", "password": PASSWORD})
        self.post("/accounts/2fa/", {"token": f"{totp(key):06d}"})
        self.post("/registry/purpose/", {"purpose": "Live share status check", "next": "/"})

    def get(self, path: str) -> str:
        with self.opener.open(self.node.url + path, timeout=30) as response:
            return str(response.read().decode())

    def post(self, path: str, fields: dict[str, str]) -> str:
        """A form's POST with the CSRF cookie's token (the login page sets it)."""
        if "csrftoken" not in self.cookies:
            self.get(path)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.cookies["csrftoken"]})
        request = urllib.request.Request(self.node.url + path, data=data.encode())  # noqa: S310
        with self.opener.open(request, timeout=30) as response:
            return str(response.read().decode())

    @property
    def cookies(self) -> dict[str, str]:
        return {cookie.name: str(cookie.value) for cookie in self.jar}


def _rows(page: str, kind: str = "share-row") -> list[str]:
    bodies = re.findall(rf'<tr class="{kind}" ([^>]*>.*?)</tr>', page, re.S)
    bodies = [re.sub(r"</?bdi[^>]*>", "", body) for body in bodies]
    return [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", b).split())) for b in bodies]


def test_a_share_shows_delivered_on_the_senders_page_once_the_partner_acknowledges(
    nodes: tuple[Node, Node],
) -> None:
    ma, fr = nodes
    person = {"category": "wanted", "names": [{"full_name": "Rachid Alaoui"}]}
    status, created = ma.api("POST", "/persons", person)
    assert status == 201, created
    uid = created["uid"]
    on_ma = Browser(ma)
    assert 'id="share-none"' in on_ma.get(f"/registry/persons/{uid}/")

    form_page = on_ma.get(f"/registry/persons/{uid}/")
    assert 'id="share-form"' in form_page and AGENCIES["fr"][0] in form_page
    page = on_ma.post(f"/registry/persons/{uid}/share/", {"partner": "fr"})
    assert "is queued for delivery" in html.unescape(page)

    def delivered() -> str:
        shown = on_ma.get(f"/registry/persons/{uid}/")
        return shown if 'data-state="delivered"' in shown else ""

    page = wait_for(delivered, timeout=60)
    [row] = _rows(page)
    assert AGENCIES["fr"][0] in row and "by web on" in row
    assert "The partner holds the current version (1)." in row
    # The page says what the partner's signed receipt said: fr holds the copy now.
    status, shares = ma.api("GET", f"/persons/{uid}/shares")
    assert status == 200 and shares["status"][0]["state"] == "delivered"
    assert shares["status"][0]["delivered"]["receipt_status"] == "applied"

    on_fr = Browser(fr)
    copy = on_fr.get(f"/registry/persons/{uid}/")
    [received] = _rows(copy, "share-received")
    assert f"received from {AGENCIES['ma'][0]} on" in received and "version" in received
    assert _rows(copy) == []  # nothing of it was shared from fr

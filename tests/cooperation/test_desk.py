"""Joint cases on the liaison officers' desk: a case a partner opens in our group and each
change to its part; other roles do not get the section."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from liaison.accounts.models import User
from tests.cooperation.conftest import Send, our_group
from tests.cooperation.test_cases import FR_CASE, fr_case, fr_part

pytestmark = pytest.mark.django_db


def _section(page: str) -> str:
    return page.split('id="desk-cases"')[1].split("</section>")[0]


def test_a_partner_case_and_its_comments_reach_the_liaison_officers_desk(
    send: Send, liaison: User, make_user: Callable[..., User], login: Callable[[User], Client]
) -> None:
    group = our_group(liaison)
    send("case.upsert", fr_case(group=str(group.uid)))
    client = login(liaison)
    section = _section(client.get("/").content.decode())
    assert "Joint case opened by a partner" in section and "Billetterie frauduleuse" in section
    send("case.part", fr_part(FR_CASE))
    section = _section(client.get("/").content.decode())
    assert "A partner added to a joint case" in section
    opened = re.search(r'href="(/desk/cases/[0-9a-f-]+/)"', section)
    assert opened is not None
    assert client.get(opened.group(1))["Location"] == f"/groups/cases/{FR_CASE}/"
    officer = login(make_user("off", "officer")).get("/").content.decode()
    assert 'id="desk-cases"' not in officer

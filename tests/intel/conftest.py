"""A cast for intelligence: a partner (fr) that shares reports with us (ma), a third
partner (es), our liaison officer, analyst and officer, and reports both ways."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from liaison.accounts.models import User
from liaison.exchange.models import Peer
from liaison.exchange.sharing import record_type
from liaison.intel.actions import ReportData, create_report
from liaison.intel.models import Report

FACTS = "Trois camions ont franchi le port de Tanger Med entre le 3 et le 17 mars."
ASSESSMENT = "Nous estimons que la filière utilise la même société de transport."


@pytest.fixture
def peers(db: None) -> dict[str, Peer]:
    return {
        node: Peer.objects.create(
            node_id=node, url="http://127.0.0.1:9", fingerprint=str(i) * 64, agency=f"{node} police"
        )
        for i, node in enumerate(("fr", "es"))
    }


@pytest.fixture
def liaison(make_user: Callable[..., User], peers: dict[str, Peer]) -> User:
    return make_user("liaison", "liaison_officer")


def report_data(**extra: Any) -> ReportData:
    values: dict[str, Any] = {
        "title": "Filière de Tanger Med",
        "summary": "Camions de légumes.",
        "facts": FACTS,
        "assessment": ASSESSMENT,
        "source_reliability": "B",
        "information_credibility": "2",
        "recipients": ["fr"],
        "handling_code": "H2",
    }
    return ReportData(**(values | extra))


@pytest.fixture
def our_report(officer: User) -> Report:
    return create_report(actor=officer, data=report_data())


def partner_body(**extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "owner": "fr",
        "version": 1,
        "handling_code": "H2",
        "review_date": None,
        "title": "Faux documents à Marseille",
        "summary": "",
        "facts": "Douze titres saisis le 8 février.",
        "assessment": "Probablement liée à la filière de Tanger.",
        "source_reference": "FR-SRC-7",
        "grading_scheme": "europol",
        "source_reliability": "B",
        "information_credibility": "3",
        "originator_service": "Police nationale",
        "author": "Analyste FR",
        "recipients": ["ma"],
    }
    return values | extra


def receive(sender: str, name: str, body: dict[str, Any]) -> Any:
    """Apply a partner's envelope body as the exchange would (validated, in a transaction)."""
    kind = record_type(name)
    with transaction.atomic():
        return kind.apply(sender, kind.body.model_validate(body))


@pytest.fixture
def their_report(peers: dict[str, Peer]) -> Report:
    body = partner_body()
    receive("fr", "report", body)
    return Report.objects.get(uid=body["uid"])

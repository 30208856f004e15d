from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.registry import actions
from liaison.registry.models import Warrant
from tests.registry.conftest import arrest_alert

pytestmark = pytest.mark.django_db


def test_screening_uses_persons_with_active_alerts_and_is_audited(
    tmp_path: Path, officer: User, warrant: Warrant
) -> None:
    actions.create_alert(actor=officer, person=warrant.person, data=arrest_alert(warrant))
    source = tmp_path / "accreditations.csv"
    source.write_text(
        "name,date_of_birth\nMuhammad bin Abdullah,1984-03-12\nClaire Martin,1990\n",
        encoding="utf-8-sig",
    )
    output = tmp_path / "hits.csv"
    call_command("screen", str(source), "-o", str(output))
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [r["watchlist_id"] for r in rows] == [str(warrant.person.uid)]
    entry = AuditEntry.objects.get(action="combine")
    assert entry.detail["rows"] == 2 and entry.detail["hits"] == 1


def test_screening_refuses_an_empty_watchlist(tmp_path: Path, warrant: Warrant) -> None:
    source = tmp_path / "list.csv"
    source.write_text("name\nA B\n", encoding="utf-8")
    with pytest.raises(CommandError, match="watchlist is empty"):
        call_command("screen", str(source), "-o", str(tmp_path / "out.csv"))


def test_screening_also_uses_persons_with_a_ban_in_force_as_event_lists_do(
    tmp_path: Path, officer: User
) -> None:
    from liaison.events.bans import create_ban
    from liaison.registry.actions import NameData, PersonData, create_person
    from tests.events.test_bans import stadium_ban

    data = PersonData(category="convicted", names=[NameData("Karim Benali")])
    supporter = create_person(actor=officer, data=data)  # no alert: only the ban
    create_ban(actor=officer, person=supporter, data=stadium_ban())
    source = tmp_path / "stewards.csv"
    source.write_text("name\nKarim Benali\nClaire Martin\n", encoding="utf-8")
    output = tmp_path / "hits.csv"
    call_command("screen", str(source), "-o", str(output))
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [r["watchlist_id"] for r in rows] == [str(supporter.uid)]

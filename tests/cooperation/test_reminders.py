"""Tasks due: the desk shows the liaison officers the open tasks assigned to this service
due within LIAISON_TASK_REMINDER_DAYS (overdue ones marked, the least time left first), and
the reminder job reminds each once (audited, e-mailed when notifications are on); a second
run sends nothing. The clock is passed in, never slept on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditEntry
from liaison.cooperation.case_actions import add_task, open_case, report_progress
from liaison.cooperation.models import JointCase, TaskReminder
from liaison.cooperation.reminders import remind_due_tasks
from liaison.desk.mail import send_pending
from liaison.desk.models import MailNotice
from liaison.desk.queries import unread_counts
from tests.cooperation.conftest import our_group

pytestmark = pytest.mark.django_db


def _case(user: User) -> JointCase:
    return open_case(actor=user, group=our_group(user), title="Réseau Benali", summary="Lyon.")


def _task(user: User, case: JointCase, title: str, due: date | None, node: str = "ma") -> str:
    part = add_task(actor=user, case=case, title=title, assignee_node=node, due_on=due)
    return str(part.tasks[-1]["uid"])


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9)))


def _reminders() -> list[tuple[str, str]]:
    rows = AuditEntry.objects.filter(origin="task", detail__step="reminded").order_by("seq")
    return [(e.detail["task"], e.detail["due"]) for e in rows]


def test_the_desk_lists_our_tasks_due_soon_least_time_left_first(
    fr: Any, liaison: User, login: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    today = timezone.localdate()
    case = _case(liaison)
    _task(liaison, case, "Dans deux jours", today + timedelta(days=2))
    _task(liaison, case, "En retard", today - timedelta(days=1))
    _task(liaison, case, "Dans trois jours", today + timedelta(days=3))  # not yet
    _task(liaison, case, "Sans date", None)
    _task(liaison, case, "Pour la France", today, node="fr")  # fr's to do
    finished = _task(liaison, case, "Terminée", today)
    report_progress(actor=liaison, case=case, task=finished, status="done")
    page = login(liaison).get("/").content.decode()
    section = page[page.index('id="desk-tasks_due"') :]
    assert section.index("En retard") < section.index("Dans deux jours")
    assert "Overdue task" in section and "Task due soon" in section
    for absent in ("Dans trois jours", "Sans date", "Pour la France", "Terminée"):
        assert absent not in section
    assert unread_counts(liaison)["tasks_due"] == 2
    with override_settings(TASK_REMINDER_DAYS=3):
        assert unread_counts(liaison)["tasks_due"] == 3
    officer = login(make_user("officer", "officer")).get("/").content.decode()
    assert 'id="desk-tasks_due"' not in officer  # reporting progress is the liaison's work


def test_each_task_is_reminded_once_and_a_second_run_sends_nothing(fr: Any, liaison: User) -> None:
    case = _case(liaison)
    monday = date(2026, 12, 7)
    soon = _task(liaison, case, "Identifier le bateau", monday + timedelta(days=2))
    later = _task(liaison, case, "Rapport", monday + timedelta(days=10))
    _task(liaison, case, "Pour la France", monday, node="fr")
    assert remind_due_tasks(now=_at(monday)) == 1
    assert _reminders() == [(soon, "2026-12-09")]
    assert remind_due_tasks(now=_at(monday)) == 0
    assert remind_due_tasks(now=_at(monday + timedelta(days=1))) == 0
    assert _reminders() == [(soon, "2026-12-09")]
    # Eight days later the report is due in two days: reminded once in turn.
    assert remind_due_tasks(now=_at(monday + timedelta(days=8))) == 1
    assert _reminders() == [(soon, "2026-12-09"), (later, "2026-12-17")]
    assert TaskReminder.objects.count() == 2
    assert not MailNotice.objects.exists()  # e-mail is off by default


def test_a_task_done_before_its_reminder_is_not_reminded(fr: Any, liaison: User) -> None:
    case = _case(liaison)
    monday = date(2026, 12, 7)
    task = _task(liaison, case, "Identifier le bateau", monday)
    report_progress(actor=liaison, case=case, task=task, status="done")
    assert remind_due_tasks(now=_at(monday)) == 0 and _reminders() == []


@override_settings(EMAIL_NOTIFICATIONS=True, PUBLIC_URL="https://liaison.ma.example")
def test_a_reminder_mails_the_liaison_officers_a_link_and_nothing_else(
    fr: Any, liaison: User, make_user: Callable[..., User]
) -> None:
    liaison.email = "lo@ma.example"
    liaison.save(update_fields=["email"])
    make_user("officer", "officer", email="officer@ma.example")  # not the liaison's work
    make_user("lo2", "liaison_officer")  # no address
    case = _case(liaison)
    monday = date(2026, 12, 7)
    _task(liaison, case, "Identifier le bateau Benali", monday)
    assert remind_due_tasks(now=_at(monday)) == 1
    assert send_pending() == 1
    [message] = mail.outbox
    assert message.to == ["lo@ma.example"]
    assert message.body == (
        f"A task of a joint case is due: https://liaison.ma.example/groups/cases/{case.uid}/"
    )
    assert "Benali" not in message.subject + message.body
    assert remind_due_tasks(now=_at(monday)) == 0 and send_pending() == 0
    assert len(mail.outbox) == 1


def test_the_command_reminds_as_of_the_time_given(fr: Any, liaison: User) -> None:
    case = _case(liaison)
    _task(liaison, case, "Identifier le bateau", date(2026, 12, 9))
    out = StringIO()
    call_command("tasks-remind", "--now", "2026-12-01T10:00+00:00", stdout=out)
    assert out.getvalue().strip() == "0 task(s) reminded."
    call_command("tasks-remind", "--now", "2026-12-08T10:00+00:00", stdout=out)
    assert out.getvalue().strip().endswith("1 task(s) reminded.")
    with pytest.raises(Exception, match="time zone"):
        call_command("tasks-remind", "--now", "2026-12-08T10:00")


# A liaison officer's desk: the same from 1 to 6 tasks due (the tasks' section lists its
# first rows in one query, with their cases).
# + the events section's partners' bans, + the confirmations awaiting a second officer
TASKS_DESK_QUERIES = 30


@pytest.mark.parametrize("count", [1, 6])
def test_the_liaison_desk_with_tasks_due_costs_a_fixed_number_of_queries(
    fr: Any,
    liaison: User,
    login: Callable[[User], Client],
    django_assert_num_queries: Any,
    count: int,
) -> None:
    case = _case(liaison)
    for n in range(count):
        _task(liaison, case, f"Tâche {n}", timezone.localdate() + timedelta(days=n % 3 - 1))
    client = login(liaison)
    client.get("/")
    with django_assert_num_queries(TASKS_DESK_QUERIES):
        assert client.get("/").status_code == 200

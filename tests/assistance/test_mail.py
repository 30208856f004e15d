"""Notifications by e-mail (liaison/desk/mail.py), off by default: a request for assistance
received goes to the liaison officers, an escalated one to the supervisors, each with an
address; the mail carries a link and no content. Django's test outbox (the locmem backend)
receives them; a mail server that is down loses nothing and fails no action."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings

from liaison.accounts.models import User
from liaison.assistance.actions import escalate_overdue
from liaison.assistance.models import Reply
from liaison.desk.mail import send_pending
from liaison.desk.models import MailNotice
from liaison.exchange.models import Peer
from tests.assistance.conftest import PARTNER_REQUEST, partner_request

pytestmark = pytest.mark.django_db
ON = override_settings(EMAIL_NOTIFICATIONS=True, PUBLIC_URL="https://liaison.ma.example/")
LINK = f"https://liaison.ma.example/requests/{PARTNER_REQUEST}/"


@pytest.fixture
def cast(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "lo": make_user("lo", "liaison_officer", email="lo@ma.example"),
        "lo_no_address": make_user("lo2", "liaison_officer"),
        "officer": make_user("officer", "officer", email="officer@ma.example"),
        "supervisor": make_user("sup", "supervisor", email="sup@ma.example"),
        "gone": make_user("gone", "liaison_officer", email="gone@ma.example", is_active=False),
    }


def test_nothing_is_mailed_when_notifications_are_off(cast: dict[str, User], fr: Peer) -> None:
    record = partner_request()
    escalate_overdue(now=record.reply.due_at + timedelta(minutes=1))
    assert send_pending() == 0
    assert not MailNotice.objects.exists() and mail.outbox == []


@ON
def test_a_request_received_is_mailed_to_the_liaison_officers_as_a_link(
    cast: dict[str, User], fr: Peer
) -> None:
    partner_request()
    assert send_pending() == 1
    [message] = mail.outbox
    assert message.to == ["lo@ma.example"]
    assert message.subject == "Liaison: A request for assistance awaits you"
    assert message.body == f"A request for assistance awaits you: {LINK}"
    for secret in ("Dupont", "Tanger", "Localiser", "lo-fr"):
        assert secret not in message.subject + message.body
    assert send_pending() == 0 and len(mail.outbox) == 1  # sent once


@ON
def test_an_escalated_request_is_mailed_to_the_supervisors(cast: dict[str, User], fr: Peer) -> None:
    record = partner_request()
    send_pending()
    mail.outbox.clear()
    assert escalate_overdue(now=record.reply.due_at + timedelta(minutes=1)) == 1
    assert send_pending() == 1
    [message] = mail.outbox
    assert message.to == ["sup@ma.example"]
    assert message.body == f"A request for assistance is overdue and escalated: {LINK}"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@ON
def test_a_mail_server_down_is_logged_and_loses_nothing(
    cast: dict[str, User], fr: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 2},
        }
    }
    with override_settings(MAILERS=smtp), caplog.at_level(logging.WARNING, "liaison.desk.mail"):
        partner_request()  # the receipt itself succeeds whatever the mail server does
        assert send_pending() == 0
    assert Reply.objects.filter(request__uid=PARTNER_REQUEST, status="received").exists()
    assert "mail not sent" in caplog.text and "ConnectionRefusedError" in caplog.text
    notice = MailNotice.objects.get()
    assert (notice.sent_at, notice.attempts) == (None, 1)
    assert mail.outbox == []
    # The server is back (the test's locmem backend): the notice kept goes, once.
    assert send_pending() == 1
    assert [m.to for m in mail.outbox] == [["lo@ma.example"]]
    assert send_pending() == 0

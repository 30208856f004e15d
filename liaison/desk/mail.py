"""Notifications by e-mail, off by default (LIAISON_EMAIL_NOTIFICATIONS=1 turns them on).

An action that has something to announce (a request for assistance received, a request
escalated, a task due) calls `notify` inside its own transaction: one `MailNotice` row per
user concerned who has an e-mail address. The worker's `send_pending` sends them through
Django's mail backend (EMAIL_* settings) and marks each sent; a failure (the SMTP server
down) is logged and the row stays to be sent at the next run, up to MAX_ATTEMPTS: the
action itself has already succeeded, and nothing is lost.

Mail leaves the node: a notice says what kind of thing awaits and links to it, nothing
else (no name, no subject, no record content); the page it opens checks permissions as
always.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.accounts.models import User
from liaison.desk.models import MailNotice
from liaison.policy import Action, decide

if TYPE_CHECKING:
    from django.utils.functional import Promise

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
BATCH = 200
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

# What each kind of notice says: its subject and its one sentence, before the link.
KINDS: dict[str, Promise] = {
    "request_received": gettext_lazy("A request for assistance awaits you"),
    "request_escalated": gettext_lazy("A request for assistance is overdue and escalated"),
    "task_due": gettext_lazy("A task of a joint case is due"),
}


def users_with(permission: str, record: Any) -> list[User]:
    """This node's active users with an e-mail address, holding `permission` (a role's,
    e.g. "accounts.disclose_records") and allowed to see `record` (the policy decides)."""
    users = User.objects.with_perm(permission, backend=MODEL_BACKEND).exclude(email="")
    return [u for u in users if decide(u, Action.VIEW, record)]


def notify(kind: str, users: Iterable[User], path: str) -> int:
    """Queue a notice of `kind` linking to `path` for each user with an e-mail address
    (inside the caller's transaction). Nothing when notifications are off."""
    if not settings.EMAIL_NOTIFICATIONS:
        return 0
    if kind not in KINDS:
        raise ValueError(f"unknown notice: {kind}")
    rows = [MailNotice(user=u, kind=kind, path=path) for u in users if u.is_active and u.email]
    MailNotice.objects.bulk_create(rows)
    return len(rows)


def send_pending() -> int:
    """Send the notices not yet sent; returns how many went. A failure is logged and the
    notice kept for the next run (the worker runs this every LIAISON_EMAIL_SECONDS)."""
    pending = MailNotice.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    rows = list(pending.select_related("user").order_by("id")[:BATCH])
    if not rows:
        return 0
    sent = 0
    try:
        connection = mailers.default
        connection.open()
    except Exception as error:  # any failure of the mail server
        _failed(rows, error)
        return 0
    try:
        for row in rows:
            sent += _send(connection, row)
    finally:
        connection.close()
    return sent


def _send(connection: BaseEmailBackend, row: MailNotice) -> int:
    try:
        connection.send_messages([_message(row)])
    except Exception as error:  # any failure of the mail server
        _failed([row], error)
        return 0
    row.sent_at = timezone.now()
    row.attempts += 1
    row.save(update_fields=["sent_at", "attempts"])
    return 1


def _message(row: MailNotice) -> EmailMessage:
    link = f"{settings.PUBLIC_URL.rstrip('/')}{row.path}"
    with translation.override(settings.LANGUAGE_CODE):
        said = str(KINDS[row.kind])
        body = _("%(what)s: %(link)s") % {"what": said, "link": link}
        return EmailMessage(subject=f"Liaison: {said}", body=body, to=[row.user.email])


def _failed(rows: list[MailNotice], error: Exception) -> None:
    reason = f"{type(error).__name__}: {error}"[:200]
    log.warning("mail not sent (%d notice(s) kept for the next run): %s", len(rows), reason)
    for row in rows:
        row.attempts += 1
        row.last_error = reason
        row.save(update_fields=["attempts", "last_error"])

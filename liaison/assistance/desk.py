"""Requests for assistance on the desk (liaison/desk/sources.py): the inbox of requests
partners sent here (the least time left first, overdue ones marked), what partners
answered to ours, and overdue requests escalated to supervisors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from liaison.assistance.choices import OPEN, Status
from liaison.assistance.models import AssistanceRequest, Reply
from liaison.desk.sources import (
    DeskItem,
    DeskSource,
    Feed,
    partner_of,
    register_desk_source,
    since,
    with_partner_name,
)
from liaison.policy import Action, decide, restrict

if TYPE_CHECKING:
    from liaison.accounts.models import User

REPLY_TITLES = {
    Status.RECEIVED: _("Your request was received by the partner"),
    Status.ACKNOWLEDGED: _("The partner acknowledged your request"),
    Status.MORE_INFORMATION: _("The partner asks for more information"),
    Status.ANSWERED: _("The partner answered your request"),
    Status.PARTLY_ANSWERED: _("The partner answered your request in part"),
    Status.REFUSED: _("The partner refused your request"),
}


def _may_assist(user: User) -> bool:
    return decide(user, Action.ASSIST).allowed


def _may_supervise(user: User) -> bool:
    return decide(user, Action.LIST).allowed and user.has_perm("accounts.approve_handling")


def _url(uid: object) -> str:
    return reverse("assistance:detail", kwargs={"uid": uid})


def _due(reply: Reply) -> str:
    return str(_("due %(when)s") % {"when": date_format(reply.due_at, "SHORT_DATETIME_FORMAT")})


def _inbox_item(record: AssistanceRequest) -> DeskItem:
    reply = record.reply
    late = timezone.now() > reply.due_at and reply.paused_since is None
    title = _("Overdue request for assistance") if late else _("Request for assistance to answer")
    return DeskItem(
        key=record.uid,
        version=record.version,
        title=title,
        label=record.subject,
        detail=_due(reply),
        at=reply.due_at,
        partner=partner_of(record),
        url=_url(record.uid),
    )


def _inbox(user: User) -> list[Feed]:
    rows = AssistanceRequest.objects.filter(
        recipient_node=settings.NODE_ID, reply__status__in=OPEN, withdrawn_at__isnull=True
    ).exclude(owner_node=settings.NODE_ID)
    rows = restrict(rows.select_related("reply"), user, Action.LIST)
    return [Feed(with_partner_name(rows), _inbox_item, order_by="reply__due_at")]


def _reply_item(reply: Reply) -> DeskItem:
    return DeskItem(
        key=reply.uid,
        version=reply.version,
        title=REPLY_TITLES.get(Status(reply.status), _("The partner replied")),
        label=reply.request.subject,
        detail=_due(reply),
        at=reply.received_at,
        partner=partner_of(reply),
        url=_url(reply.request.uid),
    )


def _replies(user: User) -> list[Feed]:
    rows = Reply.objects.exclude(owner_node=settings.NODE_ID).filter(received_at__gte=since())
    rows = restrict(rows.select_related("request"), user, Action.LIST)
    return [Feed(with_partner_name(rows), _reply_item)]


def _escalated_item(reply: Reply) -> DeskItem:
    return DeskItem(
        key=reply.uid,
        version=reply.version,
        title=_("Overdue request for assistance, escalated"),
        label=reply.request.subject,
        detail=_due(reply),
        at=reply.due_at,
        partner=partner_of(reply.request),
        url=_url(reply.request.uid),
    )


def _escalated(user: User) -> list[Feed]:
    rows = Reply.objects.filter(
        owner_node=settings.NODE_ID,
        escalated_at__isnull=False,
        status__in=OPEN,
        request__withdrawn_at__isnull=True,
    )
    rows = restrict(rows.select_related("request"), user, Action.LIST)
    return [Feed(rows, _escalated_item, order_by="due_at")]


def _list_url(user: User) -> str:
    return reverse("assistance:list")


def register() -> None:
    register_desk_source(
        DeskSource(
            key="requests-in",
            title=_("Requests for assistance to answer"),
            may_see=_may_assist,
            feeds=_inbox,
            order=15,
            oldest_first=True,
            empty=_("No request for assistance waiting for an answer."),
            more_url=_list_url,
        )
    )
    register_desk_source(
        DeskSource(
            key="requests-out",
            title=_("Replies to our requests for assistance"),
            may_see=_may_assist,
            feeds=_replies,
            order=16,
            empty=_("No reply from partners in the last 30 days."),
            more_url=_list_url,
        )
    )
    register_desk_source(
        DeskSource(
            key="requests-overdue",
            title=_("Overdue requests for assistance (escalated)"),
            may_see=_may_supervise,
            feeds=_escalated,
            order=14,
            oldest_first=True,
            empty=_("No overdue request for assistance."),
            more_url=_list_url,
        )
    )

"""Intelligence on the desk (liaison/desk/sources.py): reports partners shared with us,
consent requests waiting for our decision, and partners' decisions on our requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liaison.desk.sources import (
    DeskItem,
    DeskSource,
    Feed,
    first_arrival,
    may_list,
    partner_of,
    register_desk_source,
    since,
    with_partner_name,
    withdrawal_feed,
)
from liaison.intel.models import ConsentDecision, ConsentRequest, Report
from liaison.policy import Action, restrict

if TYPE_CHECKING:
    from liaison.accounts.models import User


def _report_item(report: Report) -> DeskItem:
    first = first_arrival(report)
    return DeskItem(
        key=report.uid,
        version=report.version,
        title=_("New report shared by a partner") if first else _("Report updated by the partner"),
        label=f"{report.title} · {report.grading}",
        at=report.received_at,
        partner=partner_of(report),
        url=reverse("intel:detail", kwargs={"uid": report.uid}),
    )


def _request_item(asked: ConsentRequest) -> DeskItem:
    return DeskItem(
        key=asked.uid,
        version=asked.version,
        title=_("A partner asks your consent: %(kind)s") % {"kind": asked.get_kind_display()},
        label=asked.report.title,
        at=asked.received_at,
        partner=partner_of(asked),
        url=reverse("intel:consent", kwargs={"uid": asked.uid}),
    )


def _decision_item(decision: ConsentDecision) -> DeskItem:
    title = _("Consent granted") if decision.granted else _("Consent refused")
    return DeskItem(
        key=decision.uid,
        version=decision.version,
        title=title,
        label=decision.request.report.title,
        detail=decision.reason,
        at=decision.received_at,
        partner=partner_of(decision),
        url=reverse("intel:consent", kwargs={"uid": decision.request.uid}),
    )


def _feeds(user: User) -> list[Feed]:
    theirs = {"received_at__gte": since()}
    reports = Report.objects.exclude(owner_node=settings.NODE_ID).filter(**theirs)
    waiting = (
        ConsentRequest.objects.exclude(owner_node=settings.NODE_ID)
        .filter(decisions__isnull=True, **theirs)
        .select_related("report")
    )
    decided = (
        ConsentDecision.objects.exclude(owner_node=settings.NODE_ID)
        .filter(**theirs)
        .select_related("request__report")
    )
    return [
        Feed(with_partner_name(restrict(reports, user, Action.LIST)), _report_item),
        Feed(with_partner_name(restrict(waiting, user, Action.LIST)), _request_item),
        Feed(with_partner_name(restrict(decided, user, Action.LIST)), _decision_item),
        withdrawal_feed({"report": _("A partner withdrew a report it had shared")}),
    ]


def register() -> None:
    register_desk_source(
        DeskSource(
            key="intel",
            title=_("Intelligence reports and consents"),
            may_see=may_list,
            feeds=_feeds,
            order=25,
            empty=_("No report or consent from partners in the last 30 days."),
        )
    )

"""A report's files: attachments through liaison/attachments/ (docs/intel.md, "Files").
Who may write the report on its owner node adds and removes them (WRITE_REPORT: its
agency, an H3 report's named recipients); they go to the partners holding the report, and
to a partner when the report is shared later; a partner's copy sends nothing on."""

from __future__ import annotations

from liaison.accounts.models import Actor
from liaison.attachments.parents import ParentType, register_parent
from liaison.attachments.sharing import send_attached
from liaison.exchange.models import Share
from liaison.intel import conditions
from liaison.intel.choices import ConsentKind
from liaison.intel.models import Report
from liaison.intel.queries import get_report_for_user
from liaison.intel.recipients import partners_of
from liaison.policy import Action, decide

PARENT = "report"


def holders(report: Report) -> list[str]:
    """The partners that hold our report and may still receive it (among its recipients as
    `partners_of` reads them now, and its sharer may still disclose it): a file never goes
    where the report may not."""
    if not report.is_local:
        return []
    shares = Share.objects.filter(object_type=PARENT, object_uid=report.uid)
    recipients = partners_of(report)
    nodes = [
        share.peer.node_id
        for share in shares.select_related("peer", "shared_by")
        if share.peer.node_id in recipients and decide(share.shared_by, Action.DISCLOSE, report)
    ]
    return sorted(nodes)


def register_files() -> None:
    register_parent(
        ParentType(
            name=PARENT,
            model=Report,
            get_for_user=get_report_for_user,
            upload_action=Action.WRITE_REPORT,
            partners=holders,
            url_name="intel:detail",
            download_refusal=_not_without_consent,
        )
    )


def _not_without_consent(report: Report) -> str:
    """A file taken out of a partner's H2 report leaves Liaison as an export of the report
    would: refused until the originator consents to the export."""
    return conditions.refusal(report, ConsentKind.EXPORT)


def send_files(report: Report, partner: str, *, actor: Actor) -> int:
    """When the report is shared: its files go after it, if the partner may have them."""
    if partner not in holders(report):
        return 0
    return send_attached(PARENT, report.uid, partner, actor=actor)

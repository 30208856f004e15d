"""The originator's conditions, enforced by the receiving node.

A received report carries its handling code. On this node:
- H1 and stricter: not used as evidence without the originator's consent;
- H2 and stricter: not forwarded to another partner nor exported without it;
- H3: never leaves the originator (the policy refuses to disclose it; named recipients only).
The originator's own reports have no conditions here: sharing them is the policy's call.
A consent is the originator's last decision on a request of that kind (for a forward, to
that partner) granting it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liaison.intel.choices import ConsentKind, ConsentState
from liaison.intel.models import ConsentRequest, Report
from liaison.policy import HANDLING_ORDER, HandlingCode

# The least strict handling code under which each use needs the originator's consent.
NEEDS_CONSENT_FROM = {
    ConsentKind.EVIDENCE: HandlingCode.H1,
    ConsentKind.FORWARD: HandlingCode.H2,
    ConsentKind.EXPORT: HandlingCode.H2,
}

_REFUSALS: dict[ConsentKind, str | Promise] = {
    ConsentKind.EVIDENCE: _(
        "This report may not be used as evidence without the originator's consent (%(code)s)."
    ),
    ConsentKind.FORWARD: _(
        "This report may not be forwarded without the originator's consent (%(code)s)."
    ),
    ConsentKind.EXPORT: _(
        "This report may not be exported without the originator's consent (%(code)s)."
    ),
}


def needs_consent(report: Report, kind: ConsentKind) -> bool:
    """The use needs the originator's consent here: a partner's report under that code."""
    if report.is_local:
        return False
    code = report.effective_handling_code
    return HANDLING_ORDER.index(code) >= HANDLING_ORDER.index(NEEDS_CONSENT_FROM[kind])


def consented(
    report: Report,
    kind: ConsentKind,
    partner: str = "",
    requests: Sequence[ConsentRequest] | None = None,
) -> bool:
    """The originator granted this use (a forward: to that partner). `requests`: the
    report's requests with their decisions, when the caller has them already."""
    if requests is None:
        requests = list(
            ConsentRequest.objects.filter(report=report, kind=kind).prefetch_related("decisions")
        )
    return any(
        r.kind == kind
        and (kind != ConsentKind.FORWARD or r.partner == partner)
        and r.state() == ConsentState.GRANTED
        for r in requests
    )


def refusal(
    report: Report,
    kind: ConsentKind,
    partner: str = "",
    requests: Sequence[ConsentRequest] | None = None,
) -> str:
    """Why this node may not make that use of the report now; "" when it may."""
    if not needs_consent(report, kind) or consented(report, kind, partner, requests):
        return ""
    return str(_REFUSALS[kind]) % {"code": report.effective_handling_code}

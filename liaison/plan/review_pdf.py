"""The review pack as a PDF, for the review meeting: the indicators of the period (each
with its definition, its bar chart and its table), the status of the plan's actions and
the notable joint cases, only what the reader may see, in a language chosen among the
node's (right to left in Arabic).

Drawn by WeasyPrint on Debian's Pango and HarfBuzz, with Debian's fonts (DejaVu, Noto
Sans Arabic: Arabic is shaped). The bar charts are drawn in HTML and CSS, not as the
dashboard's SVG: WeasyPrint lays out SVG text letter by letter, so Arabic titles, legends
and labels in an SVG come out unjoined and in the wrong order. Nothing is fetched: the
pack has no image and no link, and the fetcher refuses every scheme but data:."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from liaison.accounts.models import Actor
from liaison.core.pdf import render as render_pdf
from liaison.plan import charts, indicators
from liaison.plan.indicators import Figure, Indicator, Period
from liaison.plan.queries import NOTABLE_CASES, notable_cases
from liaison.plan.review_pack import actions_with_state

PDF_TYPE = "application/pdf"


def html(user: Actor, period: Period) -> str:
    """The pack as HTML, in the active language."""
    found = indicators.compute(user, period)
    context = {
        "node": settings.NODE_ID,
        "period": period,
        "period_text": _("%(first)s to %(last)s")
        % {"first": _isolated(period.first), "last": _isolated(period.last)},
        "generated_at": timezone.localtime(),
        "indicators": [(indicator, _chart(indicator)) for indicator in found],
        "actions": actions_with_state(user),
        "cases": notable_cases(user, period.start, period.end),
        "most_cases": NOTABLE_CASES,
        "rtl": get_language_bidi(),
    }
    return render_to_string("plan/review_pack.html", context)


def pdf(user: Actor, period: Period) -> bytes:
    """The pack's PDF bytes, in the active language."""
    return render_pdf(html(user, period))


@dataclass(frozen=True)
class Bar:
    colour: str
    width: str  # percent of the widest bar, as CSS wants it (a dot, whatever the language)
    value: Figure


@dataclass(frozen=True)
class Chart:
    """An indicator's charted series as horizontal bars, one group per row."""

    legend: list[tuple[str, str | Promise]]
    rows: list[tuple[str | Promise, list[Bar]]]


def _chart(indicator: Indicator) -> Chart | None:
    if not (indicator.charted and indicator.rows):
        return None
    colours = charts.STYLE.colors
    highest = max(float(v or 0) for i in indicator.charted for v in indicator.column(i))
    legend = [
        (colours[n % len(colours)], indicator.series[i]) for n, i in enumerate(indicator.charted)
    ]
    rows = []
    for label, values in indicator.table():
        bars = [
            Bar(colour, f"{100 * float(values[i] or 0) / (highest or 1):.1f}", values[i])
            for (colour, _name), i in zip(legend, indicator.charted, strict=True)
        ]
        rows.append((label, bars))
    return Chart(legend, rows)


def _isolated(text: str) -> str:
    """`text` as a unit in a sentence of either direction (FSI … PDI): "2026-Q1" stays so
    in Arabic, not "Q1-2026"."""
    return f"\u2068{text}\u2069"

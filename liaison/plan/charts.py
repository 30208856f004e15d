"""The dashboard's charts: SVG drawn on the server by pygal, with no script and no
external resource (no font, no stylesheet from elsewhere), so they work air-gapped and
under the strict CSP. Each is served as an image beside a table of the same figures."""

from __future__ import annotations

import re

import pygal
from django.utils.translation import get_language_bidi
from pygal.style import Style

from liaison.plan.indicators import Indicator

STYLE = Style(
    font_family="'DejaVu Sans', 'Noto Sans Arabic', Arial, sans-serif",
    background="white",
    plot_background="white",
    colors=("#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545"),
    title_font_size=16,
    legend_font_size=13,
    label_font_size=12,
    major_label_font_size=12,
)


def render(indicator: Indicator) -> bytes:
    """The indicator's charted series as a bar chart (SVG). Right to left in Arabic: the
    rows (quarters) run from right to left, as the table beside it reads."""
    rtl = get_language_bidi()
    rows = list(reversed(indicator.rows)) if rtl else indicator.rows
    chart = pygal.Bar(
        style=STYLE,
        title=str(indicator.title),
        js=[],
        width=800,
        height=360,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        x_label_rotation=0 if len(rows) <= 8 else 30,
        print_values=False,
        include_x_axis=True,
        show_minor_y_labels=False,
        disable_xml_declaration=False,
        truncate_legend=60,
        truncate_label=30,
    )
    chart.x_labels = [str(indicator.row_labels.get(r, r)) for r in rows]
    for index in indicator.charted:
        values = [indicator.row(r)[index] for r in rows]
        chart.add(str(indicator.series[index]), values)
    # pygal writes its configuration as an inline script whatever `js` says: dropped, the
    # chart needs none (and an image runs none).
    return SCRIPT.sub(b"", chart.render())


SCRIPT = re.compile(rb"<script.*?</script>", re.S)

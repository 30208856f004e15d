"""The review pack for the periodic review of the cooperation, as an XLSX workbook: the
indicators of the period (a sheet each: definition, table, bar chart), the status of the
plan's actions and the notable joint cases. Only what the reader may see; in the reader's
language (sheets right to left in Arabic). Text from records goes through
safecsv.neutralise (no formulas)."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from liaison.accounts.models import Actor
from liaison.plan import indicators
from liaison.plan.indicators import Indicator, Period
from liaison.plan.models import PlanAction
from liaison.plan.queries import notable_cases
from liaison.policy import Action, restrict
from liaison.safecsv import safe_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


def xlsx(user: Actor, period: Period) -> bytes:
    """The workbook's bytes: a cover sheet, one sheet per indicator, the actions."""
    book = Workbook()
    cover = book.active
    assert cover is not None
    _cover(cover, period)
    for number, indicator in enumerate(indicators.compute(user, period), start=1):
        _indicator_sheet(book.create_sheet(f"{number}"), number, indicator)
    _actions_sheet(book.create_sheet(_("Actions")[:31]), user)
    _cases_sheet(book.create_sheet(_("Notable cases")[:31]), user, period)
    if get_language_bidi():
        for sheet in book.worksheets:
            sheet.sheet_view.rightToLeft = True
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _cover(sheet: Worksheet, period: Period) -> None:
    sheet.title = _("Review")[:31]
    sheet.append([_("Review of the cooperation")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Node"), settings.NODE_ID])
    first, last = quarter_in_words(period.first), quarter_in_words(period.last)
    sheet.append([_("Period"), _("%(first)s to %(last)s") % {"first": first, "last": last}])
    sheet.append([_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")])
    sheet.append([])
    sheet.append([_("Figures computed from this node's data, only what the reader may see.")])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 30


def quarter_in_words(label: str) -> str:
    """ "2026-Q1" in the reader's language ("Q1 2026"): the code form reads "Q1-2026" once
    a right-to-left sheet reorders it."""
    year, number = label.split("-Q")
    return _("Q%(number)s %(year)s") % {"number": number, "year": year}


def _indicator_sheet(sheet: Worksheet, number: int, indicator: Indicator) -> None:
    sheet.append([f"{number}. {indicator.title}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([str(indicator.definition)])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=8)
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[2].height = 75
    sheet.append([])
    header = 4
    sheet.append(["", *(str(s) for s in indicator.series)])
    for cell in sheet[header]:
        cell.font = BOLD
    for label, values in indicator.table():
        sheet.append([safe_cell(str(label)), *values])
    sheet.column_dimensions["A"].width = 22
    for letter in "BCDEFG":
        sheet.column_dimensions[letter].width = 18
    if indicator.charted and indicator.rows:
        _chart(sheet, indicator, header)


def _chart(sheet: Worksheet, indicator: Indicator, header: int) -> None:
    chart = BarChart()
    chart.title = str(indicator.title)
    chart.width, chart.height = 18, 8
    last = header + len(indicator.rows)
    for index in indicator.charted:
        data = Reference(sheet, min_col=index + 2, min_row=header, max_row=last)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
    sheet.add_chart(chart, f"A{last + 3}")


def _actions_sheet(sheet: Worksheet, user: Actor) -> None:
    sheet.append(
        [
            _("Objective"),
            _("Action"),
            _("Working group"),
            _("Lead service"),
            _("Starts on"),
            _("Due on"),
            _("Status"),
            _("On time?"),
        ]
    )
    for cell in sheet[1]:
        cell.font = BOLD
    for action, state in actions_with_state(user):
        sheet.append([_cell(v) for v in _action_row(action, state)])
    for letter, width in zip("ABCDEFGH", (12, 40, 24, 12, 12, 12, 14, 22), strict=True):
        sheet.column_dimensions[letter].width = width


def _cases_sheet(sheet: Worksheet, user: Actor, period: Period) -> None:
    """The notable cases, as in the PDF (queries.notable_cases)."""
    header = [_("Title"), _("Working group"), _("Lead service"), _("Status")]
    sheet.append([*header, _("Opened on"), _("Last changed")])
    for cell in sheet[1]:
        cell.font = BOLD
    for case in notable_cases(user, period.start, period.end):
        row = [case.title, case.group.name, case.owner_node, str(case.get_status_display())]
        dates = [
            timezone.localtime(case.created_at).date(),
            timezone.localtime(case.updated_at).date(),
        ]
        sheet.append([*(_cell(v) for v in row), *dates])
    for letter, width in zip("ABCDEF", (40, 24, 12, 14, 12, 12), strict=True):
        sheet.column_dimensions[letter].width = width


def actions_with_state(user: Actor) -> list[tuple[PlanAction, str]]:
    """The plan's actions `user` may see, by objective and due date, each with whether it
    is on time (the labels of the actions indicator), as of today."""
    rows = restrict(PlanAction.objects.select_related("objective"), user, Action.LIST)
    actions = list(rows.order_by("objective__code", "due_on", "id"))
    done = indicators.done_on([a for a in actions if a.status == "done"])
    today = timezone.localdate()
    states = _state_labels()
    return [
        (action, states[indicators.action_state(action, done.get(action.pk), today)])
        for action in actions
    ]


def _action_row(action: PlanAction, state: str) -> list[Any]:
    return [
        action.objective.code,
        action.title,
        action.working_group,
        action.owner_node,
        action.starts_on,
        action.due_on,
        str(action.get_status_display()),
        state,
    ]


def _cell(value: Any) -> Any:
    return value if isinstance(value, date) else safe_cell(value)


def _state_labels() -> dict[str, str]:
    series = indicators.ACTION_LABELS
    return {key: str(label) for key, label in zip(indicators.ACTION_SERIES, series, strict=True)}

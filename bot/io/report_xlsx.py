"""The board report as an Excel workbook: a summary sheet (counts by status per theme and
overall, overdue, slipped, the status chart) and one sheet per theme, each with a frozen
header, an autofilter, wrapped text in sensible widths and status cells in BRAG colours.

Every cell is written as text: openpyxl would store "=…" as a formula, so such cells are
forced to string type (Excel shows them as written and never runs them)."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bot.core.report import Report, safe_colour
from bot.core.statuses import COLOUR_HEX
from bot.io.report_layout import WIDTHS, flat_cells, flat_columns, text_on

CELL_LIMIT = 32_767  # Excel's most characters in a cell
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_HEAD_FILL = PatternFill("solid", fgColor="005EB8")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE = Font(bold=True, size=14)


def render_xlsx(report: Report) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    _summary(summary, report)
    names = {"summary"}
    columns = flat_columns(report)
    status_col = next(i for i, c in enumerate(columns) if c.field == "status")
    for theme in report.themes:
        ws = wb.create_sheet(_sheet_name(theme.name, names))
        ws.append([_text(report.title)])
        ws["A1"].font = _TITLE
        ws.append([_text(c.heading) for c in columns])
        for cell in ws[2]:
            cell.font, cell.fill, cell.alignment, cell.border = (
                _HEAD_FONT,
                _HEAD_FILL,
                _WRAP,
                _BORDER,
            )
        for r in theme.rows:
            ws.append([_text(v) for v in flat_cells(report, r)])
            row = ws[ws.max_row]
            for cell in row:
                cell.alignment, cell.border = _WRAP, _BORDER
                if cell.data_type == "f":
                    cell.data_type = "s"  # text that starts with "=": shown, never run
            status = row[status_col]
            colour = r.colour
            status.fill = _fill(COLOUR_HEX[colour])
            status.font = _font(text_on(colour))
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c.field, 20)
        ws.freeze_panes = "A3"
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A2:{last}{ws.max_row}"
        ws.print_title_rows = "2:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _summary(ws, report: Report) -> None:
    ws.append([_text(report.title)])
    ws["A1"].font = _TITLE
    ws.append([f"As at {report.as_at.day} {report.as_at:%B %Y}"])
    if report.since:
        ws.append([f"Changes marked since {report.since.day} {report.since:%B %Y}"])
    ws.append([])
    statuses = report.statuses
    head = ["Theme", *statuses, "Total", "Overdue", "Slipped"]
    ws.append(head)
    head_row = ws.max_row
    for i, cell in enumerate(ws[head_row]):
        cell.font, cell.fill, cell.alignment, cell.border = _HEAD_FONT, _HEAD_FILL, _WRAP, _BORDER
        if 1 <= i <= len(statuses):
            colour = safe_colour(statuses[i - 1])
            cell.fill, cell.font = _fill(COLOUR_HEX[colour]), _font(text_on(colour), bold=True)
    for name, counts, total, overdue, slipped in report.summary_rows():
        ws.append([_text(name), *(counts.get(s, 0) for s in statuses), total, overdue, slipped])
        for cell in ws[ws.max_row]:
            cell.border = _BORDER
            cell.alignment = _WRAP
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 40
    for i in range(2, len(head) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 12
    if report.themes:
        img = Image(io.BytesIO(report.chart_png()))
        img.anchor = f"A{ws.max_row + 3}"
        ws.add_image(img)


def _text(value: str) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", value or "")
    if len(text) > CELL_LIMIT:
        text = text[: CELL_LIMIT - 40] + " … (cut: longer than Excel allows)"
    return text


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = _SHEET_BAD.sub(" ", name).strip().strip("'")[:31] or "Theme"
    candidate, n = base, 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.casefold())
    return candidate


_FILLS: dict[str, PatternFill] = {}
_FONTS: dict[tuple[str, bool], Font] = {}


def _fill(hex_colour: str) -> PatternFill:
    key = hex_colour.lstrip("#").upper()
    if key not in _FILLS:
        _FILLS[key] = PatternFill("solid", fgColor=key)
    return _FILLS[key]


def _font(hex_colour: str, *, bold: bool = False) -> Font:
    key = (hex_colour.lstrip("#").upper(), bold)
    if key not in _FONTS:
        _FONTS[key] = Font(color=key[0], bold=bold)
    return _FONTS[key]

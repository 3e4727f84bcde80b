"""The board report as an Excel workbook: a summary sheet (counts by status per theme and
overall, overdue, slipped, the status chart) and one sheet per theme, each with a frozen
header, an autofilter, wrapped text in sensible widths and status cells in BRAG colours.

Every cell is written as text: openpyxl would store "=…" as a formula, so such cells are
forced to string type (Excel shows them as written and never runs them)."""

from __future__ import annotations

import io
import re
from copy import copy

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bot.core.report import Report, safe_colour
from bot.core.statuses import COLOUR_HEX, Colour
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
    # Write-only mode streams rows to the file; styles are registered once and each cell
    # takes a copy of its style array, which keeps 5,000 rows well inside a second.
    wb = Workbook(write_only=True)
    styles = _Styles(wb)
    _summary(wb.create_sheet("Summary"), report, styles)
    names = {"summary"}
    columns = flat_columns(report)
    status_col = next(i for i, c in enumerate(columns) if c.field == "status")
    for theme in report.themes:
        ws = wb.create_sheet(_sheet_name(theme.name, names))
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c.field, 20)
        ws.freeze_panes = "A3"
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A2:{last}{len(theme.rows) + 2}"
        ws.print_title_rows = "2:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.append([styles.cell(ws, report.title, "title")])
        ws.append([styles.cell(ws, c.heading, "head") for c in columns])
        for r in theme.rows:
            cells = [styles.cell(ws, v, "body") for v in flat_cells(report, r)]
            cells[status_col] = styles.cell(ws, cells[status_col].value, r.colour.value)
            ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class _Styles:
    """Each look (title, header, body, one per BRAG colour) registered once in the workbook;
    cells copy its style array instead of registering fonts and fills cell by cell."""

    def __init__(self, wb: Workbook):
        self._arrays = {}
        probe = wb.create_sheet("_probe")
        looks = {
            "title": {"font": _TITLE},
            "head": {"font": _HEAD_FONT, "fill": _HEAD_FILL, "alignment": _WRAP, "border": _BORDER},
            "body": {"alignment": _WRAP, "border": _BORDER},
            "bold": {"font": Font(bold=True), "alignment": _WRAP, "border": _BORDER},
            "cell": {"alignment": _WRAP, "border": _BORDER},
        }
        for colour in Colour:
            looks[colour.value] = {
                "font": Font(bold=True, color=text_on(colour).lstrip("#")),
                "fill": PatternFill("solid", fgColor=COLOUR_HEX[colour].lstrip("#")),
                "alignment": _WRAP,
                "border": _BORDER,
            }
        for name, attrs in looks.items():
            cell = WriteOnlyCell(probe)
            for attr, value in attrs.items():
                setattr(cell, attr, value)
            self._arrays[name] = cell._style
        wb.remove(probe)

    def cell(self, ws, value, look: str) -> WriteOnlyCell:
        text = _text(value) if isinstance(value, str) else value
        cell = WriteOnlyCell(ws, value=text)
        if cell.data_type == "f":
            cell.data_type = "s"  # text that starts with "=": shown as written, never run
        cell._style = copy(self._arrays[look])
        return cell


def _summary(ws, report: Report, styles: _Styles) -> None:
    statuses = report.statuses
    head = ["Theme", *statuses, "Total", "Overdue", "Slipped"]
    ws.column_dimensions["A"].width = 40
    for i in range(2, len(head) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 12
    ws.append([styles.cell(ws, report.title, "title")])
    ws.append([f"As at {report.as_at.day} {report.as_at:%B %Y}"])
    rows = 2
    if report.since:
        ws.append([f"Changes marked since {report.since.day} {report.since:%B %Y}"])
        rows += 1
    ws.append([])
    header = [styles.cell(ws, h, "head") for h in head]
    for i, s in enumerate(statuses, start=1):
        header[i] = styles.cell(ws, s, safe_colour(s).value)
    ws.append(header)
    summary = report.summary_rows()
    for n, (name, counts, total, overdue, slipped) in enumerate(summary):
        look = "bold" if n == len(summary) - 1 else "cell"
        values = [name, *(counts.get(s, 0) for s in statuses), total, overdue, slipped]
        ws.append([styles.cell(ws, v, look) for v in values])
    rows += 2 + len(summary)
    if report.themes:
        img = Image(io.BytesIO(report.chart_png()))
        img.anchor = f"A{rows + 3}"
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

"""What every board-report writer shares: formats and file names, the flat table (one row
per action, a Theme column added when the plan had none), protection against cells a
spreadsheet would run as formulas, column widths, and the text colour that reads on a BRAG
fill. Writers (report_csv/xlsx/docx/html.py) turn a Report into bytes with these; which writer
makes which format, and writing the file, is bot/io/report_writers.py (above the writers, so
that nothing here imports them back)."""

from __future__ import annotations

from pathlib import Path

from bot.core.report import Report, ReportColumn, ReportRow
from bot.core.statuses import Colour

FORMATS = ("xlsx", "docx", "html", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "csv": "text/csv",
}
# Characters that make Excel, LibreOffice or Sheets read a cell as a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Widths in characters (XLSX) and their share of the page (DOCX, HTML), by field.
WIDTHS = {
    "theme": 22,
    "tag": 18,
    "objective": 34,
    "reference": 7,
    "action": 46,
    "deadline": 18,
    "owner": 22,
    "status": 12,
    "progress": 60,
    "changes": 18,
}


class ReportError(ValueError):
    """A report that cannot be made as asked (unknown format, bad output name)."""


def format_for(out: str | Path | None, fmt: str | None) -> str:
    """The format asked for, else the one ``out``'s extension names, else xlsx."""
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ReportError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
        if out is not None and Path(out).suffix and Path(out).suffix.lower() != f".{fmt}":
            raise ReportError(f"--out {Path(out).name} does not end in .{fmt} (the format asked)")
        return fmt
    if out is not None:
        ext = Path(out).suffix.lower().lstrip(".")
        if ext in FORMATS:
            return ext
        if ext:
            raise ReportError(
                f"cannot tell the format from {Path(out).name!r}: use an extension "
                f"{', '.join('.' + f for f in FORMATS)} or --format"
            )
    return "xlsx"


def default_name(report: Report, fmt: str) -> str:
    """ "OD-2019-update-2019-11-30.xlsx": safe on every file system."""
    stem = "".join(ch if ch.isalnum() else "-" for ch in report.plan_name).strip("-")
    stem = "-".join(p for p in stem.split("-") if p)[:60] or "plan"
    return f"{stem}-update-{report.as_at.isoformat()}.{fmt}"


def formula_safe(text: str) -> str:
    """Text a spreadsheet shows as written: a leading ' stops it running as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def flat_columns(report: Report) -> list[ReportColumn]:
    """One row per action needs the theme on every row: add a Theme column if the plan's
    own table had none (its themes came from section rows)."""
    if any(c.field == "theme" for c in report.columns):
        return list(report.columns)
    return [ReportColumn("theme", "Theme"), *report.columns]


def flat_cells(report: Report, row: ReportRow) -> list[str]:
    if any(c.field == "theme" for c in report.columns):
        return list(row.cells)
    return [row.theme, *row.cells]


def grouped_columns(report: Report) -> list[int]:
    """Which of the report's columns a table grouped under theme rows shows: the theme and
    its tags are in the theme row, so their columns are left out."""
    return [i for i, c in enumerate(report.columns) if c.field not in ("theme", "tag")]


def grouped_cells(report: Report, rows: list[ReportRow]) -> list[list[str]]:
    """The rows of one theme for a grouped table: the shown columns only, and an objective
    left blank under the row that names it, as the plan's own table writes it."""
    shown = grouped_columns(report)
    objective = next((i for i, c in enumerate(report.columns) if c.field == "objective"), None)
    out, previous = [], None
    for row in rows:
        cells = list(row.cells)
        if objective is not None:
            if cells[objective] == previous:
                cells[objective] = ""
            else:
                previous = cells[objective]
        out.append([cells[i] for i in shown])
    return out


def text_on(colour: Colour) -> str:
    """Black or white text, whichever reads on the colour's fill (amber needs black)."""
    return "#000000" if colour in (Colour.AMBER,) else "#FFFFFF"

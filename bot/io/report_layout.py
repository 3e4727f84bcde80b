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
    """ "OD-2019-update-2019-11-30.xlsx", "OD-2019-Leadership-update-2019-11-30.xlsx" for a
    theme's report: the plan, the theme and the date, so no report overwrites another; safe
    on every file system."""
    parts = [_safe(report.plan_name, 60) or "plan"]
    if report.theme_filter:
        parts.append(_safe(" ".join(t.name for t in report.themes) or report.theme_filter, 40))
    if report.since:
        parts.append(f"since-{report.since.isoformat()}")
    return f"{'-'.join(p for p in parts if p)}-update-{report.as_at.isoformat()}.{fmt}"


def _safe(text: str, limit: int) -> str:
    stem = "".join(ch if ch.isalnum() else "-" for ch in text).strip("-")
    return "-".join(p for p in stem.split("-") if p)[:limit].strip("-")


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
    return [row.theme_written or row.theme, *row.cells]


def theme_rows(report: Report) -> bool:
    """Whether a document groups its rows under a heading row per theme: only a plan that
    names its themes in headings (seed 004); a plan with a theme column keeps the column."""
    return not any(c.field == "theme" for c in report.columns)


def grouped_columns(report: Report) -> list[int]:
    """Which of the report's columns a document's table shows: all the plan's (a plan
    without a theme column has no theme or tag column to leave out)."""
    return list(range(len(report.columns)))


def grouped_cells(report: Report, rows: list[ReportRow]) -> list[list[str]]:
    """The rows of one theme for a document's table, as the plan's own table writes them:
    the theme, its tags and an objective left blank under the row that names them."""
    carried = [i for i, c in enumerate(report.columns) if c.field in ("theme", "tag", "objective")]
    out, previous = [], {}
    for row in rows:
        cells = list(row.cells)
        for i in carried:
            if cells[i] == previous.get(i):
                cells[i] = ""
            else:
                previous[i] = cells[i]
        out.append(cells)
    return out


def text_on(colour: Colour) -> str:
    """Black or white text, whichever reads on the colour's fill (amber needs black)."""
    return "#000000" if colour in (Colour.AMBER,) else "#FFFFFF"

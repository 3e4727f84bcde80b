"""The board report as CSV: one row per action, UTF-8 with a BOM so Excel reads the
encoding, every cell Excel would run as a formula written as text, and no control
character (ESC, BEL …) in any cell."""

from __future__ import annotations

import csv
import io

from bot.core.report import Report
from bot.core.text_input import strip_unsafe
from bot.io.report_layout import flat_cells, flat_columns, formula_safe


def render_csv(report: Report) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([formula_safe(strip_unsafe(c.heading)) for c in flat_columns(report)])
    for row in report.rows:
        w.writerow([formula_safe(strip_unsafe(cell)) for cell in flat_cells(report, row)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")

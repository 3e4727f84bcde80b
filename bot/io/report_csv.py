"""The board report as CSV: one row per action, UTF-8 with a BOM so Excel reads the
encoding, and every cell Excel would run as a formula written as text."""

from __future__ import annotations

import csv
import io

from bot.core.report import Report
from bot.io.report_layout import flat_cells, flat_columns, formula_safe


def render_csv(report: Report) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([formula_safe(c.heading) for c in flat_columns(report)])
    for row in report.rows:
        w.writerow([formula_safe(cell) for cell in flat_cells(report, row)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")

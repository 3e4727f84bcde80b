"""The board report as one self-contained HTML file: inline CSS, the status chart as a PNG
data URI, nothing fetched. Prints on A4 landscape (the header row repeats on each page and
rows are kept whole where they fit) and reads on a phone (each row becomes a card)."""

from __future__ import annotations

import base64
from html import escape as _escape

from bot.core.report import Report, safe_colour
from bot.core.statuses import COLOUR_HEX
from bot.core.text_input import strip_unsafe
from bot.io.report_layout import WIDTHS, grouped_cells, grouped_columns, text_on, theme_rows


def escape(text: str) -> str:
    """Text for the page: controls (a terminal's ESC, BEL) removed, then HTML-escaped."""
    return _escape(strip_unsafe(text))


_CSS = """
@page { size: A4 landscape; margin: 10mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.35 Arial, Helvetica, sans-serif; color: #212b32; margin: 16px; }
h1 { font-size: 16pt; margin: 0 0 4px; color: #005eb8; }
p.asat { margin: 0 0 12px; color: #4c6272; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #aeb7bd; padding: 4px 6px; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; }
thead th { background: #005eb8; color: #fff; }
thead { display: table-header-group; }
table.plan { table-layout: fixed; }
table.plan tr { break-inside: avoid; page-break-inside: avoid; }
tr.theme th { background: #e8edee; color: #212b32; font-size: 11pt; }
td.status { font-weight: bold; overflow-wrap: normal; hyphens: auto; }
tr.changed td:first-child { box-shadow: inset 4px 0 0 #ae2573; }
td.changes { color: #ae2573; font-weight: bold; }
table.summary { width: auto; margin-bottom: 12px; }
table.summary td.n { text-align: right; }
table.summary tr.all td { font-weight: bold; }
.chart img { max-width: 100%; height: auto; }
.overview { break-after: page; page-break-after: always; }
@media print { body { margin: 0; font-size: 8.5pt; } }
@media (max-width: 720px) {
  body { margin: 8px; }
  table.plan, table.plan tbody, table.plan tr, table.plan td, table.plan th { display: block;
    width: auto !important; }
  table.plan thead, table.plan colgroup { display: none; }
  table.plan tr { border: 1px solid #aeb7bd; margin: 0 0 10px; }
  table.plan td { border: 0; border-top: 1px solid #e8edee; }
  table.plan td::before { content: attr(data-label); display: block; font-weight: bold;
    font-size: 8pt; color: #4c6272; }
  table.summary { display: block; overflow-x: auto; }
}
"""


def render_html(report: Report) -> bytes:
    out: list[str] = []
    w = out.append
    w("<!DOCTYPE html>\n<html lang='en-GB'><head><meta charset='utf-8'>")
    w("<meta name='viewport' content='width=device-width, initial-scale=1'>")
    w(f"<title>{escape(report.title)}</title><style>{_CSS}</style></head><body>")
    w("<section class='overview'>")
    w(f"<h1>{escape(report.title)}</h1>")
    line = f"As at {report.as_at.day} {report.as_at:%B %Y}"
    if report.since:
        line += f"; changes marked since {report.since.day} {report.since:%B %Y}"
    w(f"<p class='asat'>{escape(line)}</p>")
    _summary(w, report)
    if report.themes:
        png = base64.b64encode(report.chart_png()).decode("ascii")
        w(f"<div class='chart'><img alt='Status by theme' src='data:image/png;base64,{png}'>")
        w("</div>")
    w("</section>")
    _plan_table(w, report)
    w("</body></html>\n")
    return "".join(out).encode("utf-8")


def _summary(w, report: Report) -> None:
    statuses = report.statuses
    w("<table class='summary' id='summary'><thead><tr><th>Theme</th>")
    for s in statuses:
        c = safe_colour(s)
        w(f"<th style='background:{COLOUR_HEX[c]};color:{text_on(c)}'>{escape(s)}</th>")
    w("<th>Total</th><th>Overdue</th><th>Slipped</th></tr></thead><tbody>")
    rows = report.summary_rows()
    for n, (name, counts, total, overdue, slipped) in enumerate(rows):
        cls = " class='all'" if n == len(rows) - 1 else ""
        w(f"<tr{cls} data-theme='{escape(name)}'><td>{escape(name)}</td>")
        for s in statuses:
            w(f"<td class='n' data-status='{escape(s)}'>{counts.get(s, 0)}</td>")
        w(f"<td class='n' data-status='total'>{total}</td>")
        w(f"<td class='n' data-status='overdue'>{overdue}</td>")
        w(f"<td class='n' data-status='slipped'>{slipped}</td></tr>")
    w("</tbody></table>")


def _plan_table(w, report: Report) -> None:
    shown = grouped_columns(report)
    columns = [report.columns[i] for i in shown]
    weights = [WIDTHS.get(c.field, 20) for c in columns]
    total = sum(weights)
    w("<table class='plan' id='plan'><colgroup>")
    for wt in weights:
        w(f"<col style='width:{100 * wt / total:.1f}%'>")
    w("</colgroup><thead><tr>")
    for c in columns:
        w(f"<th>{escape(c.heading)}</th>")
    w("</tr></thead>")
    labels = [escape(c.heading) for c in columns]
    fields = [c.field for c in columns]
    shaded = [c.shaded for c in columns]
    headed = theme_rows(report)
    for theme in report.themes:
        w(f"<tbody data-theme='{escape(theme.name)}'>")
        if headed:
            w(f"<tr class='theme' data-theme='{escape(theme.name)}'>")
            w(f"<th colspan='{len(columns)}'>{escape(theme.heading)}</th></tr>")
        for row, cells in zip(theme.rows, grouped_cells(report, theme.rows), strict=True):
            cls = "action changed" if row.changes else "action"
            w(f"<tr class='{cls}' data-action-id='{row.action_id}'>")
            for label, field, shade, text in zip(labels, fields, shaded, cells, strict=True):
                if shade:
                    colour = row.colour
                    style = f" style='background:{COLOUR_HEX[colour]};color:{text_on(colour)}'"
                    w(f"<td class='status' data-label='{label}'{style}>{escape(text)}</td>")
                else:
                    body = escape(text).replace("\n", "<br>")
                    w(f"<td class='{field}' data-label='{label}'>{body}</td>")
            w("</tr>")
        w("</tbody>")
    w("</table>")

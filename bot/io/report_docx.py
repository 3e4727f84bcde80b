"""The board report as a Word document: A4 landscape, a title, the summary (counts by
status per theme and overall, overdue, slipped, the status chart), then the plan's table with
its header row repeated on every page, a merged row per theme, and status cells shaded in
their BRAG colour. The plan table's rows are written as WordprocessingML text and
spliced into the saved document (python-docx's cell-by-cell API is far too slow for a
5,000-row plan); the rest uses python-docx."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from bot.core.report import Report, safe_colour
from bot.core.statuses import COLOUR_HEX
from bot.core.text_input import strip_unsafe
from bot.io.report_layout import WIDTHS, grouped_cells, grouped_columns, text_on, theme_rows

PAGE_W, PAGE_H, MARGIN = Mm(297), Mm(210), Mm(12.7)
_TWIPS_PER_MM = 1440 / 25.4
_USABLE_TWIPS = int((297 - 2 * 12.7) * _TWIPS_PER_MM)
HEADER_FILL, THEME_FILL = "005EB8", "E8EDEE"  # NHS blue; NHS pale grey


def render_docx(report: Report) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = PAGE_W, PAGE_H
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(9)
    doc.add_heading(_clean(report.title), level=1)
    line = f"As at {report.as_at.day} {report.as_at:%B %Y}"
    if report.since:
        line += f"; changes marked since {report.since.day} {report.since:%B %Y}"
    doc.add_paragraph(line)
    _summary(doc, report)
    if report.themes:
        doc.add_picture(io.BytesIO(report.chart_png()), width=Mm(230))
    doc.add_page_break()
    rows = _plan_table(doc, report)
    buf = io.BytesIO()
    doc.save(buf)
    return _splice(buf.getvalue(), rows)


def _splice(data: bytes, rows: str) -> bytes:
    """Put the plan table's rows into the saved document: the table is the document's last,
    so they go before its closing tag. (Parsing and re-serialising thousands of rows
    through python-docx is most of the cost of a big report.)"""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "word/document.xml":
                head, sep, tail = content.decode("utf-8").rpartition("</w:tbl>")
                if not sep:
                    raise RuntimeError("the document has no table to fill")
                content = (head + rows + sep + tail).encode("utf-8")
            dst.writestr(info, content)
    return out.getvalue()


def _summary(doc, report: Report) -> None:
    statuses = report.statuses
    head = ["Theme", *statuses, "Total", "Overdue", "Slipped"]
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for i, (cell, text) in enumerate(zip(table.rows[0].cells, head, strict=True)):
        fill, colour = HEADER_FILL, "FFFFFF"
        if 1 <= i <= len(statuses):
            c = safe_colour(statuses[i - 1])
            fill, colour = COLOUR_HEX[c].lstrip("#"), text_on(c).lstrip("#")
        _set_cell(cell._tc, text, fill=fill, colour=colour, bold=True)
    rows = report.summary_rows()
    for n, (name, counts, total, overdue, slipped) in enumerate(rows):
        values = [name, *(str(counts.get(s, 0)) for s in statuses), str(total)]
        values += [str(overdue), str(slipped)]
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            _set_cell(cell._tc, text, bold=n == len(rows) - 1)
    _repeat_header(table._tbl.tr_lst[0])


def _plan_table(doc, report: Report) -> str:
    """The table with its header row; returns its other rows as WordprocessingML."""
    shown = grouped_columns(report)
    columns = [report.columns[i] for i in shown]
    n = len(columns)
    weights = [WIDTHS.get(c.field, 20) for c in columns]
    widths = [int(_USABLE_TWIPS * w / sum(weights)) for w in weights]
    table = doc.add_table(rows=1, cols=n)
    table.style = "Table Grid"
    tbl = table._tbl
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl.tblPr.append(layout)
    for col, w in zip(tbl.tblGrid.gridCol_lst, widths, strict=True):
        col.set(qn("w:w"), str(w))
    header = tbl.tr_lst[0]
    for tc, c, w in zip(header.tc_lst, columns, widths, strict=True):
        _set_cell(tc, c.heading, fill=HEADER_FILL, colour="FFFFFF", bold=True, width=w)
    _repeat_header(header)
    status_at = next((i for i, c in enumerate(columns) if c.shaded), None)
    # The rows as WordprocessingML text: building 40,000 cells element by element through
    # python-docx costs seconds.
    xml: list[str] = []
    add = xml.append
    headed = theme_rows(report)
    for theme in report.themes:
        if headed:
            add("<w:tr>")
            add(_tc_xml(theme.heading, sum(widths), fill=THEME_FILL, bold=True, span=n))
            add("</w:tr>")
        for row, cells in zip(theme.rows, grouped_cells(report, theme.rows), strict=True):
            add("<w:tr>")
            for i, (text, w) in enumerate(zip(cells, widths, strict=True)):
                if i == status_at:
                    colour = row.colour
                    fill = COLOUR_HEX[colour].lstrip("#")
                    add(_tc_xml(text, w, fill=fill, colour=text_on(colour).lstrip("#"), bold=True))
                else:
                    add(_tc_xml(text, w))
            add("</w:tr>")
    return "".join(xml)


def _tc_xml(text: str, width: int, *, fill=None, colour=None, bold=False, span=1) -> str:
    """One table cell, one paragraph a line."""
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if fill:
        props += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
    run_props = ""
    if bold or colour:
        run_props = "<w:rPr>" + ("<w:b/>" if bold else "")
        run_props += (f'<w:color w:val="{colour}"/>' if colour else "") + "</w:rPr>"
    paragraphs = "".join(
        f'<w:p><w:r>{run_props}<w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in (_clean(text).split("\n") or [""])
    )
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{paragraphs}</w:tc>"


def _repeat_header(tr) -> None:
    """Word prints this row again at the top of every page the table runs onto."""
    tr_pr = tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))
    cant = OxmlElement("w:cantSplit")
    tr_pr.append(cant)


def _set_cell(tc, text: str, *, fill=None, colour=None, bold=False, width=None, span=1) -> None:
    """Fill a w:tc with ``text`` (one paragraph a line), shading and width."""
    for p in tc.findall(qn("w:p")):
        tc.remove(p)
    tc_pr = tc.find(qn("w:tcPr"))
    if tc_pr is None:
        tc_pr = OxmlElement("w:tcPr")
        tc.insert(0, tc_pr)
    # Start the properties afresh, so each appears once and in the schema's order (tcW,
    # gridSpan, shd): Word refuses a file with a cell's tcW given twice.
    kept = tc_pr.find(qn("w:tcW"))
    for child in list(tc_pr):
        tc_pr.remove(child)
    if width is None and kept is not None:
        tc_pr.append(kept)
    if width is not None:
        tc_w = OxmlElement("w:tcW")
        tc_w.set(qn("w:w"), str(width))
        tc_w.set(qn("w:type"), "dxa")
        tc_pr.append(tc_w)
    if span > 1:
        grid_span = OxmlElement("w:gridSpan")
        grid_span.set(qn("w:val"), str(span))
        tc_pr.append(grid_span)
    if fill:
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        tc_pr.append(shd)
    for line in (_clean(text) or "").split("\n") or [""]:
        p = OxmlElement("w:p")
        r = OxmlElement("w:r")
        if bold or colour:
            r_pr = OxmlElement("w:rPr")
            if bold:
                r_pr.append(OxmlElement("w:b"))
            if colour:
                c = OxmlElement("w:color")
                c.set(qn("w:val"), colour)
                r_pr.append(c)
            r.append(r_pr)
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = line
        r.append(t)
        p.append(r)
        tc.append(p)


def _clean(text: str) -> str:
    return strip_unsafe(text)  # Word and lxml refuse controls and U+FFFE

"""Word documents built from the seed tables (the committed CSV fixtures, which hold each
seed's table as extracted), laid out as a programme office's Word file is: title paragraphs,
then one table per page with the header row repeated at the top of each, a page break
between, and section headings as paragraphs between tables. ``split_row`` cuts one row's
cell across a page break, as Word does with a long row."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.make_fixtures import html_paragraphs


def fixture_grid(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [row for row in csv.reader(f)]


def _chunks(grid: list[list[str]], header_first: str):
    """(paragraphs before, header, rows) per table, in order."""
    chunks, before, table = [], [], None
    for row in grid:
        cells = [c for c in row]
        if not any(c.strip() for c in cells):
            table = None
            continue
        if cells[0].strip() == header_first:
            table = (before, cells, [])
            chunks.append(table)
            before = []
            continue
        if table is None:
            before.append(" ".join(c for c in cells if c.strip()))
        else:
            table[2].append(cells)
    return chunks


def split_row(chunks, column: int) -> tuple[str, str]:
    """Move the second half of ``column``'s text in the last row of the first table that is
    followed by a continuing table (no heading between) onto the next table's first row.
    Returns (first half, second half)."""
    for i, (_, _, rows) in enumerate(chunks[:-1]):
        nxt = chunks[i + 1]
        if nxt[0] or not rows:
            continue
        words = rows[-1][column].split()
        if len(words) < 6:
            continue
        half = len(words) // 2
        first, rest = " ".join(words[:half]), " ".join(words[half:])
        rows[-1][column] = first
        continuation = [""] * len(nxt[1])
        continuation[column] = rest
        nxt[2].insert(0, continuation)
        return first, rest
    raise AssertionError("no row to split across a page")


def build_docx(grid: list[list[str]], path: Path, *, header_first: str, split_column=None):
    import docx
    from docx.enum.text import WD_BREAK

    chunks = _chunks(grid, header_first)
    split = split_row(chunks, split_column) if split_column is not None else None
    document = docx.Document()
    for before, header, rows in chunks:
        if before:
            for text in before:
                document.add_paragraph(text)
        else:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        table = document.add_table(rows=0, cols=len(header))
        table.style = "Table Grid"
        for cells in [header, *rows]:
            row = table.add_row()
            padded = cells + [""] * (len(header) - len(cells))
            for cell, raw in zip(row.cells, padded, strict=False):
                paragraphs = html_paragraphs(raw)
                cell.paragraphs[0].text = paragraphs[0]
                for extra in paragraphs[1:]:
                    cell.add_paragraph(extra)
    document.save(path)
    return split

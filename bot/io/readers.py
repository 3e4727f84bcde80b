"""Reading a file into grids of cell text — one grid per CSV, sheet or Word table — before
anything is known about plans. A file that is not what its extension says is refused here.

- .csv: delimiter sniffed among "," ";" and tab; UTF-8 (with or without BOM), UTF-16 with a
  BOM (Excel's "Unicode text"), else Windows-1252; quoting checked strictly.
- .tsv / .txt: one line per row, cells split on tabs (Word tables pasted as text, like the
  seeds); quotes are ordinary characters there.
- .xlsx / .xlsm: every sheet; dates become "DD/MM/YYYY", whole numbers lose their ".0".
- .docx: every top-level table, with the paragraphs written between tables (they can name
  the section the next table belongs to).

Every cell, sheet name and paragraph comes out with control characters and the characters
XML forbids removed (bot/core/text_input.strip_unsafe), as chat text is: an imported BEL or
ESC would otherwise reach reports and terminals.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from bot.core.text_input import strip_unsafe
from bot.io import limits as L
from bot.io.columns import AmbiguousHeader, read_header
from bot.io.plan_table import PlanFileError
from bot.io.zip_limits import check_document, check_workbook

TEXT_EXTENSIONS = {".csv", ".tsv", ".txt"}
EXCEL_EXTENSIONS = {".xlsx", ".xlsm"}
WORD_EXTENSIONS = {".docx"}
WHAT_WE_READ = "a CSV (.csv), tab-separated text (.tsv/.txt), Excel (.xlsx) or Word (.docx) file"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls/.doc, and encrypted Office files


@dataclass
class Grid:
    """One sheet or table: rows of cell strings and where each row sits in the file."""

    name: str  # "Sheet1", "table 2"; "" for a CSV or text file
    rows: list[list[str]]
    row_numbers: list[int]  # 1-based, parallel to rows: sheet row, CSV line, table row
    kind: str  # "text", "sheet" or "table"
    before: list[str] = field(default_factory=list)  # docx: paragraphs since the last table
    # docx: indexes of rows that are one cell merged across the whole table (a heading);
    # None where the format has no merged cells to tell (CSV, text).
    merged_rows: set[int] | None = None


def read_grid(path: str | Path) -> list[Grid]:
    """Every grid in the file. Raises PlanFileError for anything we cannot read."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in TEXT_EXTENSIONS | EXCEL_EXTENSIONS | WORD_EXTENSIONS | {".xls", ".doc"}:
        raise PlanFileError(
            f"is not a spreadsheet/CSV/Word file (extension {ext or 'none'!r}); expected "
            + WHAT_WE_READ,
            file=path.name,
        )
    try:
        _check_file_size(path, ext)
        data = path.read_bytes()
    except PlanFileError as exc:
        raise exc.in_file(path.name) from None
    except FileNotFoundError:
        raise PlanFileError("file not found", file=str(path)) from None
    except OSError as exc:
        raise PlanFileError(f"cannot read the file ({exc.strerror})", file=path.name) from None
    try:
        if not data.strip():
            raise PlanFileError("the file is empty")
        if ext in TEXT_EXTENSIONS:
            return _cleaned([_read_text(data, ext)])
        if ext in EXCEL_EXTENSIONS:
            return _cleaned(_read_xlsx(data))
        if ext in WORD_EXTENSIONS:
            return _cleaned(_read_docx(data))
        raise PlanFileError(
            f"is an old-format Office file ({ext}); save it as "
            f"{'.xlsx' if ext == '.xls' else '.docx'} and load that"
        )
    except PlanFileError as exc:
        raise exc.in_file(path.name) from None


def _cleaned(grids: list[Grid]) -> list[Grid]:
    """The grids with every text made safe to store, show and write into a report."""
    for g in grids:
        g.name = strip_unsafe(g.name)
        g.rows = [[strip_unsafe(c) for c in row] for row in g.rows]
        g.before = [strip_unsafe(p) for p in g.before]
    return grids


def _check_file_size(path: Path, ext: str) -> None:
    """Before reading a byte: a plan file is never this large."""
    size = path.stat().st_size
    limit = L.MAX_TEXT_FILE_BYTES if ext in TEXT_EXTENSIONS else L.MAX_OFFICE_FILE_BYTES
    if size > limit:
        raise PlanFileError(
            f"is too large to be a plan: {L.megabytes(size)} on disk; the limit is "
            f"{L.megabytes(limit)}"
        )


class _TextBudget:
    """Counts the text and filled rows read so far and stops at the limits, so a sheet
    repeating one long shared text in every cell cannot grow without bound."""

    def __init__(self) -> None:
        self.chars = 0
        self.filled_rows = 0

    def row(self, cells: list[str], number: int, where: str) -> None:
        if not any(c.strip() for c in cells):
            return
        self.filled_rows += 1
        if self.filled_rows > L.MAX_ROWS:
            raise PlanFileError(
                f"the file has more than {L.MAX_ROWS:,} filled rows, more than the limit of "
                f"{L.MAX_ROWS:,} rows a plan may have; reading stopped",
                row=number,
                sheet=where or None,
            )
        self.chars += sum(len(c) for c in cells)
        if self.chars > L.MAX_TEXT_CHARS:
            raise PlanFileError(
                f"the file holds more than {L.MAX_TEXT_CHARS:,} characters of text, more "
                "than a plan can; reading stopped",
                row=number,
                sheet=where or None,
            )


def _fit_columns(cells: list[str], number: int, where: str = "") -> list[str]:
    """A row no wider than MAX_COLUMNS: blank cells beyond are dropped, data refused."""
    if len(cells) <= L.MAX_COLUMNS:
        return cells
    extra = next((i for i in range(L.MAX_COLUMNS, len(cells)) if cells[i].strip()), None)
    if extra is not None:
        raise PlanFileError(
            f"column {extra + 1} holds data; a plan may have at most {L.MAX_COLUMNS} columns",
            row=number,
            sheet=where or None,
        )
    return cells[: L.MAX_COLUMNS]


# ---- CSV and text ---------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(_ZIP_MAGIC):
        raise PlanFileError(
            "is not a CSV/text file: it is a ZIP archive (an .xlsx or .docx saved under the "
            "wrong name?)"
        )
    if data.startswith(_OLE_MAGIC):
        raise PlanFileError("is not a CSV/text file: it is a binary Office file")
    if b"\x00" in data[:8192]:
        raise PlanFileError("is not a CSV/text file: it holds binary data")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PlanFileError(
            f"is not a CSV/text file: byte 0x{data[exc.start]:02x} on line {line} is "
            "neither UTF-8 nor Windows-1252 text"
        ) from None
    # cp1252 maps almost every byte to something; lots of control characters means binary.
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(2, len(sample) // 100):
        raise PlanFileError("is not a CSV/text file: it holds binary data")
    return text


def _read_text(data: bytes, ext: str) -> Grid:
    text = _decode(data)
    if not text.strip():
        raise PlanFileError("the file is empty")
    if ext == ".csv":
        return _parse_csv(text, _sniff_delimiter(text))
    # Word tables pasted as text: one line per row, tabs between cells, no quoting.
    rows, numbers = [], []
    budget = _TextBudget()
    for n, line in enumerate(_checked_lines(text, "\t"), start=1):
        cells = _fit_columns(line.rstrip("\r\n").split("\t"), n)
        if not any(c.strip() for c in cells):
            continue  # blank lines are not kept: row numbers say where each row was
        budget.row(cells, n, "")
        rows.append(cells)
        numbers.append(n)
    return Grid("", rows, numbers, "text")


def _checked_lines(text: str, delimiter: str):
    """The file's lines, refusing (before any is split into cells) a file of more lines,
    or a line of more cells, than a plan can have."""
    for n, line in enumerate(io.StringIO(text, newline=""), start=1):
        if n > L.MAX_RAW_ROWS:
            raise PlanFileError(
                f"the file has more than {L.MAX_RAW_ROWS:,} lines (blank ones included), "
                "more than a plan can have; reading stopped"
            )
        if len(line) > L.MAX_CELLS_PER_LINE and line.count(delimiter) > L.MAX_CELLS_PER_LINE:
            shown = {"\t": "tab", ",": "comma", ";": "semicolon"}[delimiter]
            raise PlanFileError(
                f"line {n} has more than {L.MAX_CELLS_PER_LINE:,} {shown}s, far more cells "
                "than a plan has"
            )
        yield line


def _sniff_delimiter(text: str) -> str:
    """The delimiter under which a header row appears; failing that, the one giving the most
    rows with the same (>1) number of cells. csv.Sniffer is too easily fooled by commas in
    prose inside quoted cells."""
    sample = text[:65536]
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t"):
        try:
            rows = list(
                _limited(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), 100)
            )
        except csv.Error:
            continue
        for i, row in enumerate(rows):
            try:
                header = read_header([c.strip() for c in row], i)
            except AmbiguousHeader:  # still a header: this delimiter fits
                return delimiter
            if header is not None:
                return delimiter
        counts: dict[int, int] = {}
        for row in rows:
            if len(row) > 1:
                counts[len(row)] = counts.get(len(row), 0) + 1
        score = max(counts.values(), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _limited(reader, n: int):
    for i, row in enumerate(reader):
        if i >= n:
            return
        yield row


def _parse_csv(text: str, delimiter: str) -> Grid:
    reader = csv.reader(_checked_lines(text, delimiter), delimiter=delimiter, strict=True)
    rows, numbers = [], []
    line = 1
    budget = _TextBudget()
    try:
        for row in reader:
            row = _fit_columns(row, line)
            if any(c.strip() for c in row):  # blank rows are not kept
                budget.row(row, line, "")
                rows.append(row)
                numbers.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise PlanFileError(
                f"a cell is longer than {csv.field_size_limit():,} characters", row=line
            ) from None
        raise PlanFileError(
            f"the CSV quoting is broken ({exc}); check the quotes around this row's cells",
            row=line,
        ) from None
    return Grid("", rows, numbers, "text")


# ---- Excel ------------------------------------------------------------------------------


def _excel_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"
    return str(value)


def _check_office_zip(data: bytes, kind: str, needed: str) -> None:
    """Refuse, with a reason, a file that is not an Office document of this kind."""
    if data.startswith(_OLE_MAGIC):
        raise PlanFileError(
            f"is not a readable {kind}: it is password-protected (encrypted) or in the old "
            f"binary format; remove the password / save it again as {needed} and load that"
        )
    if not data.startswith(_ZIP_MAGIC):
        raise PlanFileError(f"is not a spreadsheet/CSV/Word file: it is not {_a(kind)}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            part = "xl/workbook.xml" if kind == "Excel workbook" else "word/document.xml"
            if part not in names:
                raise PlanFileError(
                    f"is not a spreadsheet/CSV/Word file: this ZIP is not {_a(kind)}"
                )
            # Sizes and shape first: nothing is decompressed whole before they pass.
            (check_workbook if kind == "Excel workbook" else check_document)(zf)
            bad = zf.testzip()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise PlanFileError(
            f"is not a readable {kind}: the file is damaged (corrupt ZIP)"
        ) from None
    if bad is not None:
        raise PlanFileError(f"is not a readable {kind}: the file is damaged ({bad} is corrupt)")


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'AEIOU' else 'a'} {noun}"


def _read_xlsx(data: bytes) -> list[Grid]:
    _check_office_zip(data, "Excel workbook", ".xlsx")
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise PlanFileError(
            f"is not a readable Excel workbook ({type(exc).__name__}: {exc})"
        ) from None
    grids = []
    budget = _TextBudget()
    try:
        for ws in wb.worksheets:
            if not hasattr(ws, "iter_rows"):  # chart sheets
                continue
            # Some writers record a wrong sheet size; forget it and read every row, one at
            # a time (read-only mode streams the sheet), no wider than a plan may be
            # (zip_limits refused data beyond that column).
            ws.reset_dimensions()
            rows, numbers = [], []
            for n, values in enumerate(
                ws.iter_rows(max_col=L.MAX_COLUMNS, values_only=True), start=1
            ):
                cells = [_excel_text(v) for v in values]
                while cells and not cells[-1].strip():
                    cells.pop()
                if not cells:
                    continue  # blank rows are not kept (a sheet may jump to row 1,000,000)
                budget.row(cells, n, ws.title)
                rows.append(cells)
                numbers.append(n)
            if any(any(c.strip() for c in r) for r in rows):
                grids.append(Grid(ws.title, rows, numbers, "sheet"))
    except PlanFileError:
        raise
    except Exception as exc:
        raise PlanFileError(
            f"is not a readable Excel workbook ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        wb.close()
    if not grids:
        raise PlanFileError("the workbook has no sheet with any data")
    return grids


# ---- Word -------------------------------------------------------------------------------


_W_TEXT = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"


def _read_docx(data: bytes) -> list[Grid]:
    _check_office_zip(data, "Word document", ".docx")
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise PlanFileError(
            f"is not a readable Word document ({type(exc).__name__}: {exc})"
        ) from None
    grids: list[Grid] = []
    before: list[str] = []
    budget = _TextBudget()
    for block in document.iter_inner_content():
        if not isinstance(block, Table):
            # python-docx's .text costs an XPath query a paragraph; one without a text run
            # (a document can hold hundreds of thousands) is passed over in C by lxml.
            if next(block._p.iter(_W_TEXT), None) is None:
                continue
            text = block.text.strip()
            if text:
                before.append(text)
            continue
        rows, numbers, merged = [], [], set()
        for n, row in enumerate(block.rows, start=1):
            cells = _fit_columns(_docx_row(row), n, f"table {len(grids) + 1}")
            budget.row(cells, n, f"table {len(grids) + 1}")
            rows.append(cells)
            numbers.append(n)
            if _merged_across(row):
                merged.add(n - 1)
        grids.append(Grid(f"table {len(grids) + 1}", rows, numbers, "table", before, merged))
        before = []
    if not grids:
        raise PlanFileError("the Word document has no tables; the plan must be in a Word table")
    return grids


def _merged_across(row) -> bool:
    """One cell spanning every column of the table: how Word tables set a heading row."""
    cells = row.cells
    return len(cells) > 1 and all(c._tc is cells[0]._tc for c in cells)


def _docx_row(row) -> list[str]:
    # python-docx hands back a horizontally merged cell once per grid column it spans; keep
    # its text in the first column only, so it is not read twice, and keep the columns
    # aligned with the header. (A vertically merged cell repeats down the rows on purpose:
    # an owner merged over three actions owns all three.)
    cells = [""] * row.grid_cols_before
    previous = None
    for cell in row.cells:
        cells.append("" if cell._tc is previous else cell.text)
        previous = cell._tc
    return cells

"""Looking inside an .xlsx / .docx before it is parsed: the parts' uncompressed sizes and the
shape of their XML, so that a small file that expands to gigabytes, or a sheet of a million
rows, is refused in milliseconds with a clear message instead of exhausting the machine.

The XML is scanned with expat, streaming, holding no tree: memory stays flat however large
the part. A DTD (the way to an entity-expansion "billion laughs") is refused outright;
Office never writes one. Limits live in bot/io/limits.py.
"""

from __future__ import annotations

import re
import zipfile
from xml.parsers import expat

from bot.io import limits as L
from bot.io.plan_table import PlanFileError

_CHUNK = 256 * 1024
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")


class _Stop(Exception):
    """Raised from an expat handler to stop the scan with a message."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message, self.row = message, row


def check_workbook(zf: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts are too big or whose sheets exceed a plan's limits."""
    infos = _check_entries(zf, "Excel workbook", L.MAX_ZIP_TOTAL_BYTES)
    for info in infos:
        name = info.filename
        if _is_sheet(name) and info.file_size > L.MAX_SHEET_XML_BYTES:
            raise PlanFileError(
                f"is too large to read: one sheet ({name}) expands to "
                f"{L.megabytes(info.file_size)} of XML; the limit is "
                f"{L.megabytes(L.MAX_SHEET_XML_BYTES)} a sheet"
            )
        if name == "xl/sharedStrings.xml" and info.file_size > L.MAX_SHARED_STRINGS_BYTES:
            raise PlanFileError(
                f"is too large to read: its text (xl/sharedStrings.xml) expands to "
                f"{L.megabytes(info.file_size)}; the limit is "
                f"{L.megabytes(L.MAX_SHARED_STRINGS_BYTES)}"
            )
    filled = _Counter()
    other = _Counter()
    for info in infos:
        name = info.filename
        if _is_sheet(name):
            _scan(zf, info, _SheetScan(filled))
        elif name == "xl/sharedStrings.xml":
            _scan(zf, info, _SharedStringsScan())
        elif _is_xml(name):
            # Everything else openpyxl parses (workbook, styles, theme) is read as a tree.
            _scan(zf, info, _ElementScan(other, L.MAX_DOCX_ELEMENTS, "the workbook's parts"))


def check_document(zf: zipfile.ZipFile) -> None:
    """Refuse a Word document too large for python-docx to hold in memory."""
    infos = _check_entries(zf, "Word document", L.MAX_DOCX_TOTAL_BYTES)
    xml = [i for i in infos if _is_xml(i.filename)]
    for info in xml:
        if info.filename == "word/document.xml" and info.file_size > L.MAX_DOCX_XML_BYTES:
            raise PlanFileError(
                f"is too large to read: its text (word/document.xml) expands to "
                f"{L.megabytes(info.file_size)} of XML; the limit is "
                f"{L.megabytes(L.MAX_DOCX_XML_BYTES)} (save a plan this large as .xlsx or .csv)"
            )
    total_xml = sum(i.file_size for i in xml)
    if total_xml > L.MAX_DOCX_ALL_XML_BYTES:
        raise PlanFileError(
            f"is too large to read: its XML parts expand to {L.megabytes(total_xml)}; the "
            f"limit is {L.megabytes(L.MAX_DOCX_ALL_XML_BYTES)}"
        )
    elements = _Counter()
    for info in xml:
        _scan(zf, info, _DocxScan(elements, L.MAX_DOCX_ELEMENTS, "the document"))


# ---- the archive --------------------------------------------------------------------------


def _check_entries(zf: zipfile.ZipFile, kind: str, total_limit: int) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > L.MAX_ZIP_ENTRIES:
        raise PlanFileError(
            f"is not a readable {kind}: it holds {len(infos):,} parts (the limit is "
            f"{L.MAX_ZIP_ENTRIES:,})"
        )
    total = sum(i.file_size for i in infos)
    if total > total_limit:
        raise PlanFileError(
            f"is too large to read: it expands to {L.megabytes(total)} when unpacked; the "
            f"limit is {L.megabytes(total_limit)}"
        )
    return infos


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels"))


class _Counter:
    def __init__(self) -> None:
        self.n = 0


def _scan(zf: zipfile.ZipFile, info: zipfile.ZipInfo, scan) -> None:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = getattr(scan, "end", None)
    if hasattr(scan, "text"):
        parser.CharacterDataHandler = scan.text
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_entities
    try:
        with zf.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop as stop:
        where = f" ({_sheet_label(info.filename)})" if _is_sheet(info.filename) else ""
        raise PlanFileError(stop.message + where, row=stop.row) from None
    except expat.ExpatError as exc:
        raise PlanFileError(
            f"is not a readable Office file: {info.filename} is not well-formed XML "
            f"({expat.ErrorString(exc.code)}, line {exc.lineno})"
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise PlanFileError(
            f"is not a readable Office file: the file is damaged ({info.filename}: {exc})"
        ) from None


def _sheet_label(name: str) -> str:
    return f"sheet part {name.rsplit('/', 1)[-1]}"


def _no_doctype(*_args) -> None:
    raise _Stop("is not a readable Office file: its XML declares a DTD, which Office never does")


def _no_entities(*_args) -> None:
    raise _Stop("is not a readable Office file: its XML declares entities")


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _ElementScan:
    def __init__(self, counter: _Counter, limit: int, what: str):
        self.counter, self.limit, self.what = counter, limit, what

    def start(self, _name, _attrs) -> None:
        self.counter.n += 1
        if self.counter.n > self.limit:
            raise _Stop(
                f"is too large to read: {self.what} holds more than {self.limit:,} XML "
                "elements (save a plan this large as .xlsx or .csv)"
            )


class _DocxScan(_ElementScan):
    """Elements, and table cells spanning (or rows skipping) more columns than a plan has:
    python-docx makes a list entry for every grid column a cell spans."""

    _SPANS = ("gridSpan", "gridBefore", "gridAfter")

    def start(self, name, attrs) -> None:
        super().start(name, attrs)
        if _local(name) in self._SPANS:
            val = next((v for k, v in attrs.items() if _local(k) == "val"), "1")
            if not val.isdigit() or int(val) > L.MAX_COLUMNS:
                raise _Stop(
                    f"is not a readable Word document: a table cell spans {val[:20]} columns; "
                    f"a plan may have at most {L.MAX_COLUMNS}"
                )


class _SharedStringsScan:
    def __init__(self) -> None:
        self.n = 0

    def start(self, name, _attrs) -> None:
        if _local(name) == "si":
            self.n += 1
            if self.n > L.MAX_SHARED_STRINGS:
                raise _Stop(
                    f"is too large to read: it holds more than {L.MAX_SHARED_STRINGS:,} "
                    "different texts"
                )


class _SheetScan:
    """Rows, columns and cell sizes of one worksheet; filled rows count across the file."""

    def __init__(self, filled: _Counter):
        self.filled = filled
        self.rows = 0
        self.row_number = 0
        self.row_filled = False
        self.cells_in_row = 0
        self.column = 0
        self.cell_chars = 0
        self.in_value = False

    def start(self, name, attrs) -> None:
        tag = _local(name)
        if tag == "row":
            self.rows += 1
            if self.rows > L.MAX_RAW_ROWS:
                raise _Stop(f"is too large to read: a sheet has more than {L.MAX_RAW_ROWS:,} rows")
            r = attrs.get("r")
            self.row_number = int(r) if r and r.isdigit() else self.row_number + 1
            self.row_filled, self.cells_in_row, self.column = False, 0, 0
        elif tag == "c":
            self.cells_in_row += 1
            if self.cells_in_row > 16_384:  # Excel's own column count
                raise _Stop(
                    "is not a readable Excel workbook: a row has more cells than Excel allows",
                    row=self.row_number,
                )
            m = _CELL_REF.match(attrs.get("r", ""))
            self.column = _column_index(m.group(1)) if m else self.column + 1
            self.cell_chars = 0
        elif tag in ("v", "t"):
            self.in_value = True

    def text(self, data: str) -> None:
        if not self.in_value:
            return
        self.cell_chars += len(data)
        if self.cell_chars > L.MAX_XML_CELL_CHARS:
            raise _Stop(
                f"a cell holds more than {L.MAX_XML_CELL_CHARS:,} characters (Excel's own "
                "limit); the file was not written by Excel or is damaged",
                row=self.row_number,
            )
        if data.strip():
            self._filled()

    def end(self, name) -> None:
        tag = _local(name)
        if tag in ("v", "t"):
            self.in_value = False

    def _filled(self) -> None:
        if self.column > L.MAX_COLUMNS:
            raise _Stop(
                f"column {_column_letters(self.column)} holds data; a plan may have at most "
                f"{L.MAX_COLUMNS} columns",
                row=self.row_number,
            )
        if not self.row_filled:
            self.row_filled = True
            self.filled.n += 1
            if self.filled.n > L.MAX_ROWS:
                raise _Stop(
                    f"the file has more than {L.MAX_ROWS:,} filled rows, more than the limit "
                    f"of {L.MAX_ROWS:,} rows a plan may have; reading stopped",
                    row=self.row_number,
                )


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters

"""Plan files built to exhaust the machine: small on disk, huge when unpacked or parsed.

Each builder writes a real .xlsx / .docx / .csv (valid ZIP, valid Office skeleton from
openpyxl / python-docx) whose hostile part is streamed into the archive in chunks, so
building a 1.5 GB sheet costs a few seconds and little memory. `import_in_child(path)`
imports a file in a fresh interpreter and reports the outcome and its peak resident memory.

Used by tests/test_hostile_files.py and bench/bench_hostile_files.py.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_CHUNK_TARGET = 1 << 20

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
SHEET_TAIL = b"</sheetData></worksheet>"
DOC_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body>"
)
DOC_TAIL = b"</w:body></w:document>"


def _repeat(unit: bytes, total: int) -> Iterator[bytes]:
    """`unit` repeated up to `total` bytes, in chunks of about a megabyte."""
    per = max(1, _CHUNK_TARGET // len(unit))
    chunk = unit * per
    written = 0
    while written + len(chunk) <= total:
        yield chunk
        written += len(chunk)
    rest = (total - written) // len(unit)
    if rest:
        yield unit * rest


def _header_row() -> bytes:
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip(
            "ABCD", ("Action", "Deadline", "Owner", "Update on Progress"), strict=True
        )
    )
    return f'<row r="1">{cells}</row>'.encode()


def _skeleton(kind: str) -> bytes:
    buf = io.BytesIO()
    if kind == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active.title = "Plan"
        wb.active["A1"] = "Action"
        wb.save(buf)
    else:
        import docx

        d = docx.Document()
        d.add_table(rows=1, cols=2).rows[0].cells[0].text = "Action"
        d.save(buf)
    return buf.getvalue()


def office_file(
    path: Path,
    kind: str,
    part: str,
    chunks: Iterator[bytes] | Callable[[], Iterator[bytes]],
    *,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A real .xlsx/.docx whose `part` (e.g. xl/worksheets/sheet1.xml) is replaced by the
    streamed `chunks`; `extra` replaces or adds other parts."""
    skeleton = zipfile.ZipFile(io.BytesIO(_skeleton(kind)))
    extra = dict(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in skeleton.infolist():
            if info.filename == part:
                with out.open(part, "w", force_zip64=True) as fh:
                    for chunk in chunks() if callable(chunks) else chunks:
                        fh.write(chunk)
            elif info.filename in extra:
                out.writestr(info.filename, extra.pop(info.filename))
            else:
                out.writestr(info, skeleton.read(info.filename))
        for name, data in extra.items():
            out.writestr(name, data)
    return path


# ---- the hostile files ----------------------------------------------------------------------


def docx_bomb(path: Path, gigabytes: float = 1.0) -> Path:
    """A .docx of a few MB whose document.xml expands to `gigabytes` of tables."""
    row = b"<w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr>"

    def chunks():
        yield DOC_HEAD + b"<w:tbl>"
        yield from _repeat(row, int(gigabytes * 1024**3))
        yield b"</w:tbl>" + DOC_TAIL

    return office_file(path, "docx", "word/document.xml", chunks)


def docx_dense(path: Path, megabytes: int = 19) -> Path:
    """A .docx under the size limit whose document.xml is nothing but tiny elements (the
    most memory per byte for a parser that builds a tree)."""

    def chunks():
        yield DOC_HEAD
        yield from _repeat(b"<w:p/>", megabytes * 1024**2)
        yield DOC_TAIL

    return office_file(path, "docx", "word/document.xml", chunks)


def docx_wide_span(path: Path) -> Path:
    """A table cell claiming to span 100 million grid columns."""
    body = (
        DOC_HEAD + b'<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="100000000"/></w:tcPr>'
        b"<w:p><w:r><w:t>Action</w:t></w:r></w:p></w:tc></w:tr></w:tbl>" + DOC_TAIL
    )
    return office_file(path, "docx", "word/document.xml", iter([body]))


def xlsx_bomb(path: Path, gigabytes: float = 1.5) -> Path:
    """An .xlsx of a few MB whose one sheet expands to `gigabytes` of rows."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'

    def chunks():
        yield SHEET_HEAD + _header_row()
        yield from _repeat(row, int(gigabytes * 1024**3))
        yield SHEET_TAIL

    return office_file(path, "xlsx", "xl/worksheets/sheet1.xml", chunks)


def xlsx_rows(path: Path, rows: int = 100_000) -> Path:
    """A well-formed plan sheet with `rows` actions (5x the limit by default)."""

    def chunks():
        yield SHEET_HEAD + _header_row()
        batch = []
        for n in range(2, rows + 2):
            batch.append(
                f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Action {n}</t></is></c>'
                f'<c r="B{n}" t="inlineStr"><is><t>March 2021</t></is></c>'
                f'<c r="C{n}" t="inlineStr"><is><t>Director of Finance</t></is></c></row>'
            )
            if len(batch) == 5000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode() + SHEET_TAIL

    return office_file(path, "xlsx", "xl/worksheets/sheet1.xml", chunks)


def xlsx_shared_text(path: Path, rows: int = 19_000, chars: int = 9_000) -> Path:
    """Every cell of 19,000 rows points at one 9,000-character shared text: a few MB of XML
    that reads as 1.7 billion characters if each cell is copied."""
    strings = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="1"><si><t>' + b"w" * chars + b"</t></si></sst>"
    )
    cell = '<c r="{col}{n}" t="s"><v>0</v></c>'

    def chunks():
        yield SHEET_HEAD + _header_row()
        for n in range(2, rows + 2):
            yield (
                f'<row r="{n}">' + "".join(cell.format(col=c, n=n) for c in "ABCDEFGHIJ") + "</row>"
            ).encode()
        yield SHEET_TAIL

    skeleton = zipfile.ZipFile(io.BytesIO(_skeleton("xlsx")))
    types = skeleton.read("[Content_Types].xml").replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = skeleton.read("xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/></Relationships>',
    )
    return office_file(
        path,
        "xlsx",
        "xl/worksheets/sheet1.xml",
        chunks,
        extra={
            "xl/sharedStrings.xml": strings,
            "xl/_rels/workbook.xml.rels": rels,
            "[Content_Types].xml": types,
        },
    )


def xlsx_huge_cell(path: Path, megabytes: int = 60) -> Path:
    """One inline cell of `megabytes` of text, inside the sheet size limit."""

    def chunks():
        yield SHEET_HEAD + _header_row() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        yield from _repeat(b"y" * 1024, megabytes * 1024**2)
        yield b"</t></is></c></row>" + SHEET_TAIL

    return office_file(path, "xlsx", "xl/worksheets/sheet1.xml", chunks)


def xlsx_far_column(path: Path) -> Path:
    """Data in column XFD (16,384) on every one of 19,000 rows: padded rows of 16,384 cells."""

    def chunks():
        yield SHEET_HEAD + _header_row()
        for n in range(2, 19_002):
            yield (
                f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Action</t></is></c>'
                f'<c r="XFD{n}"><v>1</v></c></row>'
            ).encode()
        yield SHEET_TAIL

    return office_file(path, "xlsx", "xl/worksheets/sheet1.xml", chunks)


def xlsx_laughs(path: Path) -> Path:
    """The 'billion laughs': nested XML entities, 10^9 copies of a word from 1 KB."""
    dtd = b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    prev = "lol"
    for i in range(1, 10):
        name = f"lol{i}"
        dtd += f'<!ENTITY {name} "{("&" + prev + ";") * 10}">'.encode()
        prev = name
    dtd += b"]>"
    body = (
        b'<?xml version="1.0"?>'
        + dtd
        + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    return office_file(path, "xlsx", "xl/worksheets/sheet1.xml", iter([body]))


def csv_wide(path: Path, megabytes: int = 19) -> Path:
    """A CSV under the size limit whose one line is millions of empty cells."""
    with open(path, "wb") as fh:
        fh.write(b"Action,Deadline,Owner\n")
        for chunk in _repeat(b",", megabytes * 1024**2):
            fh.write(chunk)
        fh.write(b"\n")
    return path


def csv_big(path: Path, megabytes: int = 25) -> Path:
    """A CSV over the size limit (25 MB of real rows)."""
    row = b"Do the thing,March 2021,Director of Finance,On track\n"
    with open(path, "wb") as fh:
        fh.write(b"Action,Deadline,Owner,Update on Progress\n")
        for chunk in _repeat(row, megabytes * 1024**2):
            fh.write(chunk)
    return path


def csv_blank_lines(path: Path, megabytes: int = 19) -> Path:
    """A CSV under the size limit: a header, then 19 million blank lines, then one action."""
    with open(path, "wb") as fh:
        fh.write(b"Action,Deadline,Owner\n")
        for chunk in _repeat(b"\n", megabytes * 1024**2):
            fh.write(chunk)
        fh.write(b"Do the thing,March 2021,Director of Finance\n")
    return path


def docx_near_limit(path: Path) -> Path:
    """A plan table just inside the element limit: 19,000 rows of 3 cells of short text,
    which python-docx must hold as a tree (the heaviest legitimate .docx we accept)."""

    def chunks():
        yield DOC_HEAD + b"<w:tbl>"
        cell = "<w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>"
        head = "".join(cell.format(t) for t in ("Action", "Deadline", "Owner"))
        yield f"<w:tr>{head}</w:tr>".encode()
        batch = []
        for n in range(1, 19_000):
            texts = (f"Action {n}", "March 2021", "Director of Finance")
            batch.append("<w:tr>" + "".join(cell.format(t) for t in texts) + "</w:tr>")
            if len(batch) == 1000:
                yield "".join(batch).encode()
                batch = []
        yield "".join(batch).encode() + b"</w:tbl>" + DOC_TAIL

    return office_file(path, "docx", "word/document.xml", chunks)


HOSTILE = {
    "docx_bomb.docx": docx_bomb,
    "docx_dense.docx": docx_dense,
    "docx_dense_inside.docx": lambda path: docx_dense(path, megabytes=3),
    "docx_wide_span.docx": docx_wide_span,
    "xlsx_bomb.xlsx": xlsx_bomb,
    "xlsx_rows.xlsx": xlsx_rows,
    "xlsx_shared_text.xlsx": xlsx_shared_text,
    "xlsx_huge_cell.xlsx": xlsx_huge_cell,
    "xlsx_far_column.xlsx": xlsx_far_column,
    "xlsx_laughs.xlsx": xlsx_laughs,
    "csv_wide.csv": csv_wide,
    "csv_big.csv": csv_big,
    "csv_blank_lines.csv": csv_blank_lines,
    "docx_near_limit.docx": docx_near_limit,
}

_CHILD = """
import json, sys, time
from bot.io.plan_reader import read_plan
from bot.io.plan_table import PlanFileError
start = time.perf_counter()
try:
    table = read_plan(sys.argv[1])
    outcome = {"ok": True, "rows": len(table.rows)}
except PlanFileError as exc:
    outcome = {"ok": False, "error": str(exc)}
outcome["seconds"] = time.perf_counter() - start
# VmHWM: this process's peak resident memory (ru_maxrss can carry the parent's over exec).
with open("/proc/self/status") as fh:
    hwm = next(line for line in fh if line.startswith("VmHWM:"))
outcome["peak_mb"] = int(hwm.split()[1]) / 1024
print(json.dumps(outcome))
"""


def import_in_child(path: Path, timeout: float = 300) -> dict:
    """Import `path` in a fresh interpreter: {"ok", "error" | "rows", "seconds", "peak_mb"}."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise AssertionError(f"the import of {path.name} crashed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])

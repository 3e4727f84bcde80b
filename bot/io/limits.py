"""How big a plan file may be, and the memory an import stays inside.

A plan is a table of at most MAX_ROWS actions. Office files are ZIP archives whose parts
can expand a thousandfold (a 3 MB .docx holding 1 GB of XML), so sizes are checked before
anything is parsed: the file on disk, each part's uncompressed size as the archive records
it (zipfile never hands back more than that), and the shape of the XML (rows, columns,
cells, elements) by a streaming scan that holds no tree. Only then do openpyxl (in its
streaming read-only mode) and python-docx see the file. With these limits an import of
any file, however hostile, peaks below MEMORY_BOUND_MB of resident memory
(tests/test_hostile_files.py builds such files and measures it).
"""

from __future__ import annotations

MEMORY_BOUND_MB = 300

MAX_ROWS = 20_000  # filled rows (actions, headings, headers) in the whole file
MAX_CELL_CHARS = 10_000  # one cell of a plan
MAX_COLUMNS = 200  # columns holding data
MAX_TEXT_CHARS = 20_000_000  # all cell text read from the file, counted as it is read

MAX_TEXT_FILE_BYTES = 20 * 1024 * 1024  # .csv / .tsv / .txt on disk
MAX_OFFICE_FILE_BYTES = 50 * 1024 * 1024  # .xlsx / .docx on disk (compressed)

MAX_ZIP_ENTRIES = 2_000
MAX_ZIP_TOTAL_BYTES = 250 * 1024 * 1024  # all parts, uncompressed
MAX_SHEET_XML_BYTES = 100 * 1024 * 1024  # one worksheet, uncompressed (read streaming)
MAX_SHARED_STRINGS_BYTES = 50 * 1024 * 1024  # openpyxl keeps the shared strings in memory
MAX_SHARED_STRINGS = 500_000
MAX_RAW_ROWS = 200_000  # rows of one sheet / lines of a text file, blank ones included
MAX_CELLS_PER_LINE = 20_000  # separators on one line of a CSV / text file
MAX_XML_CELL_CHARS = 32_767  # Excel's own limit for one cell
# python-docx holds the whole document as a tree (about 8 bytes of memory per byte of XML,
# more for many tiny elements), so a Word plan is held to a smaller document part.
MAX_DOCX_XML_BYTES = 20 * 1024 * 1024  # word/document.xml, uncompressed
MAX_DOCX_ALL_XML_BYTES = 30 * 1024 * 1024  # every XML part of a .docx
MAX_DOCX_TOTAL_BYTES = 100 * 1024 * 1024  # every part (python-docx loads images too)
MAX_DOCX_ELEMENTS = 600_000  # XML elements in word/document.xml


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"

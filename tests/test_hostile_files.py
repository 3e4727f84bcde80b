"""Files built to exhaust the machine are refused quickly, with a message naming the file,
inside the stated memory bound (bot/io/limits.py: MEMORY_BOUND_MB).

Each file is generated here (small on disk: a 1 GB document is 6 MB zipped) and imported in a
fresh interpreter that reports its peak resident memory (VmHWM). The heaviest files we still
accept are measured by bench/bench_hostile_files.py.
"""

from __future__ import annotations

import pytest

from bot.io.limits import MEMORY_BOUND_MB
from tests.support import hostile_files as hf

REFUSED = [
    ("docx_bomb.docx", hf.docx_bomb, "expands to 1,025 MB when unpacked; the limit is 100 MB"),
    ("docx_dense.docx", hf.docx_dense, "holds more than 600,000 XML elements"),
    ("docx_wide_span.docx", hf.docx_wide_span, "a table cell spans 100000000 columns"),
    ("xlsx_bomb.xlsx", hf.xlsx_bomb, "expands to 1,536 MB when unpacked; the limit is 250 MB"),
    ("xlsx_rows.xlsx", hf.xlsx_rows, "row 20001: the file has more than 20,000 filled rows"),
    ("xlsx_shared_text.xlsx", hf.xlsx_shared_text, "more than 20,000,000 characters of text"),
    ("xlsx_huge_cell.xlsx", hf.xlsx_huge_cell, "row 2: a cell holds more than 32,767 characters"),
    ("xlsx_far_column.xlsx", hf.xlsx_far_column, "row 2: column XFD holds data"),
    ("xlsx_laughs.xlsx", hf.xlsx_laughs, "its XML declares a DTD"),
    ("csv_wide.csv", hf.csv_wide, "line 2 has more than 20,000 commas"),
    ("csv_big.csv", hf.csv_big, "is too large to be a plan: 25 MB on disk; the limit is 20 MB"),
    ("csv_blank_lines.csv", hf.csv_blank_lines, "more than 200,000 lines"),
]


@pytest.mark.parametrize(("name", "build", "fragment"), REFUSED, ids=[r[0] for r in REFUSED])
def test_hostile_file_is_refused_inside_the_memory_bound(tmp_path, name, build, fragment):
    path = build(tmp_path / name)
    outcome = hf.import_in_child(path)
    assert outcome["ok"] is False
    assert fragment in outcome["error"]
    assert outcome["error"].startswith(name)  # the message names the file
    assert outcome["peak_mb"] < MEMORY_BOUND_MB, outcome


def test_every_hostile_builder_is_tested():
    assert {r[0] for r in REFUSED} <= set(hf.HOSTILE)
    # The rest are files within the limits, measured by the benchmark.
    assert set(hf.HOSTILE) - {r[0] for r in REFUSED} == {
        "docx_dense_inside.docx",
        "docx_near_limit.docx",
    }


def test_a_large_plan_inside_the_limits_still_loads(tmp_path):
    """19,999 actions in a streamed sheet: read whole, well inside the bound."""
    path = hf.xlsx_rows(tmp_path / "big_plan.xlsx", rows=19_998)
    outcome = hf.import_in_child(path)
    assert outcome["ok"] is True, outcome
    assert outcome["rows"] == 19_998
    assert outcome["peak_mb"] < MEMORY_BOUND_MB, outcome

"""Word tables (issue 7): a row carrying an action over a page break (only its first cell
filled, not merged across the table) joins the action above; a heading is a row merged
across the table. Built from seed 004's own rows (tests/fixtures/plans/seed004.csv)."""

from __future__ import annotations

from pathlib import Path

import docx

from bot.io.plan_reader import read_plan

PLANS = Path(__file__).parent / "fixtures" / "plans"
HEADER = ["Action", "Date", "Owner", "Updated position post Covid"]


def _seed004_rows(n: int) -> list[list[str]]:
    """Seed 004's first actions as the CSV reader reads them (plain text)."""
    rows = read_plan(PLANS / "seed004.csv").rows[:n]
    return [[r.action, r.deadline_text, " / ".join(r.owners), r.progress_text] for r in rows]


def _docx(path: Path, rows: list[tuple[str, list[str]]]) -> Path:
    document = docx.Document()
    table = document.add_table(rows=0, cols=len(HEADER))
    for kind, cells in [("row", HEADER), *rows]:
        row = table.add_row()
        if kind == "merged":
            merged = row.cells[0].merge(row.cells[-1])
            merged.text = cells[0]
        else:
            for cell, text in zip(row.cells, cells, strict=False):
                cell.text = text
    document.save(path)
    return path


def test_page_break_tail_joins_and_merged_rows_are_headings(tmp_path):
    first, second, third = _seed004_rows(3)
    words = first[0].split()
    head, tail = " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])
    path = _docx(
        tmp_path / "plan.docx",
        [
            ("merged", ["Leadership and governance"]),
            ("row", [head, *first[1:]]),
            ("row", [tail, "", "", ""]),  # carried over the page break: not merged
            ("row", second),
            ("merged", ["Workforce and wellbeing"]),  # a heading: merged across
            ("row", third),
        ],
    )
    table = read_plan(path)
    assert [(r.action, r.theme) for r in table.rows] == [
        (" ".join(first[0].split()), "Leadership and governance"),
        (second[0], "Leadership and governance"),
        (third[0], "Workforce and wellbeing"),
    ]
    # Named by the action's words, not the Word table's row number.
    assert any(w.startswith(f"row 4: joined onto “{head[:20]}") for w in table.warnings)


def test_a_lone_unmerged_row_after_a_finished_action_is_still_a_heading(tmp_path):
    (first,) = _seed004_rows(1)
    done = first[0].rstrip(". ") + "."
    path = _docx(
        tmp_path / "plan.docx",
        [
            ("row", [done, *first[1:]]),
            ("row", ["Priority Two: Culture", "", "", ""]),
            ("row", [done.replace(".", " again."), *first[1:]]),
        ],
    )
    table = read_plan(path)
    assert [r.theme for r in table.rows] == ["", "Culture"] or [r.theme for r in table.rows][
        1
    ] != ""

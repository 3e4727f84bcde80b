"""A plan whose section headings name the lead officer ("Workforce Development – Lead
Officer: Director of Workforce"), as CSV, XLSX and DOCX: the officer owns the section's
actions that name no owner and leads the theme; the theme keeps its own title."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.io.cell_text import split_lead_officer
from bot.io.plan_import import import_plan
from bot.io.plan_reader import read_plan
from bot.platforms.console.reports import import_summary
from storage.engine import read_session, write_session
from storage.models import Owner, Theme
from storage.people import find_owner
from storage.plans import set_theme_lead
from storage.queries import get_plan, plan_snapshot

CLOCK = FixedClock(datetime(2021, 4, 1, 9, tzinfo=UTC))
TITLE = "Workforce and culture plan 2021/22"
HEADER = ["Action", "Deadline", "Owner"]
ROWS = [
    ["Workforce Development – Lead Officer: Director of Workforce"],
    ["Run the staff survey", "Q3 2021/22", ""],
    ["Refresh the appraisal paperwork", "Q4 2021/22", "Head of HR"],
    ["Culture (Lead Officer – Jane Smith)"],
    ["Hold the values workshops", "June 2021", ""],
    ["Digital - Lead: Chief Digital Officer"],
    ["Move the intranet to the new platform", "March 2022", ""],
    ["Quality: Lead Director: Director of Nursing"],
    ["Publish the quality account", "June 2021", ""],
    ["Leadership Development"],
    ["Launch the mentoring scheme", "September 2021", ""],
]
THEMES = ["Workforce Development", "Culture", "Digital", "Quality", "Leadership Development"]
LEADS = {
    "Workforce Development": "Director of Workforce",
    "Culture": "Jane Smith",
    "Digital": "Chief Digital Officer",
    "Quality": "Director of Nursing",
}
OWNERS = {
    "Run the staff survey": ["Director of Workforce"],
    "Refresh the appraisal paperwork": ["Head of HR"],  # its own owner wins
    "Hold the values workshops": ["Jane Smith"],
    "Move the intranet to the new platform": ["Chief Digital Officer"],
    "Publish the quality account": ["Director of Nursing"],
    "Launch the mentoring scheme": [],
}


def write_plan(path: Path) -> Path:
    ext = path.suffix
    if ext == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([[TITLE], [], HEADER, *ROWS])
        path.write_text(buf.getvalue(), encoding="utf-8")
    elif ext == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        for row in [[TITLE], [], HEADER, *ROWS]:
            ws.append(row or [None])
        wb.save(path)
    else:
        import docx

        document = docx.Document()
        document.add_heading(TITLE, level=0)
        table = document.add_table(rows=0, cols=len(HEADER))
        for cells in [HEADER, *ROWS]:
            row = table.add_row()
            if len(cells) == 1:  # a heading: one cell merged across the table, as Word does
                merged = row.cells[0].merge(row.cells[-1])
                merged.text = cells[0]
                continue
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
        document.save(path)
    return path


@pytest.mark.parametrize(
    ("heading", "title", "lead"),
    [
        (
            "Workforce Development – Lead Officer: Director of Workforce",
            "Workforce Development",
            "Director of Workforce",
        ),
        ("Culture - Lead: Jane Smith", "Culture", "Jane Smith"),
        ("Engagement (Lead Officer – Jane Smith)", "Engagement", "Jane Smith"),
        ("Quality: Lead Director: Director of Nursing", "Quality", "Director of Nursing"),
        ("Estates — lead officer - Head of Estates", "Estates", "Head of Estates"),
        ("Leadership Development", "Leadership Development", ""),
        ("Staff engagement - lead by example", "Staff engagement - lead by example", ""),
    ],
)
def test_heading_splits_into_title_and_lead(heading, title, lead):
    assert split_lead_officer(heading) == (title, lead)


@pytest.mark.parametrize("ext", ["csv", "xlsx", "docx"])
def test_reader_keeps_clean_titles_and_the_lead(tmp_path, ext):
    table = read_plan(write_plan(tmp_path / f"leads.{ext}"))
    assert [r.theme for r in table.rows] == [
        "Workforce Development",
        "Workforce Development",
        "Culture",
        "Digital",
        "Quality",
        "Leadership Development",
    ]
    assert {r.theme: r.theme_lead for r in table.rows if r.theme_lead} == LEADS
    assert [r.theme_heading for r in table.rows] == [r.theme for r in table.rows]
    # Headings naming a lead are headings without a "read as a section heading" doubt.
    doubts = [w for w in table.warnings if "as a section heading" in w]
    assert len(doubts) == 1 and "'Leadership Development'" in doubts[0]


@pytest.mark.parametrize("ext", ["csv", "xlsx", "docx"])
def test_import_gives_the_lead_officer_the_actions_and_the_theme(engine, tmp_path, ext):
    r = import_plan(engine, CLOCK, write_plan(tmp_path / f"leads.{ext}"))
    assert r.owners == 5 and r.themes == 5
    with read_session(engine) as s:
        snap = plan_snapshot(s, get_plan(s, r.plan_name).id)
        themes = list(s.exec(select(Theme).order_by(Theme.position)))
        leads = {t.name: s.get(Owner, t.lead_owner_id).name for t in themes if t.lead_owner_id}
        kinds = {o.name: o.kind for o in s.exec(select(Owner))}
    assert [t.name for t in themes] == THEMES
    assert leads == LEADS
    assert {a.text: [o.name for o in a.owners] for a in snap.actions} == OWNERS
    assert kinds["Jane Smith"] == "person" and kinds["Director of Nursing"] == "role"
    assert r.checks.unowned == [(None, "Launch the mentoring scheme")]
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(import_summary(r))
    text = console.export_text()
    assert "theme “Culture”: lead officer Jane Smith (from the section heading)" in text
    assert "1 action has no owner: nobody will be nudged about them — `actions unowned`" in text
    assert "Launch the mentoring scheme" in text


def test_a_lead_set_by_hand_is_kept_and_said(engine, tmp_path):
    f = write_plan(tmp_path / "leads.csv")
    first = import_plan(engine, CLOCK, f)
    with write_session(engine) as s:
        theme = s.exec(select(Theme).where(Theme.name == "Culture")).one()
        other = find_owner(s, "Director of Workforce")
        set_theme_lead(s, theme, other)
    again = import_plan(engine, CLOCK, f)
    assert again.plan_name == first.plan_name and again.sync.unchanged == 6
    assert again.checks.notes == [
        "theme “Culture”: the file names Jane Smith as lead officer, but the theme's lead is "
        "Director of Workforce (set with `plan lead`); kept"
    ]
    with read_session(engine) as s:
        theme = s.exec(select(Theme).where(Theme.name == "Culture")).one()
        assert s.get(Owner, theme.lead_owner_id).name == "Director of Workforce"


def test_lead_in_a_theme_column_and_in_word_paragraphs(tmp_path):
    f = tmp_path / "themes.csv"
    f.write_text(
        "Plan\n\nTheme,Action,Owner\n"
        "Workforce – Lead Officer: Director of Workforce,Run the staff survey,\n"
        ",Refresh appraisal,Head of HR\n",
        encoding="utf-8",
    )
    table = read_plan(f)
    assert [(r.theme, r.theme_lead, r.owners) for r in table.rows] == [
        ("Workforce", "Director of Workforce", []),
        ("Workforce", "Director of Workforce", ["Head of HR"]),
    ]
    import docx

    document = docx.Document()
    document.add_heading(TITLE, level=0)
    for heading, action in (
        ("Workforce Development – Lead Officer: Director of Workforce", "Run the staff survey"),
        ("Culture (Lead Officer – Jane Smith)", "Hold the values workshops"),
    ):
        document.add_paragraph(heading)
        table = document.add_table(rows=0, cols=len(HEADER))
        for cells in (HEADER, [action, "June 2021", ""]):
            for cell, text in zip(table.add_row().cells, cells, strict=True):
                cell.text = text
    document.save(tmp_path / "paragraphs.docx")
    rows = read_plan(tmp_path / "paragraphs.docx").rows
    assert [(r.theme, r.theme_lead) for r in rows] == [
        ("Workforce Development", "Director of Workforce"),
        ("Culture", "Jane Smith"),
    ]

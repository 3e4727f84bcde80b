"""The board report: round trips on seeds 000 and 004 (Word document built from the seed's
table → import → report as at the seed's date, every action's status and commentary compared
cell by cell in every format), the plan as at earlier dates, changes since a date, and the
structure of the DOCX, XLSX and CSV files (on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest

from bot.core.clock import FixedClock
from bot.core.report import PROGRESS_HEADING, report_from_store
from bot.core.statuses import COLOUR_HEX, Colour
from bot.core.update_text import infer_status
from bot.io.plan_import import import_plan
from bot.io.plan_reader import read_plan
from bot.io.report_writers import render
from storage.engine import read_session, write_session
from storage.models import Action
from storage.people import assign_role, upsert_person
from storage.queries import get_plan
from storage.updates import NewUpdate, append_update
from tests.support.report_docs import build_docx, fixture_grid

PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
SEED004_PROGRESS = "Updated position post Covid"  # the plan's own heading, kept
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def norm(text: str) -> str:
    return " ".join((text or "").split()).rstrip(".").strip()


# -- reading each format back into (theme, action, progress cell) rows ---------------------------
def rows_from_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode()), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def rows_from_xlsx(data: bytes) -> list[dict[str, str]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets[1:]:
        header = [c.value for c in ws[2]]
        for row in ws.iter_rows(min_row=3, values_only=True):
            out.append(dict(zip(header, [v or "" for v in row], strict=True)))
    return out


def rows_from_docx(data: bytes, action_heading: str) -> list[dict[str, str]]:
    table = docx.Document(io.BytesIO(data)).tables[-1]
    header = [c.text for c in table.rows[0].cells]
    out = []
    for tr in table.rows[1:]:
        cells = [c.text for c in tr.cells]
        if len(set(cells)) == 1 and len(cells) > 1:
            continue  # a theme row, merged across
        out.append(dict(zip(header, cells, strict=True)))
    return out


def check_against_seed(
    seed_rows, exported: list[dict[str, str]], action_heading: str, progress=PROGRESS_HEADING
) -> None:
    """Every action in the seed's order: the same action text, and the report's Update on
    Progress cell says the seed's status and commentary: "Status: commentary" where the seed's
    cell leads with a status word, else the commentary as the seed wrote it."""
    assert len(exported) == len(seed_rows)
    for seed, got in zip(seed_rows, exported, strict=True):
        assert norm(got[action_heading]) == norm(seed.action)
        cell = norm(got[progress])
        if not seed.progress_text.strip():
            assert cell == "" and got["Status"] == "No update", seed.action
            continue
        # The office's own words, exactly as the file had them (issue 17 / 19); the status
        # read from them by the same reader as replies, "Not stated" where none is clear.
        assert cell == norm(seed.progress_text), seed.action
        inferred = infer_status(seed.progress_text)
        assert got["Status"] == (inferred.value if inferred else "Not stated"), seed.action


@pytest.fixture
def seed000_docx(tmp_path) -> Path:
    path = tmp_path / "seed000.docx"
    build_docx(
        fixture_grid(PLANS / "seed000.csv"),
        path,
        header_first="Organisational Development Theme",
    )
    return path


def test_seed000_round_trip_from_word(engine, seed000_docx):
    """UPDATE AT NOVEMBER 2019: imported on 1 Nov 2019, reported as at 30 Nov 2019."""
    seed = read_plan(PLANS / "seed000.csv").rows
    import_plan(
        engine, FixedClock(datetime(2019, 11, 1, 9, tzinfo=UTC)), seed000_docx, plan_name="OD"
    )
    with read_session(engine) as s:
        plan_id = get_plan(s, "OD").id
    report = report_from_store(
        engine, plan_id, as_at=date(2019, 11, 30), extras=frozenset({"status"})
    )
    assert report.title == "OD — Update at November 2019"
    assert [c.heading for c in report.columns] == [
        "Organisational Development Theme",
        "Culture Theme",
        "Objectives",
        "Actions",
        "Deadline",
        "Status",
        PROGRESS_HEADING,
    ]
    # Word cells carry no <b>: the theme is the cell's whole text, which leads with the name.
    names = list(dict.fromkeys(r.theme for r in seed))
    assert [t.name[: len(n)] for t, n in zip(report.themes, names, strict=True)] == names
    assert [len(t.rows) for t in report.themes] == [12, 15, 6]
    # The seed's own counts by status, read from its cells' leading words.
    leading = [r.progress_text.split(":")[0].strip() for r in seed if r.progress_text.strip()]
    assert report.counts["No update"] == 1
    for status in ("Completed", "On track", "Ongoing", "Developing", "Pending"):
        assert report.counts[status] == leading.count(status), status
    check_against_seed(seed, rows_from_csv(render(report, "csv")), "Actions")
    check_against_seed(seed, rows_from_xlsx(render(report, "xlsx")), "Actions")
    check_against_seed(seed, rows_from_docx(render(report, "docx"), "Actions"), "Actions")


def test_seed004_round_trip_from_word_with_a_row_split_across_a_page(engine, tmp_path):
    path = tmp_path / "seed004.docx"
    first, rest = build_docx(
        fixture_grid(PLANS / "seed004.csv"), path, header_first="Action", split_column=3
    )
    seed = read_plan(PLANS / "seed004.csv").rows
    split = next(r for r in seed if norm(f"{first} {rest}") == norm(r.progress_text))
    import_plan(engine, FixedClock(datetime(2021, 4, 1, 9, tzinfo=UTC)), path, plan_name="OD4")
    with read_session(engine) as s:
        plan_id = get_plan(s, "OD4").id
    report = report_from_store(
        engine, plan_id, as_at=date(2021, 4, 30), extras=frozenset({"status"})
    )
    assert report.title == "OD4 — Update at April 2021"
    assert [c.heading for c in report.columns] == [
        "Action",
        "Date",
        "Owner",
        "Status",
        SEED004_PROGRESS,
    ]
    assert [len(t.rows) for t in report.themes] == [20, 13, 13]
    joined = next(r for r in report.rows if norm(r.cells[1]) and split.action in r.cells[0])
    assert norm(split.progress_text) in norm(joined.cells[-1]).replace(": ", " ") or norm(
        joined.cells[-1]
    ).endswith(norm(rest))
    # "By September 2020 Revised 31 st March 2021": as written, with its revision.
    assert report.rows[0].cells[1] == "By September 2020 Revised 31 st March 2021"
    assert report.slipped == sum(1 for r in seed if re.search(r"revised", r.deadline_text, re.I))
    for fmt, reader in (("csv", rows_from_csv), ("xlsx", rows_from_xlsx)):
        got = reader(render(report, fmt))
        check_against_seed(seed, got, "Action", SEED004_PROGRESS)
        assert [g["Theme"] for g in got] == [r.theme_heading for r in seed]  # added: none
    got = rows_from_docx(render(report, "docx"), "Action")
    check_against_seed(seed, got, "Action", SEED004_PROGRESS)


# -- as at a date --------------------------------------------------------------------------------
T0 = datetime(2019, 6, 3, 9, tzinfo=UTC)


def _plan_file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "plan.csv"
    path.write_text("Ref,Theme,Action,Deadline,Lead\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _update(engine, ref, at, status, commentary, **kw):
    with write_session(engine) as s:
        action = s.exec(Action.__table__.select().where(Action.ref == ref)).first()
        append_update(
            s,
            NewUpdate(action.id, status, commentary, "reply", author_name="Jane Smith", **kw),
            now=at,
        )


def _as_at(engine, day, **kw):
    with read_session(engine) as s:
        plan_id = get_plan(s).id
    kw.setdefault("extras", frozenset({"status", "attribution", "owner"}))
    return report_from_store(engine, plan_id, as_at=day, **kw)


def test_the_plan_as_at_any_date(engine, tmp_path):
    rows = [
        "L1,Leadership,Run leadership workshops,Quarter 2 2019/20,Director of Corporate Affairs",
        "L2,Leadership,Publish the coaching offer,31/07/2019,Julie Fellows",
        "C1,Culture,Staff recognition scheme,Ongoing,Julie Fellows",
    ]
    import_plan(engine, FixedClock(T0), _plan_file(tmp_path, rows))
    with write_session(engine) as s:
        alice = upsert_person(s, "Alice Smith", now=T0)
        bob = upsert_person(s, "Bob Jones", now=T0)
        assign_role(s, "Director of Corporate Affairs", alice, now=T0)
        assign_role(s, "Director of Corporate Affairs", bob, now=datetime(2019, 9, 1, tzinfo=UTC))
    _update(engine, "L1", datetime(2019, 7, 10, 14, tzinfo=UTC), "On track", "Workshops booked")
    _update(engine, "L2", datetime(2019, 7, 20, 14, tzinfo=UTC), "Delayed", "Printer delays",
            revised_deadline_text="end of October", revised_due=date(2019, 10, 31))  # fmt: skip
    _update(engine, "L1", datetime(2019, 9, 3, 10, tzinfo=UTC), None, "First two held")
    _update(engine, "L1", datetime(2019, 10, 2, 10, tzinfo=UTC), "Completed", "All six held")
    # A new action on 1 Oct, and C1 dropped from the plan (archived) on 1 Nov.
    import_plan(
        engine,
        FixedClock(datetime(2019, 10, 1, 9, tzinfo=UTC)),
        _plan_file(tmp_path, [*rows, "C2,Culture,Wellbeing working group,Quarter 4,CFO"]),
    )
    import_plan(
        engine,
        FixedClock(datetime(2019, 11, 1, 9, tzinfo=UTC)),
        _plan_file(
            tmp_path, [rows[0], rows[1], "C2,Culture,Wellbeing working group,Quarter 4,CFO"]
        ),
    )

    def by_ref(report):
        return {r.ref: r for r in report.rows}

    assert _as_at(engine, date(2019, 6, 2)).total == 0  # before the plan was loaded
    june = by_ref(_as_at(engine, date(2019, 6, 30)))
    assert set(june) == {"L1", "L2", "C1"}
    assert june["L1"].status is None and june["L1"].cells[-1] == ""
    assert june["L1"].cells[4] == "Director of Corporate Affairs (Alice Smith)"

    aug = _as_at(engine, date(2019, 8, 31))
    a = by_ref(aug)
    assert a["L1"].cells[-1] == "On track: Workshops booked (updated 10 Jul 2019 by Jane Smith)"
    assert a["L2"].deadline == "31/07/2019 (revised to end of October 2019)"
    assert a["L2"].slipped and aug.slipped == 1
    assert not a["L2"].overdue  # due 31 Oct by then
    # A comment keeps the status it had; the role is held by Bob from 1 September.
    sep = by_ref(_as_at(engine, date(2019, 9, 30)))
    assert (sep["L1"].status, sep["L1"].commentary) == ("On track", "First two held")
    assert sep["L1"].cells[4] == "Director of Corporate Affairs (Bob Jones)"
    assert "C2" not in sep

    octo = _as_at(engine, date(2019, 10, 31), since=date(2019, 9, 30))
    o = by_ref(octo)
    assert set(o) == {"L1", "L2", "C1", "C2"}
    assert o["C2"].changes == ("new action",)
    assert o["L1"].changes == ("new status", "new commentary")
    assert o["L2"].changes == () and o["C1"].changes == ()
    assert octo.columns[-1].heading == "Changed since 30 Sep 2019"
    assert o["L1"].cells[-1] == "new status, new commentary"

    nov = _as_at(engine, date(2019, 11, 30))
    n = by_ref(nov)
    assert set(n) == {"L1", "L2", "C2"}  # C1 archived on 1 Nov
    assert n["L2"].overdue and nov.overdue == 1  # 31 Oct passed, still Delayed
    assert nov.counts == {"Completed": 1, "Delayed": 1, "No update": 1}
    assert [t.name for t in _as_at(engine, date(2019, 11, 30), theme="cult").themes] == ["Culture"]
    with pytest.raises(ValueError, match="no theme matches 'money'. Themes: Leadership; Culture"):
        _as_at(engine, date(2019, 11, 30), theme="money")
    with pytest.raises(ValueError, match="must be before"):
        _as_at(engine, date(2019, 11, 30), since=date(2019, 12, 1))


# -- file structure ------------------------------------------------------------------------------
INJECTIONS = ['=HYPERLINK("http://evil.example","x")', "+44 20 7946 0000", "-1+2", "@SUM(A1)"]


@pytest.fixture
def risky_report(engine, tmp_path):
    rows = [
        f'R{i},Leadership,"{text.replace(chr(34), chr(34) * 2)}",{due},Jane Smith'
        for i, (text, due) in enumerate(
            zip(INJECTIONS, ["31/03/2020"] * 3 + ["30/11/2019"], strict=True), start=1
        )
    ]
    rows.append("G1,Governance,Refresh the board's terms of reference,31/12/2019,Jane Smith")
    import_plan(engine, FixedClock(T0), _plan_file(tmp_path, rows))
    _update(engine, "R1", datetime(2019, 7, 1, tzinfo=UTC), None, "=1+1 and a comment")
    _update(engine, "R2", datetime(2019, 7, 1, tzinfo=UTC), "At risk", "Funding unclear")
    _update(engine, "G1", datetime(2019, 7, 1, tzinfo=UTC), "Completed", "Signed off")
    return _as_at(engine, date(2020, 1, 31))


def test_xlsx_structure(risky_report):
    wb = openpyxl.load_workbook(io.BytesIO(render(risky_report, "xlsx")))
    assert wb.sheetnames == ["Summary", "Leadership", "Governance"]
    summary = wb["Summary"]
    assert summary["A1"].value == risky_report.title
    head = [c.value for c in summary[4]]
    assert head[0] == "Theme" and head[-3:] == ["Total", "Overdue", "Slipped"]
    totals = {row[0]: row for row in summary.iter_rows(min_row=5, max_row=7, values_only=True)}
    assert totals["All themes"][head.index("Total")] == 5
    assert totals["Leadership"][head.index("At risk")] == 1
    assert totals["All themes"][head.index("Overdue")] == 1
    assert len(summary._images) == 1  # the status chart
    ws = wb["Leadership"]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:G6"
    header = [c.value for c in ws[2]]
    assert header == ["Ref", "Theme", "Action", "Deadline", "Lead", "Status", PROGRESS_HEADING]
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
    actions = [ws.cell(r, 3).value for r in range(3, 7)]
    assert actions == INJECTIONS  # shown exactly as written, as text
    assert ws.cell(3, 7).value.startswith("=1+1 and a comment (updated 1 Jul 2019")
    status = ws.cell(4, 6)
    assert status.value == "At risk"
    assert status.fill.fgColor.rgb == "00" + COLOUR_HEX[Colour.AMBER].lstrip("#")
    assert ws.cell(3, 6).fill.fgColor.rgb == "00" + COLOUR_HEX[Colour.GREY].lstrip("#")
    assert ws.cell(3, 3).alignment.wrap_text
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width


def test_overdue_counts_open_actions_past_their_date(risky_report):
    # As at 31 Jan 2020: R4 (due 30 Nov 2019, no update) is overdue; G1 (due 31 Dec 2019)
    # is completed; the rest are due 31 Mar 2020.
    assert risky_report.overdue == 1
    assert [r.ref for r in risky_report.rows if r.overdue] == ["R4"]


def test_csv_protects_formula_cells(risky_report):
    rows = rows_from_csv(render(risky_report, "csv"))
    assert [r["Action"] for r in rows[:4]] == ["'" + t for t in INJECTIONS]
    assert rows[0][PROGRESS_HEADING].startswith("'=1+1 and a comment")
    assert rows[-1]["Status"] == "Completed"


def test_docx_structure(risky_report):
    document = docx.Document(io.BytesIO(render(risky_report, "docx")))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)  # A4
    assert section.orientation == 1  # landscape
    summary, table = document.tables
    assert [c.text for c in summary.rows[-1].cells][:1] == ["All themes"]
    header = table.rows[0]
    # The plan's own columns, its Theme column included: no heading rows in its place,
    # the theme written on the first row of its actions, as the plan writes it.
    assert [c.text for c in header.cells] == [
        "Ref",
        "Theme",
        "Action",
        "Deadline",
        "Lead",
        "Status",
        PROGRESS_HEADING,
    ]
    assert header._tr.trPr.find(f"{W}tblHeader") is not None  # repeated on every page
    assert all(len(r._tr.tc_lst) == 7 for r in table.rows[1:])
    assert [r.cells[1].text for r in table.rows[1:]] == ["Leadership", "", "", "", "Governance"]
    fills = {}
    for r in table.rows[1:]:
        shd = r._tr.tc_lst[5].tcPr.find(f"{W}shd")
        fills[r.cells[0].text] = (r.cells[5].text, shd.get(f"{W}fill"))
    assert fills["R2"] == ("At risk", COLOUR_HEX[Colour.AMBER].lstrip("#"))
    assert fills["G1"] == ("Completed", COLOUR_HEX[Colour.BLUE].lstrip("#"))
    # R1's latest update is a comment with no status: "Not stated" (issue 17), still grey.
    assert fills["R1"] == ("Not stated", COLOUR_HEX[Colour.GREY].lstrip("#"))
    assert len(document.inline_shapes) == 1  # the status chart
    # Word refuses a cell whose properties repeat (e.g. two widths): each appears once.
    for t in document.tables:
        for tc in t._tbl.iter(f"{W}tc"):
            tags = [child.tag for child in tc.tcPr]
            assert len(tags) == len(set(tags)), tags

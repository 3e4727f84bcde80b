"""The board paper, cell for cell: seed 000's plan loaded without its "Update on Progress"
column, each of its November 2019 cells sent by an administrator as a chat reply through the
real conversation path (the clock on the day), then the report as at 30 November 2019 in
every format: each column the plan's, in its order, with its heading, and every cell the
seed's after normalising whitespace only. Seed 004's Word plan, imported with its own
progress column: every progress and deadline cell as the file had it. The extras, each on
and off in each format, and the plan setting that turns them on by default."""

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
from bot.core.report import report_from_store
from bot.core.service import PlanService
from bot.io.plan_import import import_plan
from bot.io.plan_reader import read_plan
from bot.io.report_writers import render
from handlers.conversation import Conversation, person_key
from storage.engine import read_session, write_session
from storage.people import upsert_person
from storage.plans import update_plan
from storage.queries import get_plan

PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
ADMIN = "Pat Officer"
_TAG = re.compile(r"<[^>]+>")


def ws(text) -> str:
    """Whitespace normalised, nothing else: full stops and words are compared as written."""
    return " ".join(str(text or "").split())


def words(text: str) -> str:
    # A Word/HTML-marked seed cell ("<p>Completed: …</p>") as its reader would type it.
    return ws(_TAG.sub(" ", text))


# -- reading each format back: (headings, rows of cells) ---------------------------------------
def table_csv(data: bytes):
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[0], rows[1:]


def table_xlsx(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    head, out = None, []
    for sheet in wb.worksheets[1:]:
        head = [c.value for c in sheet[2]]
        out += [[v or "" for v in r] for r in sheet.iter_rows(min_row=3, values_only=True)]
    return head, out


def table_docx(data: bytes):
    table = docx.Document(io.BytesIO(data)).tables[-1]
    head = [c.text for c in table.rows[0].cells]
    out = []
    for tr in table.rows[1:]:
        if len(tr._tr.tc_lst) == 1:
            continue  # a theme row, merged across
        out.append([c.text for c in tr.cells])
    return head, out


def table_html(data: bytes):
    from html.parser import HTMLParser

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.head, self.rows, self.cell, self.where = [], [], None, None
            self.in_plan = False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "table":
                self.in_plan = a.get("id") == "plan"
            if not self.in_plan:
                return
            if tag == "tr" and "action" in (a.get("class") or ""):
                self.rows.append([])
                self.where = "row"
            elif tag == "thead":
                self.where = "head"
            elif tag in ("td", "th") and self.where in ("row", "head"):
                self.cell = []
            elif tag == "br" and self.cell is not None:
                self.cell.append("\n")

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                text = "".join(self.cell)
                (self.head if self.where == "head" else self.rows[-1]).append(text)
                self.cell = None
            elif tag in ("thead", "tr") and self.where == "head" and tag == "thead":
                self.where = None
            elif tag == "tr":
                self.where = None if self.where == "row" else self.where

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    p = P()
    p.feed(data.decode("utf-8"))
    return p.head, p.rows


READERS = {"csv": table_csv, "xlsx": table_xlsx, "docx": table_docx, "html": table_html}


# -- seed 000 replayed through chat --------------------------------------------------------------
def _without_progress(tmp_path: Path) -> Path:
    """Seed 000's own file with its "Update on Progress" column emptied (the heading kept
    out too): the plan as the office had it before the November round."""
    with open(PLANS / "seed000.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    head_at = next(i for i, r in enumerate(rows) if "Update on Progress" in r)
    col = rows[head_at].index("Update on Progress")
    out = tmp_path / "seed000_no_progress.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([r[:col] + r[col + 1 :] for r in rows])
    return out


@pytest.fixture
def replayed(engine, tmp_path):
    seed = read_plan(PLANS / "seed000.csv")
    import_plan(
        engine,
        FixedClock(datetime(2019, 10, 1, 9, tzinfo=UTC)),
        _without_progress(tmp_path),
        plan_name="OD",
    )
    with write_session(engine) as s:
        upsert_person(
            s, ADMIN, email="pat@example.org", is_admin=True, now=datetime(2019, 10, 1, tzinfo=UTC)
        )
    clock = FixedClock(datetime(2019, 11, 5, 10, tzinfo=UTC))
    service = PlanService(engine, clock, plan_name="OD")
    conv = Conversation(service)
    actor = service.actor_for_name(ADMIN)
    key = person_key(actor.person)
    ids = [a.id for a in sorted(service.snapshot().actions, key=lambda a: a.position)]
    assert len(ids) == len(seed.rows) == 33
    for n, (action_id, row) in enumerate(zip(ids, seed.rows, strict=True)):
        if not row.progress_text.strip():
            continue
        clock.set(datetime(2019, 11, 5, 10, n, tzinfo=UTC))
        conv.remember_nudge("console", key, (action_id,))
        reply = conv.handle(actor, words(row.progress_text), platform="console")
        assert type(reply).__name__ not in ("Problem", "Question"), (row.action, reply)
    with read_session(engine) as s:
        plan_id = get_plan(s, "OD").id
    return engine, plan_id, seed


# The one November cell where the owner states that the action moved ("Pending: Moved to
# quarter 4 …", on a Quarter 2 action): the move revises the deadline (a new deadline, a
# slip), but the paper says it once, in the owner's words beside the plan's "Quarter 2", as
# the office wrote it. Every cell is the seed's own.
MOVED = {"Review the 10%ers scheme": "Quarter 2"}


def _theme_cells_000() -> list[str]:
    """The seed's own theme cells, in order (its first column wherever it is filled)."""
    with open(PLANS / "seed000.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    head_at = next(i for i, r in enumerate(rows) if "Update on Progress" in r)
    cells = [r[0] for r in rows[head_at + 1 :] if r and r[0].strip() and r[0] != rows[head_at][0]]
    return list(dict.fromkeys(words(c) for c in cells))


def _expected_000(seed) -> list[list[str]]:
    written = dict(zip(dict.fromkeys(r.theme for r in seed.rows), _theme_cells_000(), strict=True))
    out = []
    for r in seed.rows:
        deadline = next((d for a, d in MOVED.items() if r.action.startswith(a)), r.deadline_text)
        out.append(
            [
                written[r.theme],
                *r.theme_tags,
                r.objective,
                r.action,
                deadline,
                words(r.progress_text),
            ]
        )
    return out


def test_seed000_replayed_from_chat_is_the_offices_paper_in_every_format(replayed):
    engine, plan_id, seed = replayed
    report = report_from_store(engine, plan_id, as_at=date(2019, 11, 30))
    with open(PLANS / "seed000.csv", encoding="utf-8-sig", newline="") as f:
        headings = next(r for r in csv.reader(f) if "Update on Progress" in r)  # the seed's
    assert len(headings) == 6
    assert [c.heading for c in report.columns] == headings
    expected = [[ws(c) for c in row] for row in _expected_000(seed)]
    for fmt, read in READERS.items():
        head, rows = read(render(report, fmt))
        want = [list(row) for row in expected]
        if fmt in ("docx", "html"):
            # A document writes the table as the seed does: the theme, its tag and an
            # objective only on the row that names them, blank under it.
            for i in range(1, len(want)):
                for col in (0, 1, 2):
                    if expected[i][: col + 1] == expected[i - 1][: col + 1]:
                        want[i][col] = ""
        got = [[ws(c) for c in r] for r in rows]
        assert [ws(h) for h in head] == headings, fmt
        assert len(got) == len(want), fmt
        for w, g in zip(want, got, strict=True):
            assert g == w, (fmt, w[-3])


# -- the extras, each on and off, in each format ----------------------------------------------
def _shades(fmt: str, data: bytes, heading: str) -> list[str]:
    """The fill of each action row's cell under ``heading`` ("" where it is not shaded)."""
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(data))
        out = []
        for sheet in wb.worksheets[1:]:
            col = [c.value for c in sheet[2]].index(heading) + 1
            for r in range(3, sheet.max_row + 1):
                fill = sheet.cell(r, col).fill
                out.append(fill.fgColor.rgb[-6:] if fill.fill_type == "solid" else "")
        return out
    if fmt == "docx":
        w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
        table = docx.Document(io.BytesIO(data)).tables[-1]
        col = [c.text for c in table.rows[0].cells].index(heading)
        out = []
        for tr in table.rows[1:]:
            if len(tr._tr.tc_lst) == 1:
                continue
            shd = tr._tr.tc_lst[col].tcPr.find(f"{w}shd")
            out.append(shd.get(f"{w}fill") if shd is not None else "")
        return out
    if fmt == "html":
        html = data.decode("utf-8").split("id='plan'", 1)[1]
        return re.findall(r"<tr class='action[^']*'[^>]*>.*?</tr>", html, re.S) and [
            (m.group(1) if m else "")
            for row in re.findall(r"<tr class='action[^']*'[^>]*>(.*?)</tr>", html, re.S)
            for m in [re.search(r"style='background:#([0-9A-Fa-f]{6})", row)]
        ]
    return []


def test_each_extra_on_and_off_in_each_format(replayed):
    from bot.core.report import safe_colour
    from bot.core.statuses import COLOUR_HEX

    engine, plan_id, seed = replayed
    plain = report_from_store(engine, plan_id, as_at=date(2019, 11, 30), extras=frozenset())
    base = [c.heading for c in plain.columns]
    for fmt, read in READERS.items():
        head, _ = read(render(plain, fmt))
        for extra_heading in ("Status", "Owner", "Deadline revised"):
            assert extra_heading not in head, (fmt, extra_heading)
        assert not any(h.startswith("Changed since") for h in head), fmt
    assert not any("(updated" in c for r in plain.rows for c in r.cells)

    def one(extra):
        return report_from_store(
            engine, plan_id, as_at=date(2019, 11, 30), extras=frozenset({extra})
        )

    status = one("status")
    assert [c.heading for c in status.columns] == [*base[:-1], "Status", base[-1]]
    labels = [r.status_label for r in status.rows]
    # The seed's own words lead each cell: the status is the word each owner used.
    assert labels == [
        words(r.progress_text).split(":")[0] if r.progress_text.strip() else "No update"
        for r in seed.rows
    ]
    fills = [COLOUR_HEX[safe_colour(r.status)].lstrip("#").upper() for r in status.rows]
    for fmt, read in READERS.items():
        data = render(status, fmt)
        head, rows = read(data)
        at = head.index("Status")
        assert [ws(r[at]) for r in rows] == labels, fmt
        if fmt != "csv":
            assert [s.upper() for s in _shades(fmt, data, "Status")] == fills, fmt
            assert not any(_shades(fmt, render(plain, fmt), base[-1])), fmt

    owner = one("owner")
    assert [c.heading for c in owner.columns] == [*base[:-1], "Owner", base[-1]]

    changes = one("changes")  # no date given: since the end of the month before
    assert changes.columns[-1].heading == "Changed since 31 Oct 2019"
    for fmt, read in READERS.items():
        head, rows = read(render(changes, fmt))
        assert head[-1] == "Changed since 31 Oct 2019", fmt
        want = [
            ""
            if not r.progress_text.strip()
            else "new status, new commentary"
            + (", new deadline" if any(r.action.startswith(a) for a in MOVED) else "")
            for r in seed.rows
        ]
        assert [ws(r[-1]) for r in rows] == want, fmt

    attributed = one("attribution")
    for fmt, read in READERS.items():
        head, rows = read(render(attributed, fmt))
        cells = [ws(r[-1]) for r in rows if ws(r[-1])]
        assert len(cells) == 32, fmt
        assert all(c.endswith("by Pat Officer)") and "(updated 5 Nov 2019" in c for c in cells)

    slips = one("slips")
    for fmt, read in READERS.items():
        head, rows = read(render(slips, fmt))
        assert head[-1] == "Deadline revised", fmt
        assert [ws(r[-1]) for r in rows].count("1") == len(MOVED), fmt


def test_a_plan_setting_turns_the_extras_on_by_default(replayed):
    engine, plan_id, _ = replayed
    with write_session(engine) as s:
        plan = get_plan(s, "OD")
        update_plan(s, plan, now=datetime(2019, 11, 30, tzinfo=UTC), report_with="status,owner")
    report = report_from_store(engine, plan_id, as_at=date(2019, 11, 30))
    assert report.extras == {"status", "owner"}
    headings = [c.heading for c in report.columns]
    assert headings[-3:] == ["Owner", "Status", "Update on Progress"]
    for fmt, read in READERS.items():
        head, _ = read(render(report, fmt))
        assert "Status" in head and "Owner" in head, fmt
    # Asked for nothing: the plan's own table, whatever the setting.
    plain = report_from_store(engine, plan_id, as_at=date(2019, 11, 30), extras=frozenset())
    assert "Status" not in [c.heading for c in plain.columns]


def test_the_plans_own_rag_column_is_the_one_shaded(engine):
    import_plan(
        engine, FixedClock(datetime(2019, 11, 1, tzinfo=UTC)), PLANS / "seed000_dotted_rag.csv"
    )
    with read_session(engine) as s:
        plan_id = get_plan(s).id
    plain = report_from_store(engine, plan_id, as_at=date(2019, 11, 30), extras=frozenset())
    headings = [c.heading for c in plain.columns]
    assert headings.count("RAG") == 1 and "Status" not in headings
    shaded = report_from_store(
        engine, plan_id, as_at=date(2019, 11, 30), extras=frozenset({"status"})
    )
    assert [c.heading for c in shaded.columns] == headings  # no second status column
    assert [c.heading for c in shaded.columns if c.shaded] == ["RAG"]
    for fmt in ("xlsx", "docx", "html"):
        assert any(_shades(fmt, render(shaded, fmt), "RAG")), fmt
        assert not any(_shades(fmt, render(plain, fmt), "RAG")), fmt


# -- seed 004: the Word plan with its own progress column, no replies ---------------------------
SEED004_HEADINGS = ["Action", "Date", "Owner", "Updated position post Covid"]  # the file's
SEED004_THEMES = [  # the headings above its tables, as the document writes them
    "3. Priority One: Becoming a Strategic Commissioner",
    "4. Priority Two: People Development",
    "Priority Three: Leadership Development",
]


def _theme_rows_docx(data: bytes) -> list[str]:
    table = docx.Document(io.BytesIO(data)).tables[-1]
    return [tr.cells[0].text for tr in table.rows[1:] if len(tr._tr.tc_lst) == 1]


def test_seed004_word_plan_is_reported_as_the_file_had_it(engine):
    path = PLANS / "seed004.docx"
    seed = read_plan(path)
    import_plan(engine, FixedClock(datetime(2021, 4, 1, 9, tzinfo=UTC)), path, plan_name="OD4")
    with read_session(engine) as s:
        plan_id = get_plan(s, "OD4").id
    report = report_from_store(engine, plan_id, as_at=date(2021, 4, 30))
    assert [c.heading for c in report.columns] == SEED004_HEADINGS
    assert [t.heading for t in report.themes] == SEED004_THEMES
    want = [
        [ws(r.action), ws(r.deadline_text), ws(r.owner_text), ws(r.progress_text)]
        for r in seed.rows
    ]
    assert len(want) == 46
    # The owner cells as written ("New Chair and AO"), not the owners the reader split out.
    assert want[0][2] == "New Chair and AO"
    for fmt, read in READERS.items():
        data = render(report, fmt)
        head, rows = read(data)
        got = [[ws(c) for c in r] for r in rows]
        if fmt in ("csv", "xlsx"):  # one row per action: the theme, as written, leads
            assert head == ["Theme", *SEED004_HEADINGS], fmt
            assert [g[0] for g in got] == [
                SEED004_THEMES[[t.name for t in report.themes].index(r.theme)] for r in seed.rows
            ]
            got = [g[1:] for g in got]
        else:
            assert head == SEED004_HEADINGS, fmt
        assert got == want, fmt
    assert _theme_rows_docx(render(report, "docx")) == SEED004_THEMES
    html = render(report, "html").decode("utf-8")
    assert all(f">{t}</th>" in html for t in SEED004_THEMES)


# -- history as it was -------------------------------------------------------------------------
def _csv(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("Ref,Theme,Action,Deadline,Lead\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_past_report_shows_each_row_as_the_plan_had_it_then(engine, tmp_path):
    june = [
        "L1,Leadership,Run leadership workshops,Quarter 2,Director of Corporate Affairs",
        "L2,Leadership,Publish the coaching offer,31/07/2019,Julie Fellows",
        "C1,Culture,Staff recognition scheme,Ongoing,Julie Fellows",
    ]
    october = [
        "L1,Culture,Run six leadership workshops,Quarter 3,Director of Governance and CSU",
        "L2,Leadership,Publish the coaching offer,31/07/2019,Julie Fellows",
        "C2,Culture,Wellbeing working group,Quarter 4,CFO",
    ]
    import_plan(engine, FixedClock(datetime(2019, 6, 3, tzinfo=UTC)), _csv(tmp_path, "a.csv", june))
    import_plan(
        engine, FixedClock(datetime(2019, 10, 1, tzinfo=UTC)), _csv(tmp_path, "b.csv", october)
    )
    with read_session(engine) as s:
        plan_id = get_plan(s).id

    def rows(day):
        r = report_from_store(engine, plan_id, as_at=day, extras=frozenset())
        heads = [c.heading for c in r.columns]
        return {row.ref: dict(zip(heads, row.cells, strict=True)) for row in r.rows}

    sep = rows(date(2019, 9, 30))
    assert set(sep) == {"L1", "L2", "C1"}  # C2 not yet added; C1 not yet archived
    assert sep["L1"] == {
        "Ref": "L1",
        "Theme": "Leadership",
        "Action": "Run leadership workshops",
        "Deadline": "Quarter 2",
        "Lead": "Director of Corporate Affairs",
        "Update on Progress": "",
    }
    nov = rows(date(2019, 11, 30))
    assert set(nov) == {"L1", "L2", "C2"}
    assert nov["L1"] == {
        "Ref": "L1",
        "Theme": "Culture",
        "Action": "Run six leadership workshops",
        "Deadline": "Quarter 3",
        "Lead": "Director of Governance and CSU",
        "Update on Progress": "",
    }
    assert sep["L2"] == nov["L2"]  # unchanged rows read the same at every date


def test_a_revised_deadline_reads_as_offices_write_it_with_its_year():
    from bot.core.report import deadline_as_written
    from storage.report_queries import RevisionAt

    t = datetime(2019, 11, 5, tzinfo=UTC)

    def rev(text, due, source="update"):
        return RevisionAt(text, due, source, t)

    plan = rev("By May 2020", date(2020, 5, 31), "import")
    assert deadline_as_written("By May 2020", [plan]) == "By May 2020"
    cases = [
        (rev("December", date(2020, 12, 31)), "By May 2020 (revised to December 2020)"),
        (rev("revised to end of March", date(2021, 3, 31)), "By May 2020 (revised to end of March 2021)"),
        (rev("2020-09-15", date(2020, 9, 15)), "By May 2020 (revised to 15 September 2020)"),
        (rev("quarter 4", date(2021, 3, 31)), "By May 2020 (revised to March 2021)"),
        (rev("31/10/2020", date(2020, 10, 31)), "By May 2020 (revised to 31/10/2020)"),
    ]  # fmt: skip
    for moved, want in cases:
        assert deadline_as_written("By May 2020", [plan, moved]) == want
        # Beside words that say the move, the deadline cell stays the plan's (said once);
        # beside words that do not, it carries the revision.
        said = f"Pending: moved to {moved.text} as agreed."
        assert deadline_as_written("By May 2020", [plan, moved], shown=said) == "By May 2020"
        assert deadline_as_written("By May 2020", [plan, moved], shown="On track.") == want
    # Only the latest revision shows; the plan's own two-step cell is kept as written.
    two = [plan, cases[0][0], cases[1][0]]
    assert deadline_as_written("By May 2020", two) == "By May 2020 (revised to end of March 2021)"
    written = "By September 2020 Revised 31 st March 2021"
    steps = [
        rev("By September 2020", None, "import"),
        rev("Revised 31 st March 2021", None, "import"),
    ]
    assert deadline_as_written(written, steps) == written

"""Text that breaks files and terminals: control characters (BEL, ESC, C1) and what XML 1.0
forbids (U+FFFE, U+FFFF, surrogates) are removed where text enters (chat, plan import) and
again by every board report writer.

- A hypothesis property writes every format (XLSX, DOCX, CSV, HTML) from arbitrary text in
  every field a writer shows, then opens each file again (openpyxl, python-docx, csv,
  html.parser) and finds the text there, cleaned.
- A plan imported with BEL, ESC and U+FFFE in its cells, and a Slack DM with U+FFFE in it
  (signed HTTP into the bot), store none of them, and the default XLSX report of the result
  opens; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import docx
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.report import (
    PROGRESS_HEADING,
    Report,
    ReportColumn,
    ReportRow,
    ReportTheme,
    report_from_store,
)
from bot.core.text_input import clean_input, strip_unsafe
from bot.io.plan_import import import_plan
from bot.io.report_layout import formula_safe
from bot.io.report_writers import render
from storage.engine import read_session, write_session
from storage.models import Action, Update
from storage.people import upsert_person
from storage.queries import get_plan
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import JSON, event_body, message_im_event

# Anything a file or terminal cannot hold: C0 but tab and newline, DEL, C1, U+FFFE/U+FFFF,
# surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
HOSTILE = "\x07bell \x1b[31mred\x1b[0m \ufffe\uffff \x85nel \x00nul \r\nline"

# Arbitrary text, with the hostile characters made likely (st.text() alone rarely draws them).
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(["\x00", "\x07", "\x1b", "\x85", "\ufffe", "\uffff", "\r", "\n", "\t"]),
    ),
    max_size=40,
)


def _report(title: str, theme: str, action: str, progress: str, heading: str) -> Report:
    """A one-row report with the text in every place a writer shows text."""
    columns = [
        ReportColumn("reference", "Ref"),
        ReportColumn("theme", "Theme"),
        ReportColumn("action", heading or "Action"),
        ReportColumn("status", "Status"),
        ReportColumn("progress", PROGRESS_HEADING),
    ]
    row = ReportRow(
        action_id=1,
        ref="A1",
        theme=theme,
        cells=["A1", theme, action, "On track", progress],
        status="On track",
        commentary=progress,
        updated_on=date(2019, 11, 1),
        updated_by="Priya Raman",
        imported=False,
        deadline="31/03/2020",
        due_date=date(2020, 3, 31),
        overdue=False,
        slipped=False,
    )
    return Report(
        plan_name=title,
        title=title or "Plan",
        as_at=date(2019, 11, 30),
        since=None,
        columns=columns,
        themes=[ReportTheme(theme, (), [row])],
    )


def _xlsx_texts(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    ]


def _docx_texts(data: bytes) -> list[str]:
    d = docx.Document(io.BytesIO(data))
    out = [p.text for p in d.paragraphs]
    for t in d.tables:
        out.extend(c.text for r in t.rows for c in r.cells)
    return out


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: list[str] = []

    def handle_data(self, data):
        self.data.append(data)


def _html_text(data: bytes) -> str:
    p = _Texts()
    p.feed(data.decode("utf-8"))
    p.close()
    return " ".join(p.data)  # a <br> (a line break in the text) separates data too


def _norm(text: str) -> str:
    """Text as a reader gives it back: whitespace aside."""
    return " ".join(text.split())


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(title=TEXT, theme=TEXT, action=TEXT, progress=TEXT, heading=TEXT)
def test_every_format_reopens_with_arbitrary_text(title, theme, action, progress, heading):
    report = _report(title, theme, action, progress, heading)
    want = {k: strip_unsafe(v) for k, v in {"action": action, "progress": progress}.items()}
    # XLSX: opens, and no cell holds what Excel refuses
    cells = _xlsx_texts(render(report, "xlsx"))
    assert not [c for c in cells if UNSAFE.search(c)]
    for text in want.values():
        if _norm(text):
            assert any(_norm(text) in _norm(c) for c in cells), (text, cells)
    # DOCX: python-docx opens it (lxml refuses what XML forbids)
    texts = _docx_texts(render(report, "docx"))
    assert not [t for t in texts if UNSAFE.search(t)]
    for text in want.values():
        if _norm(text):
            assert any(_norm(text) in _norm(t) for t in texts), (text, texts)
    # CSV: one header and one row, cell for cell what was meant
    data = render(report, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2
    assert rows[1][2] == formula_safe(want["action"])
    assert rows[1][4] == formula_safe(want["progress"])
    assert not [c for row in rows for c in row if UNSAFE.search(c)]
    # HTML: parses; no control character anywhere in the page
    page = render(report, "html").decode("utf-8")
    assert not UNSAFE.search(page)
    shown = _norm(_html_text(page.encode()))
    for text in want.values():
        assert _norm(text) in shown


def test_clean_input_and_strip_unsafe():
    assert strip_unsafe(HOSTILE) == "bell [31mred[0m  nel nul \nline"
    assert clean_input(HOSTILE) == strip_unsafe(HOSTILE)
    assert strip_unsafe("tab\tand\nnewline stay") == "tab\tand\nnewline stay"
    assert strip_unsafe("\ud800lone surrogate") == "lone surrogate"
    assert clean_input("one\rtwo") == "one\ntwo"


def _plan_csv(tmp_path) -> str:
    path = tmp_path / "plan.csv"
    rows = [
        "Ref,Theme,Action,Deadline,Owner,Progress",
        'H7,"Gov\x07ernance","Refresh \x1b[31mterms\x1b[0m of reference",31/03/2020,'
        'Jane Smith,"On track\ufffe: drafted\x85"',
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_an_imported_plan_and_a_chat_reply_store_no_unsafe_text(engine, tmp_path):
    clock = FixedClock(datetime(2019, 9, 16, 10, 0, tzinfo=UTC))
    import_plan(engine, clock, _plan_csv(tmp_path))
    with read_session(engine) as s:
        [action] = s.exec(select(Action)).all()
        texts = [u.commentary or "" for u in s.exec(select(Update))]
    assert action.text == "Refresh [31mterms[0m of reference"
    assert texts == ["On track: drafted"]  # U+FFFE and NEL gone
    # The owner, matched by email, answers by Slack DM with U+FFFE and ESC in the words.
    with write_session(engine) as s:
        jane = upsert_person(s, "Jane Smith", now=clock.now())
        jane.email = "jane@example.org"
    with SlackBotHarness(engine, date(2019, 9, 16)) as bot:
        bot.slack.add_user("U0JANE", email="jane@example.org", name="jane", real_name="Jane")
        channel = bot.slack.dm_channel_id("U0JANE")
        text = "H7 on track: board paper \ufffe drafted \x1b[1mnow\x07"
        body = event_body(message_im_event(text, user="U0JANE", channel=channel))
        assert bot.post(body, content_type=JSON)[0] == 200
        bot.wait_for(lambda: _chat_updates(engine), what="the update")
    [update] = _chat_updates(engine)
    assert update.commentary == "board paper drafted [1mnow"
    with read_session(engine) as s:
        plan_id = get_plan(s).id
    report = report_from_store(engine, plan_id, as_at=date(2019, 9, 16))
    cells = _xlsx_texts(render(report, "xlsx"))  # the default format opens
    assert "Governance" in cells
    assert any("board paper" in c for c in cells)
    assert not [c for c in cells + _docx_texts(render(report, "docx")) if UNSAFE.search(c)]


def _chat_updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import")))

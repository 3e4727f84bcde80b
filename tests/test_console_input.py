"""The console reads its input strictly: `# comments` are ignored (but `#23 done` is a reply),
words it does not understand after `sweep`/`digest` are refused and nothing is sent, and
read-only queries work before `as NAME`. In-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest
from rich.console import Console
from sqlmodel import func, select

from bot.core.clock import SettableClock
from bot.core.service import PlanService
from bot.platforms.console.adapter import ConsoleSession, strip_comment
from storage.engine import read_session
from storage.models import NudgeMessage, Update
from tests.support.small_plan import load_small_plan


@pytest.fixture
def session(engine):
    load_small_plan(engine)
    clock = SettableClock(datetime(2019, 9, 16, 9, 0, tzinfo=UTC))
    out = io.StringIO()
    return ConsoleSession(PlanService(engine, clock), clock, Console(), json_out=out), out


def _answers(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize(
    "line, kept",
    [
        ("sweep dry   # what the sweep would send", "sweep dry"),
        ("# only a comment", ""),
        ("   #   indented comment", ""),
        ("#23 done", "#23 done"),
        ("L2 on track: see item #4  # my note", "L2 on track: see item #4"),
        # One space before a `#` is the owner's words (issue 17): hashtags are kept.
        ("L2 on track: see item #4 # my note", "L2 on track: see item #4 # my note"),
        (
            "On track: #FYI, #FYI Live and the intranet",
            "On track: #FYI, #FYI Live and the intranet",
        ),
        (
            "as Director of Corporate Affairs        # act as an owner",
            "as Director of Corporate Affairs",
        ),
    ],
)
def test_comments(line, kept):
    assert strip_comment(line) == kept


def test_a_script_with_comments_references_and_refused_words(session, engine):
    console, out = session
    snap = console.service.snapshot()
    l2 = next(a for a in snap.actions if a.ref == "L2")
    console.run(
        [
            "actions overdue        # a query works before `as`",
            "owe                    # but this needs to know who you are",
            "# a line that is only a comment",
            "as Julie Fellows       # act as Julie",
            f"#{l2.id} on track: coaching offer drafted",
            "sweep blah             # not a word sweep knows",
            "digest tomorrow",
            "sweep preview",
        ]
    )
    answers = _answers(out)
    assert [a["input"] for a in answers] == [
        "actions overdue",
        "owe",
        "as Julie Fellows",
        f"#{l2.id} on track: coaching offer drafted",
        "sweep blah",
        "digest tomorrow",
        "sweep preview",
    ]
    overdue, owe, _, reply, sweep, digest, preview = answers
    assert overdue["replies"] == ["ActionList"] and "L2" in overdue["text"]
    assert owe["ok"] is False and "Say who you are first" in owe["text"]
    assert reply["replies"] == ["UpdateStored"] and "Stored for L2: On track" in reply["text"]
    assert sweep["ok"] is False and "Nothing was sent" in sweep["text"]
    assert digest["ok"] is False and "does not understand 'tomorrow'" in digest["text"]
    assert preview["ok"] and "Dry run: nothing sent" in preview["text"]
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(NudgeMessage)).one() == 0
        stored = s.exec(select(Update).where(Update.source == "console")).all()
    assert [(u.action_id, u.status) for u in stored] == [(l2.id, "On track")]


def test_today_is_read_in_the_plan_time_zone(session):
    console, out = session
    console.run(["today 2019-12-02", "whoami"])
    assert console.service.today() == date(2019, 12, 2)
    # 10:00 in London in December is 10:00 UTC (no summer time).
    assert console.clock.now() == datetime(2019, 12, 2, 10, 0, tzinfo=UTC)
    assert _answers(out)[0]["today"] == "2019-12-02"

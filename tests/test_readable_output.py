"""Output people can read: console tables at 80 columns give the action text the width,
"1 day" not "1 days", times in the plan's time zone, completed actions never "overdue",
people counted with the actions they hold through roles, searches by whole words, and a
completion waiting for sign-off says so in the console."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from rich.console import Console

from bot.app import sample_file
from bot.core.clock import FixedClock
from bot.core.people_admin import import_people, people_rows
from bot.core.service import PlanService
from bot.io.plan_import import import_plan
from bot.platforms.console.render import action_table, due_text, render
from bot.platforms.slack.blocks import due_label
from handlers.conversation import Conversation
from handlers.replies import UpdateStored
from storage.engine import write_session
from storage.plans import update_plan
from storage.queries import get_plan
from tests.support.small_plan import small_service

TODAY = date(2019, 9, 16)
NOW = datetime(2019, 9, 16, 9, 0, tzinfo=UTC)


def _text(renderable, width: int) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None).print(renderable)
    return buf.getvalue()


@pytest.fixture
def sample(engine) -> PlanService:
    clock = FixedClock(NOW)
    import_plan(engine, clock, sample_file("sample_plan.csv"), fy_start_year=2019)
    import_people(engine, clock, sample_file("sample_people.csv"))
    return PlanService(engine, clock)


def test_an_80_column_table_gives_the_action_text_the_width(sample):
    snap = sample.snapshot()
    shown = _text(action_table("all", tuple(snap.actions), TODAY), 80)
    lines = shown.splitlines()
    assert max(len(ln) for ln in lines) <= 80
    # Each action's opening words are on one line, not squeezed into a narrow column.
    for a in snap.actions:
        assert any(" ".join(a.text.split())[:40] in ln for ln in lines), a.label
    # Wide terminals keep one row per action with every column.
    wide = _text(action_table("all", tuple(snap.actions), TODAY), 200)
    assert "Theme" in wide and "Owner" in wide and max(len(ln) for ln in wide.splitlines()) <= 200


def test_days_are_counted_in_words_and_done_is_never_overdue(sample):
    a = next(a for a in sample.snapshot().actions if a.status != "Completed" and a.due_date)
    for shift, words in [
        (1, "in 1 day"),
        (-1, "1 day overdue"),
        (2, "in 2 days"),
        (0, "due today"),
    ]:
        view = a._replace(due_date=TODAY + timedelta(days=shift))
        assert words in due_text(view, TODAY) and words in due_label(view, TODAY)
    done = a._replace(status="Completed", due_date=TODAY - timedelta(days=78))
    assert "overdue" not in due_text(done, TODAY) and "overdue" not in due_label(done, TODAY)


def test_times_are_shown_in_the_plan_time_zone(sample):
    sam = sample.actor_for_name("Sam Okafor")
    reply = Conversation(sample).handle(sam, "G1 on track: booked", platform="console")
    assert isinstance(reply, UpdateStored) and reply.timezone == "Europe/London"
    shown = _text(render(reply), 100)
    assert "16 Sep 2019 10:00 BST" in shown and "UTC" not in shown
    with write_session(sample.engine) as s:
        update_plan(s, get_plan(s, None), now=NOW, timezone="America/New_York")
    reply = Conversation(sample).handle(sam, "G1 on track: still booked", platform="console")
    assert "16 Sep 2019 05:00 EDT" in _text(render(reply), 100)


def test_people_are_counted_with_the_actions_their_roles_hold(engine):
    small_service(engine, TODAY)
    counts = {r.name: r.actions for r in people_rows(engine)}
    # Alice holds Director of Corporate Affairs (L1, C1); Julie owns L2, L3 and shares C1.
    assert counts["Alice Smith"] == 2 and counts["Julie Fellows"] == 3
    assert counts["Director of Corporate Affairs"] == 2 and counts["Eve Other"] == 0


def test_search_matches_whole_words(sample):
    import re

    admin = sample.actor_for_name("Sam Okafor")
    snap = sample.snapshot()
    with_hr = {a.ref for a in snap.actions if re.search(r"\bHR\b", f"{a.text} {a.objective}")}
    with_through = {a.ref for a in snap.actions if "through" in a.text.lower()}
    found = {a.ref for a in sample.query(admin, "search HR").actions}
    assert found == with_hr and with_hr and with_through - with_hr
    # A longer word still finds its longer forms.
    recog = {a.ref for a in sample.query(admin, "search recog").actions}
    assert recog and recog == {a.ref for a in sample.query(admin, "search recognition").actions}


def test_a_completion_waiting_for_sign_off_says_so_in_the_console(engine):
    service = small_service(engine, TODAY)
    with write_session(engine) as s:
        update_plan(s, get_plan(s, None), now=NOW, signoff_required=True)
    julie = service.actor_for_name("Julie Fellows")
    reply = Conversation(service).handle(julie, "L2 done: published", platform="console")
    assert isinstance(reply, UpdateStored) and reply.signoff is not None
    shown = _text(render(reply), 100)
    assert "awaiting sign-off" in shown and "Waiting for the theme lead" in shown

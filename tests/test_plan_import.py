"""Importing the seed plans into the store (SQLite and PostgreSQL): the numbers a
programme officer reads from the seeds, re-import changes nothing, and every bad file
leaves the database exactly as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.clock import FixedClock
from bot.io.plan_import import import_plan
from bot.io.plan_table import PlanFileError
from storage.engine import read_session
from storage.models import (
    Action,
    ActionOwner,
    DeadlineRevision,
    Objective,
    Owner,
    Plan,
    Theme,
    Update,
)
from storage.queries import get_plan, plan_snapshot
from tests.test_plan_reader import BAD_FILES, SEED000, SEED004

PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
CLOCK = FixedClock(datetime(2021, 4, 1, 9, tzinfo=UTC))
TABLES = (Plan, Theme, Objective, Action, ActionOwner, Owner, DeadlineRevision, Update)


def _counts(engine) -> dict[str, int]:
    with read_session(engine) as s:
        return {t.__name__: s.exec(select(func.count()).select_from(t)).one()[0] for t in TABLES}


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_seed000_imports_with_the_hand_counts(engine, ext):
    r = import_plan(engine, CLOCK, PLANS / f"seed000.{ext}", plan_name="OD 2019")
    assert (r.themes, r.objectives, r.actions, r.owners) == (
        SEED000["themes"],
        SEED000["objectives"],
        SEED000["actions"],
        SEED000["owners"],
    )
    assert r.sync.created == 33 and r.updates == 32
    # "UPDATE AT NOVEMBER 2019" plan for 2019/2020: quarters are read in that year.
    with read_session(engine) as s:
        snap = plan_snapshot(s, get_plan(s, "OD 2019").id)
    assert snap.plan.fy_start_year == 2019
    first = snap.actions[0]
    assert (first.deadline_text, first.due_date, first.status) == (
        "Quarter 2",
        date(2019, 9, 30),
        "On track",
    )
    assert r.unread_deadlines == []
    again = import_plan(engine, CLOCK, PLANS / f"seed000.{ext}", plan_name="OD 2019")
    assert (again.sync.created, again.sync.updated, again.sync.unchanged) == (0, 0, 33)
    assert again.sync.updates_added == 0


@pytest.mark.parametrize("ext", ["csv", "xlsx", "docx"])
def test_seed004_imports_with_the_hand_counts(engine, ext):
    r = import_plan(engine, CLOCK, PLANS / f"seed004.{ext}", plan_name="OD 2019-22")
    assert (r.themes, r.objectives, r.actions, r.owners) == (
        3,
        0,
        SEED004["actions"],
        SEED004["owners"],
    )
    # "December 2020 Revised: June 20" is the one deadline a person must check.
    assert [d.text for d in r.unread_deadlines] == ["December 2020 Revised: June 20"]
    with read_session(engine) as s:
        snap = plan_snapshot(s, get_plan(s).id)
        revisions = s.exec(select(func.count()).select_from(DeadlineRevision)).one()[0]
    first = snap.actions[0]
    assert (first.deadline_text, first.due_date) == (
        "By September 2020 Revised 31 st March 2021",
        date(2021, 3, 31),
    )
    assert revisions > SEED004["actions"]  # revised deadlines keep their whole chain
    two = next(a for a in snap.actions if a.text.startswith("Recruitment and appointment process"))
    assert [o.name for o in two.owners] == ["Director of Corporate Affairs", "CSU"]
    again = import_plan(engine, CLOCK, PLANS / f"seed004.{ext}", plan_name="OD 2019-22")
    assert (again.sync.created, again.sync.updated, again.sync.unchanged) == (0, 0, 46)


def test_dry_run_writes_nothing(engine):
    before = _counts(engine)
    r = import_plan(engine, CLOCK, PLANS / "seed004.csv", dry_run=True)
    assert r.dry_run and r.actions == 46
    assert _counts(engine) == before


@pytest.mark.parametrize(("name", "fragment"), BAD_FILES)
def test_bad_file_leaves_the_database_exactly_as_it_was(sqlite_engine, name, fragment):
    import_plan(sqlite_engine, CLOCK, PLANS / "seed004.csv", plan_name="Existing")
    before = _counts(sqlite_engine)
    with pytest.raises(PlanFileError) as exc:
        import_plan(sqlite_engine, CLOCK, BAD / name, plan_name="Existing")
    assert fragment in str(exc.value) and name in str(exc.value)
    assert _counts(sqlite_engine) == before


def test_bad_files_on_postgresql_too(pg_engine):
    import_plan(pg_engine, CLOCK, PLANS / "seed004.csv", plan_name="Existing")
    before = _counts(pg_engine)
    for name, _ in BAD_FILES:
        with pytest.raises(PlanFileError):
            import_plan(pg_engine, CLOCK, BAD / name, plan_name="Existing")
    assert _counts(pg_engine) == before


def test_same_action_text_twice_is_refused_naming_both_rows(sqlite_engine, tmp_path):
    f = tmp_path / "dupes.csv"
    f.write_text(
        "Theme,Action,Deadline\nA,Write the plan,Q1 2020/21\nA,Write the plan,Q2 2020/21\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanFileError) as exc:
        import_plan(sqlite_engine, CLOCK, f)
    assert "rows 2 and 3" in str(exc.value) and "dupes.csv" in str(exc.value)
    assert _counts(sqlite_engine)["Plan"] == 0

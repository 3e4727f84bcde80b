"""Plans over their life (issue 7): re-import from a renamed file updates the one plan;
`plan list | rename | delete` (updates archived, never lost); a new financial year re-reads
the quarter deadlines and reports what moved (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime

from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.fy_reread import reread_deadlines
from bot.core.service import PlanService
from bot.io.plan_import import import_plan
from storage.engine import read_session, write_session
from storage.models import Action, Update
from storage.plans import update_plan
from storage.queries import get_plan
from tests.test_cli import PLANS, run

CLOCK = FixedClock(datetime(2019, 11, 20, 10, 0, tzinfo=UTC))


def test_financial_year_change_rereads_quarter_deadlines(engine):
    import_plan(engine, CLOCK, PLANS / "seed000.csv", plan_name="OD", fy_start_year=2019)
    with read_session(engine) as s:
        before = {a.id: (a.deadline_text, a.due_date) for a in s.exec(select(Action))}
    quarter_ids = [i for i, (t, _) in before.items() if t.startswith("Quarter")]
    assert quarter_ids and before[quarter_ids[0]][1].year in (2019, 2020)
    # One quarter deadline revised in conversation must stay as revised.
    kept = quarter_ids[0]
    with write_session(engine) as s:
        a = s.get(Action, kept)
        a.due_date = date(2021, 1, 15)
        s.add(a)
    with write_session(engine) as s:
        plan = get_plan(s, "OD")
        update_plan(s, plan, now=CLOCK.now(), fy_start_year=2020)
        moved = reread_deadlines(s, plan, old_year=2019, old_month=4, now=CLOCK.now())
    with read_session(engine) as s:
        after = {a.id: a.due_date for a in s.exec(select(Action))}
    assert len(moved) == len(quarter_ids) - 1
    for m in moved:
        assert m.new == date(m.old.year + 1, m.old.month, m.old.day)  # a year on, same quarter
    for i in quarter_ids:
        if i != kept:
            assert after[i] == date(before[i][1].year + 1, before[i][1].month, before[i][1].day)
    assert after[kept] == date(2021, 1, 15)
    # Deadlines that name their own dates did not move.
    assert all(after[i] == d for i, (t, d) in before.items() if not t.startswith("Quarter"))


def test_reimport_from_a_renamed_file_and_plan_commands(tmp_path):
    db = tmp_path / "cli.db"
    first = json.loads(run(["import", str(PLANS / "seed000.csv"), "--json"], db).stdout)
    renamed = tmp_path / "plan v2 (final).csv"
    shutil.copy(PLANS / "seed000.csv", renamed)
    again = json.loads(run(["import", str(renamed), "--json"], db).stdout)
    assert again["plan"] == first["plan"]
    assert again["created"] == 0 and again["unchanged"] == first["actions"]
    plans = json.loads(run(["plan", "list", "--json"], db).stdout)
    assert [p["name"] for p in plans] == [first["plan"]]

    run(["plan", "rename", first["plan"], "OD plan"], db)
    moved = json.loads(
        run(["plan", "set", "--plan", "OD plan", "--fy-start", "2020", "--json"], db).stdout
    )
    assert moved["moved"] and all(m["deadline"].startswith("Quarter") for m in moved["moved"])
    refused = run(["plan", "delete", "OD plan"], db, check=False)  # no --yes, no "y" typed
    assert refused.returncode != 0
    assert json.loads(run(["plan", "list", "--json"], db).stdout)[0]["name"] == "OD plan"
    done = run(["plan", "delete", "OD plan", "--yes"], db).stdout
    assert "archived" in done
    assert json.loads(run(["plan", "list", "--json"], db).stdout) == []
    archived = json.loads(run(["plan", "list", "--archived", "--json"], db).stdout)
    assert len(archived) == 1 and archived[0]["archived"] and archived[0]["updates"] == 0
    from storage.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with read_session(engine) as s:
        kept = list(s.exec(select(Update)))
    engine.dispose()
    assert len(kept) == first["updates"]  # history never lost


def test_import_with_a_new_fy_start_rereads_and_reports(engine):
    first = import_plan(engine, CLOCK, PLANS / "seed000.csv", plan_name="OD", fy_start_year=2019)
    assert first.moved_deadlines == []
    with read_session(engine) as s:
        before = {
            a.id: a.due_date
            for a in s.exec(select(Action))
            if a.deadline_text.startswith("Quarter")
        }
    again = import_plan(engine, CLOCK, PLANS / "seed000.csv", plan_name="OD", fy_start_year=2020)
    assert len(again.moved_deadlines) == len(before) > 0
    with read_session(engine) as s:
        after = {a.id: a.due_date for a in s.exec(select(Action)) if a.id in before}
    assert all(after[i] == d.replace(year=d.year + 1) for i, d in before.items())
    assert again.as_dict()["moved_deadlines"][0]["deadline"].startswith("Quarter")


def test_reassignment_requests_are_listed_for_the_administrator(tmp_path):
    db = tmp_path / "cli.db"
    sample = PLANS.parents[2] / "bot" / "data" / "sample_plan.csv"
    run(["import", str(sample), "--plan", "OD", "--fy-start", "2019"], db)
    from bot.core.clock import FixedClock as Clock
    from handlers.replies import ReassignRequested
    from handlers.update import handle_reply
    from storage.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    service = PlanService(engine, Clock(datetime(2019, 11, 20, 10, 0, tzinfo=UTC)))
    snap = service.snapshot()
    first = snap.actions[0]
    owner = service.actor_for_name(first.owners[0].name)
    reply = handle_reply(
        service, owner, f"{first.label}: please reassign, I've moved roles", source="console"
    )
    engine.dispose()
    assert isinstance(reply, ReassignRequested)
    # The CLI reads a reference however it is typed.
    for typed in ("v14.", "V14)", "(v14)"):
        found = json.loads(run(["actions", typed, "--json"], db).stdout)["actions"]
        assert [a["ref"] for a in found] == ["V14"], typed
    listed = json.loads(run(["people", "requests", "--json"], db).stdout)
    assert [(r["action"], r["text"]) for r in listed] == [
        (first.label, f"{first.label}: please reassign, I've moved roles")
    ]
    run(["people", "requests", "--resolve", str(listed[0]["id"])], db)
    assert json.loads(run(["people", "requests", "--json"], db).stdout) == []
    again = run(["people", "requests", "--resolve", str(listed[0]["id"])], db, check=False)
    assert again.returncode != 0 and "no open reassignment request" in again.stderr

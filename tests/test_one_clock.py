"""One clock: imports, replies, absences and queries all take "now" from the injected clock
(`--today` on the command line), imported progress counts as of the import, a reply stored
after an import is the latest whatever the clocks said, and "updated since" counts owners'
updates, not the import."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlmodel import select

from bot.app import sample_file
from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.io.plan_import import import_plan
from handlers.conversation import Conversation
from handlers.replies import UpdateStored
from storage.engine import read_session
from storage.models import Absence, Update
from tests.test_cli import run

WALL = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # when someone really ran `import`
SIMULATED = datetime(2019, 9, 16, 9, 0, tzinfo=UTC)  # the console's --today 2019-09-16


def _refs(actions) -> list[str]:
    return sorted(a.ref for a in actions)


def test_a_reply_after_an_import_is_the_latest_whatever_the_clocks_said(engine):
    import_plan(engine, FixedClock(WALL), sample_file("sample_plan.csv"), fy_start_year=2019)
    from bot.core.people_admin import import_people

    import_people(engine, FixedClock(WALL), sample_file("sample_people.csv"))
    service = PlanService(engine, FixedClock(SIMULATED))
    sam = service.actor_for_name("Sam Okafor")
    # Imported progress is not an owner's update.
    assert service.query(sam, "updated since 1 Jan 2019").actions == []
    before = service.find_action(service.snapshot(), "V9")
    assert before.status == "On track"  # from the plan's "Update on Progress" column
    reply = Conversation(service).handle(sam, "V9 slipping to end of June", platform="console")
    assert isinstance(reply, UpdateStored)
    after = service.find_action(service.snapshot(), "V9")
    assert (after.status, after.status_at) == ("Delayed", SIMULATED)
    assert _refs(service.query(sam, "updated since 1 Sep 2019").actions) == ["V9"]


def test_the_command_line_stamps_what_it_stores_with_today(tmp_path):
    db = tmp_path / "clock.db"
    plan, people = sample_file("sample_plan.csv"), sample_file("sample_people.csv")
    run(["import", str(plan), "--fy-start", "2019", "--today", "2019-09-02", "--json"], db)
    run(["people", "import", str(people), "--today", "2019-09-02"], db)
    away = json.loads(
        run(
            ["away", "Chief Officer", "until", "3", "October", "--today", "2019-09-16", "--json"],
            db,
        ).stdout
    )
    assert (away["person"], away["until"]) == ("Sam Okafor", "2019-10-03")
    from storage.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    with read_session(engine) as s:
        stamps = set(s.exec(select(Update.created_at).where(Update.source == "import")))
        absence = s.exec(select(Absence)).one()
    # --today 2019-09-02 is 10:00 plan time (Europe/London, BST): 09:00 UTC.
    assert stamps == {datetime(2019, 9, 2, 9, 0, tzinfo=UTC)}
    assert absence.starts == date(2019, 9, 16)
    assert absence.created_at == datetime(2019, 9, 16, 9, 0, tzinfo=UTC)
    engine.dispose()
    since = json.loads(
        run(
            ["actions", "updated", "since", "1/8/2019", "--today", "2019-09-16", "--json"], db
        ).stdout
    )
    assert since["actions"] == []

"""Away and back: `away until 3 March @deputy` as people write it, nudges following the deputy
or waiting for the return, and silence while away never escalated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.platforms.console.notifier import ConsoleNotifier
from handlers.away import AwayTextError, handle_away, handle_back, parse_away
from handlers.replies import AwayNotice, Problem
from jobs.sweep import run_sweep
from storage.absences import absences_on, current_absence
from tests.support.quarter_plan import load_quarter_plan

TODAY = date(2019, 9, 16)  # a Monday


@pytest.mark.parametrize(
    ("text", "until", "deputy"),
    [
        ("until 3 March", date(2020, 3, 3), None),
        ("until 3 March @Julie Fellows", date(2020, 3, 3), "@Julie Fellows"),
        ("until 3rd March 2020 deputy Bob", date(2020, 3, 3), "Bob"),
        ("till 20/9 <@U123ABC>", date(2019, 9, 20), "<@U123ABC>"),
        ("until 2019-09-27 covered by Carol", date(2019, 9, 27), "Carol"),
        ("until Friday", date(2019, 9, 20), None),
        ("until Monday", date(2019, 9, 23), None),  # the next one, not today
        ("until September 30", date(2019, 9, 30), None),
        ("until 16 Sep", date(2019, 9, 16), None),  # today: away for the rest of it
        ("until 15 Sep", date(2020, 9, 15), None),  # no year: the next 15 September
        ("tomorrow", date(2019, 9, 17), None),
    ],
)
def test_parse_away(text, until, deputy):
    assert parse_away(text, TODAY) == (until, deputy)


@pytest.mark.parametrize("text", ["until", "until someday", "until 31 February", "until 3/3/2018"])
def test_parse_away_refuses_what_it_cannot_read(text):
    with pytest.raises(AwayTextError):
        parse_away(text, TODAY)


def _at(day: date, hour_utc: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


@pytest.fixture
def service(engine):
    load_quarter_plan(engine)
    return PlanService(engine, FixedClock(_at(TODAY, 7)))


def test_away_with_a_deputy_routes_nudges_to_them(service, engine):
    alice = service.actor_for_name("Alice")
    reply = handle_away(service, alice, "until 20 Sep deputy Bob")
    assert isinstance(reply, AwayNotice) and reply.deputy.name == "Bob"
    assert "back Saturday 21 September" in reply.text
    assert set(absences_on(engine, TODAY)) == {alice.person.id}

    notifier = ConsoleNotifier(quiet=True)
    service.clock.set(_at(TODAY))
    run_sweep(service, notifier, instance_id="t")
    by_person = {d.target: d.reply for d in notifier.of_kind("nudge")}
    assert "Alice" not in by_person
    bob = by_person["Bob"]
    assert sorted(o.action.label for o in bob.items) == ["A1", "A2", "A3"]
    assert [o.name for o in bob.covering] == ["Alice"]

    # Back on Mon 23 Sep: the 10-days-before window was answered for her by the deputy's
    # nudge, so Alice hears next on Wed 25 Sep (3 working days before 30 Sep).
    for day in (date(2019, 9, 23), date(2019, 9, 24), date(2019, 9, 25)):
        service.clock.set(_at(day))
        run_sweep(service, notifier, instance_id="t")
    alice_days = [d.reply.today for d in notifier.of_kind("nudge") if d.target == "Alice"]
    assert alice_days == [date(2019, 9, 25)]


def test_away_without_a_deputy_waits_for_the_return(service):
    alice = service.actor_for_name("Alice")
    handle_away(service, alice, "until Friday")
    notifier = ConsoleNotifier(quiet=True)
    service.clock.set(_at(TODAY))
    report = run_sweep(service, notifier, instance_id="t")
    assert all(d.target != "Alice" for d in notifier.of_kind("nudge"))
    waits = {s.why for s in report.skipped if s.who == "Alice"}
    assert waits == {"away until 20 Sep 2019: waits for return on 21 Sep"}
    # Back early on Wednesday: the waiting nudge goes out that day.
    service.clock.set(_at(date(2019, 9, 18), 7))
    assert handle_back(service, alice).ended == 1
    service.clock.set(_at(date(2019, 9, 18)))
    run_sweep(service, notifier, instance_id="t")
    [nudge] = [d.reply for d in notifier.of_kind("nudge") if d.target == "Alice"]
    assert nudge.today == date(2019, 9, 18)
    assert sorted(o.action.label for o in nudge.items) == ["A2", "A3"]


def test_silence_while_away_is_not_escalated(service):
    """Alice is nudged on 16 Sep, away with Bob as deputy from 17 Sep to 4 Oct (Bob gets her
    25 and 30 Sep nudges), back for the 7 Oct one. Counting only her own nudges, her second
    is on 7 Oct, so she is escalated on 8 Oct, not on 26 Sep."""
    notifier = ConsoleNotifier(quiet=True)
    escalated: list[tuple[date, str]] = []
    day = TODAY
    while day <= date(2019, 10, 9):
        if day == date(2019, 9, 17):
            service.clock.set(_at(day, 7))
            handle_away(service, service.actor_for_name("Alice"), "until 4 October deputy Bob")
        service.clock.set(_at(day))
        report = run_sweep(service, notifier, instance_id="t")
        escalated += [(day, s["owner"]) for e in report.escalations for s in e["silent"]]
        day += timedelta(days=1)
    to_bob = [d.reply.today for d in notifier.of_kind("nudge") if d.target == "Bob"]
    assert date(2019, 9, 25) in to_bob and date(2019, 9, 30) in to_bob
    assert [d for d, who in escalated if who == "Alice"] == [date(2019, 10, 8)]


def test_away_needs_a_person_and_a_known_deputy(service):
    # Acting as a role is acting as its holder: Alice is away. A role nobody holds can't be.
    role = service.actor_for_name("Director of Corporate Affairs")
    held = handle_away(service, role, "until Friday")
    assert held.person.name == "Alice" and held.until == date(2019, 9, 20)
    assert handle_back(service, role).ended == 1
    unheld = handle_away(service, service.actor_for_name("Chief Finance Officer"), "until Friday")
    assert isinstance(unheld, Problem) and "Nobody holds Chief Finance Officer" in unheld.text
    alice = service.actor_for_name("Alice")
    assert "Nobody Known" in handle_away(service, alice, "until Friday @Nobody Known").text
    assert isinstance(handle_away(service, alice, "until Friday deputy Alice"), Problem)
    mention = handle_away(
        service,
        alice,
        "until Friday <@U42>",
        resolve_mention=lambda uid: service.actor_for_name("Carol").person,
    )
    assert mention.deputy.name == "Carol"
    assert current_absence(service.engine, alice.person.id, TODAY).deputy_id == (
        service.actor_for_name("Carol").person.id
    )
    # A newer statement replaces the older one.
    handle_away(service, alice, "until 30 Sep")
    assert current_absence(service.engine, alice.person.id, TODAY).until == date(2019, 9, 30)
    assert handle_back(service, alice).ended == 1
    assert current_absence(service.engine, alice.person.id, TODAY) is None
    assert "not marked as away" in handle_back(service, alice).text


def test_away_command(tmp_path):
    from typer.testing import CliRunner

    from bot.cli import app
    from storage.engine import make_engine
    from storage.migrate import upgrade

    db = tmp_path / "away.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    load_quarter_plan(engine)
    env = {"DATABASE_URL": f"sqlite:///{db}", "PLAN_NAME": "", "SLACK_BOT_TOKEN": ""}
    run = CliRunner().invoke(
        app, ["away", "Alice", "until", "2099-03-03", "deputy", "Bob", "--json"], env=env
    )
    assert run.exit_code == 0, run.output
    assert '"deputy": "Bob"' in run.stdout
    back = CliRunner().invoke(app, ["away", "Alice", "back"], env=env)
    assert back.exit_code == 0 and "Welcome back" in back.stdout


def test_console_away_and_sweep_commands(service):
    pytest.importorskip("bot.core.update_text")  # the console adapter needs it
    from rich.console import Console

    from bot.platforms.console.adapter import ConsoleSession

    console = Console(record=True, width=120)
    service.clock.set(_at(TODAY))  # 10:00 in London: working hours
    session = ConsoleSession(service, service.clock, console)
    session.run(["as Alice", "away until Friday deputy Bob", "sweep dry", "back", "digest"])
    text = console.export_text()
    assert "away until Friday 20 September 2019" in text
    assert "would nudge" in text and "Bob" in text
    assert "Welcome back" in text

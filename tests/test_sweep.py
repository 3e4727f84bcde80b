"""The nudge sweep as an administrator sees it: dry runs, reports, roles nobody holds, the
policy a plan sets, and the `progressbot sweep` / `digest` commands."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.policy import NudgePolicy, PolicyError, parse_policy, policy_to_json
from bot.core.service import PlanService
from bot.platforms.console.notifier import ConsoleNotifier
from jobs.sweep import run_sweep
from storage.claims import nudge_counts
from storage.engine import make_engine, write_session
from storage.migrate import upgrade
from storage.models import Plan
from tests.support.cli_process import run_cli
from tests.support.quarter_plan import load_quarter_plan

ROOT = Path(__file__).resolve().parent.parent
# Thu 17 Oct 2019, 10:00 in London. On a plan loaded fresh (tests/support/quarter_plan.py)
# that day: A1 (Bob), A2+A3 (Alice), A4 (Carol) overdue, A5 (Carol) October's check-in, A6
# (nobody holds its role) 10 working days before 31 Oct.
OCT_17 = datetime(2019, 10, 17, 9, 0, tzinfo=UTC)
EVERYONE = ["Alice", "Bob", "Carol", "Pat"]


def _service(engine, at=OCT_17, **kw) -> PlanService:
    load_quarter_plan(engine, **kw)
    return PlanService(engine, FixedClock(at))


def test_dry_run_sends_nothing_and_writes_nothing(engine):
    # Thu 15 Aug: A1 is 10 working days from Fri 30 Aug (the 26 Aug bank holiday skipped);
    # A5's August check-in opened on Thu 1 Aug and nobody has been asked yet.
    service = _service(engine, at=datetime(2019, 8, 15, 9, 0, tzinfo=UTC))
    report = run_sweep(service, None, dry_run=True)
    assert {n.recipient.name: [i["ref"] for i in n.items] for n in report.nudged} == {
        "Bob": ["A1"],
        "Carol": ["A5"],
    }
    assert nudge_counts(engine) == {"items": 0}
    # The same answer again: nothing was claimed.
    assert len(run_sweep(service, None, dry_run=True).nudged) == 2


def test_a_role_nobody_holds_goes_to_the_administrator(engine):
    service = _service(engine)
    notifier = ConsoleNotifier(quiet=True)
    report = run_sweep(service, notifier, instance_id="t")
    pat = next(n for n in report.nudged if n.recipient.name == "Pat")
    assert pat.items[0]["for"] == "Chief Finance Officer"
    [delivery] = [d for d in notifier.of_kind("nudge") if d.target == "Pat"]
    assert [o.name for o in delivery.reply.covering] == ["Chief Finance Officer"]


def test_policy_can_skip_unheld_roles_with_a_report_line(engine):
    service = _service(engine, policy_json='{"unheld_role": "skip"}')
    report = run_sweep(service, None, dry_run=True)
    assert [n.recipient.name for n in report.nudged] == ["Alice", "Bob", "Carol"]
    [line] = [s for s in report.skipped if s.action == "A6"]
    assert line.who == "Chief Finance Officer" and "held by nobody" in line.why


def test_quiet_hours_are_reported_not_lost(engine):
    service = _service(engine, at=datetime(2019, 10, 17, 6, 0, tzinfo=UTC))  # 07:00 London
    report = run_sweep(service, ConsoleNotifier(quiet=True), instance_id="t")
    assert report.nudged == []
    assert {s.why for s in report.skipped} == {"outside working hours (07:00 local): waits"}
    service.clock.set(datetime(2019, 10, 17, 8, 0, tzinfo=UTC))  # 09:00 London
    assert len(run_sweep(service, ConsoleNotifier(quiet=True), instance_id="t").nudged) == 4


def test_plan_policy_changes_the_working_hours(engine):
    service = _service(engine, policy_json='{"working_hours": "07:00-15:00"}')
    service.clock.set(datetime(2019, 10, 17, 6, 30, tzinfo=UTC))  # 07:30 London
    assert len(run_sweep(service, None, dry_run=True).nudged) == 4


def test_report_as_json_names_windows_and_reasons(engine):
    service = _service(engine)
    data = run_sweep(service, ConsoleNotifier(quiet=True), instance_id="t").as_dict()
    carol = next(n for n in data["nudged"] if n["recipient"] == "Carol")
    # A4 was due Sun 15 Sep; 17 Oct is 24 working days later: overdue window 4 (opened on the
    # 20th working day, Fri 11 Oct). Overdue comes before a check-in.
    assert [(a["ref"], a["window"], a["reason"]) for a in carol["actions"]] == [
        ("A4", "overdue4:2019-09-15", "overdue"),
        ("A5", "monthly:2019-10", "ongoing check-in"),
    ]
    json.dumps(data, default=str)


# -- policy JSON --------------------------------------------------------------------------------
def test_policy_defaults_and_overrides():
    assert parse_policy("") == NudgePolicy()
    p = parse_policy(
        '{"before_due_working_days": [3, 14], "working_hours": "08:30-17:30", '
        '"holiday_region": "sct", "digest_day": "Friday", "digest_time": "12:00", '
        '"digest_scope": "theme", "escalate_after_nudges": 3}'
    )
    assert p.before_due_working_days == (14, 3)
    assert (p.working_hours_start, p.working_hours_end) == (time(8, 30), time(17, 30))
    assert p.holiday_region == "SCT" and p.digest_day == 4 and p.digest_scope == "theme"
    assert policy_to_json(p)["digest_day"] == "Friday"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('{"before_due_days": [10]}', "'before_due_days'"),
        ('{"working_hours": "9-5"}', "'working_hours'"),
        ('{"holiday_region": "FR"}', "'holiday_region'"),
        ('{"digest_day": "Funday"}', "'digest_day'"),
        ('{"digest_scope": "team"}', "'digest_scope'"),
        ('{"escalate_after_nudges": -1}', "'escalate_after_nudges'"),
        ('{"digest_timezone": "Mars/Olympus"}', "'digest_timezone'"),
        ("[1, 2]", "JSON object"),
        ("{nope", "not valid JSON"),
    ],
)
def test_bad_policy_names_the_key(text, names):
    with pytest.raises(PolicyError) as err:
        parse_policy(text)
    assert names in str(err.value)


# -- the command line ---------------------------------------------------------------------------
def _cli(args: list[str], db: Path, *, process: bool = False) -> str:
    """Run `progressbot ARGS` on ``db``: in this process (quick), or as a real process."""
    env = {"DATABASE_URL": f"sqlite:///{db}", "PLAN_NAME": "", "COLUMNS": "200"}
    if process:
        proc = run_cli(
            args,
            cwd=ROOT,
            env={**{k: v for k, v in os.environ.items() if k != "SLACK_BOT_TOKEN"}, **env},
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout
    from typer.testing import CliRunner

    from bot.cli import app

    result = CliRunner().invoke(app, args, env={**env, "SLACK_BOT_TOKEN": ""})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_sweep_and_digest_commands(tmp_path):
    db = tmp_path / "cli.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    load_quarter_plan(engine)
    with write_session(engine) as s:
        plan = s.exec(select(Plan)).one()
        plan.leadership_channels = "#exec-team"
    engine.dispose()

    dry = json.loads(
        _cli(["sweep", "--today", "2019-10-17", "--dry-run", "--json"], db, process=True)
    )
    assert dry["dry_run"] is True
    assert sorted(n["recipient"] for n in dry["nudged"]) == EVERYONE

    # A naive ISO datetime is plan time: 07:30 in London is before working hours.
    early = json.loads(_cli(["sweep", "--today", "2019-10-17T07:30", "--json"], db))
    assert early["nudged"] == [] and early["skipped"]

    sent = _cli(["sweep", "--today", "2019-10-17T09:30"], db)
    assert "Sweep at Thu 17 Oct 2019 09:30 BST" in sent and "4 nudge(s)" in sent  # plan time
    again = json.loads(_cli(["sweep", "--today", "2019-10-17T11:00", "--json"], db))
    assert again["nudged"] == []

    posted = json.loads(_cli(["digest", "--today", "2019-10-21T09:30", "--json"], db))
    [post] = posted["posted"]
    assert post["channel"] == "#exec-team"
    assert post["digest"]["total"] == 7
    assert (tmp_path / "charts").is_dir()
    shown = _cli(["digest", "--today", "2019-10-21T09:30", "--dry-run"], db)
    assert "would post to #exec-team" in shown


def test_a_claimed_nudge_waits_for_clicks_that_came_meanwhile_before_it_is_sent(
    engine, monkeypatch
):
    """Each nudge waits before its claim while people's requests are in flight
    (bot/foreground.py), and again before its send: with 24 senders in flight, a burst of
    clicks arriving while their claims were written met 24 sends each taking the
    interpreter. A click arriving during the claim holds the send until it is answered.
    (A foreground of the test's own: the process-wide one may count another test's request.)"""
    import threading

    import jobs.sweep as sweep
    from bot.foreground import Foreground

    fg = Foreground(max_hold=30)
    monkeypatch.setattr(sweep, "FOREGROUND", fg)
    answered, sent = [], []
    real_claim = sweep.claim_nudge

    def claim_while_a_click_comes(*a, **kw):
        got = real_claim(*a, **kw)
        fg.enter()  # a click arrives while the claim is being written

        def answer() -> None:
            answered.append(len(sent))  # how many were sent before it was answered
            fg.leave()

        threading.Timer(0.05, answer).start()
        return got

    monkeypatch.setattr(sweep, "claim_nudge", claim_while_a_click_comes)
    service = _service(engine)

    class Recording(ConsoleNotifier):
        def send_nudge(self, recipient, reply, claim_id):
            sent.append(recipient.name)
            return super().send_nudge(recipient, reply, claim_id)

    report = run_sweep(service, Recording(quiet=True))
    assert len(report.nudged) == len(sent) == len(answered) > 0
    # each nudge's send waited for the click that came during its own claim
    assert answered == list(range(len(sent)))


def test_a_sender_left_free_by_a_long_hold_still_waits_while_requests_are_at_the_door(
    monkeypatch,
):
    """After a hold that ran its full length the sweep runs free for as long again (so a
    steady stream of requests never stops it); a burst's answers keep FOREGROUND busy for
    seconds, and the next burst arriving in such a spell met every sender at full speed.
    Requests at the door (being read and acknowledged) still come first then, up to
    STEP_ASIDE_SECONDS. (A foreground and a door of the test's own.)"""
    import threading
    import time as clock

    import bot.foreground as fg
    import jobs.sweep as sweep

    busy, door = fg.Foreground(max_hold=30), fg.Foreground()
    monkeypatch.setattr(sweep, "FOREGROUND", busy)
    monkeypatch.setattr(fg, "AT_THE_DOOR", door)
    monkeypatch.setattr(fg, "STEP_ASIDE_SECONDS", 30)
    busy.enter()  # a burst's answers still going out
    busy._free_until = clock.monotonic() + 30  # after a full hold: the sweep runs free
    assert busy.wait_quiet() == 0.0
    left_at: list[float] = []

    def answered() -> None:
        left_at.append(clock.monotonic())
        door.leave()

    door.enter()  # the next burst is being read
    threading.Timer(0.05, answered).start()
    sweep._people_first()
    assert left_at and clock.monotonic() >= left_at[0]  # went on only once the door cleared
    sweep._people_first()  # nobody at the door: straight on
    busy.leave()


def test_a_sent_nudge_is_marked_sent_only_once_clicks_that_came_during_its_send_are_answered(
    engine, monkeypatch
):
    """The send is journalled by the notifier (what a resumed claim checks), so marking the
    claim sent waits for people first: a click arriving while the nudge went out is answered
    before the mark is written. (A foreground of the test's own.)"""
    import threading

    import jobs.sweep as sweep
    from bot.foreground import Foreground

    fg = Foreground(max_hold=30)
    monkeypatch.setattr(sweep, "FOREGROUND", fg)
    order: list[str] = []
    real_mark = sweep.mark_nudge_sent
    monkeypatch.setattr(
        sweep, "mark_nudge_sent", lambda *a, **kw: (order.append("marked"), real_mark(*a, **kw))
    )
    service = _service(engine)

    class ClickedDuringTheSend(ConsoleNotifier):
        def send_nudge(self, recipient, reply, claim_id):
            fg.enter()  # a click arrives while the nudge is going out

            def answer() -> None:
                order.append("answered")
                fg.leave()

            threading.Timer(0.05, answer).start()
            return super().send_nudge(recipient, reply, claim_id)

    report = run_sweep(service, ClickedDuringTheSend(quiet=True))
    assert report.nudged and order == ["answered", "marked"] * len(report.nudged)
    assert nudge_counts(engine).get("sent") == len(report.nudged)

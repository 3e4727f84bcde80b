"""Several plans in one bot: one sweep over every plan sends each person one nudge grouped by
plan; each plan's policy decides what of its own is due; digests stay per plan; commands that
need one plan name the plans when none is chosen. SQLite and PostgreSQL.

Two copies of the quarter plan (tests/support/quarter_plan.py) side by side: the same people
own the same references (A1…A7) in "Quarter plan" and "People Plan".
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.platforms.console.notifier import ConsoleNotifier
from jobs.digest_job import run_digest
from jobs.sweep import run_sweep
from storage.engine import read_session, write_session
from storage.models import DigestPost, NudgeItem, NudgeMessage, Plan
from tests.support.quarter_plan import load_quarter_plan

OCT_17 = datetime(2019, 10, 17, 9, 0, tzinfo=UTC)  # Thu, 10:00 London
PLANS = ("Quarter plan", "People Plan")


def _two_plans(engine, at=OCT_17, *, second_policy: str = "", **kw) -> PlanService:
    load_quarter_plan(engine, name=PLANS[0], channels="C-QUARTER", **kw)
    load_quarter_plan(engine, name=PLANS[1], channels="C-PEOPLE", policy_json=second_policy)
    return PlanService(engine, FixedClock(at))


def _plan_ids(engine) -> dict[str, int]:
    with read_session(engine) as s:
        return {p.name: p.id for p in s.exec(select(Plan))}


def test_one_nudge_per_person_grouped_by_plan(engine):
    service = _two_plans(engine)
    notifier = ConsoleNotifier(quiet=True)
    report = run_sweep(service, notifier, instance_id="t", escalate=False)
    nudges = notifier.of_kind("nudge")
    per_person = Counter(d.target for d in nudges)
    assert per_person == {"Alice": 1, "Bob": 1, "Carol": 1, "Pat": 1}
    ids = _plan_ids(engine)
    alice = next(d.reply for d in nudges if d.target == "Alice")
    # A2 (her role) and A3 in each plan, under a heading per plan, in the plans' order.
    assert [(name, [o.action.label for o in items]) for name, items in alice.groups()] == [
        (PLANS[0], ["A2", "A3"]),
        (PLANS[1], ["A2", "A3"]),
    ]
    assert {o.action.plan_id for o in alice.items} == set(ids.values())
    assert report.plan == ", ".join(PLANS)
    # Stored: one message per person, each item once, each plan's actions in it.
    with read_session(engine) as s:
        messages = s.exec(select(NudgeMessage)).all()
        items = s.exec(select(NudgeItem)).all()
    assert Counter(m.person_id for m in messages).most_common(1)[0][1] == 1
    assert len(messages) == 4
    assert len(items) == len({(i.action_id, i.window_key) for i in items}) == 12
    # Exactly once: the next sweep the same day sends nothing more.
    again = ConsoleNotifier(quiet=True)
    run_sweep(service, again, instance_id="t2", escalate=False)
    assert again.of_kind("nudge") == []


def test_each_plans_policy_decides_its_own_items(engine):
    # The People Plan's working day starts at 11:00: at 10:00 only the Quarter plan's items
    # are due; the People Plan's wait for tomorrow (one message per person per day).
    service = _two_plans(engine, second_policy='{"working_hours": "11:00-17:30"}')
    report = run_sweep(service, None, dry_run=True)
    ids = _plan_ids(engine)
    sent_plans = {a["action_id"] for n in report.nudged for a in n.items}
    with read_session(engine) as s:
        from storage.models import Action

        plan_of = dict(s.exec(select(Action.id, Action.plan_id)).all())
    assert {plan_of[a] for a in sent_plans} == {ids[PLANS[0]]}
    assert any("outside working hours" in s.why for s in report.skipped)


def test_a_plan_named_sweeps_only_that_plan(engine):
    _two_plans(engine)
    service = PlanService(engine, FixedClock(OCT_17), plan_name=PLANS[1])
    report = run_sweep(service, None, dry_run=True)
    assert report.plan == PLANS[1]
    ids = _plan_ids(engine)
    with read_session(engine) as s:
        from storage.models import Action

        plan_of = dict(s.exec(select(Action.id, Action.plan_id)).all())
    assert {plan_of[a["action_id"]] for n in report.nudged for a in n.items} == {ids[PLANS[1]]}


def test_one_digest_per_plan_to_its_own_channels(engine):
    service = _two_plans(engine)
    notifier = ConsoleNotifier(quiet=True)
    run_digest(service, notifier, instance_id="t", on_demand=True)
    posted = notifier.of_kind("digest")
    assert sorted((d.target, d.reply.digest.plan_name) for d in posted) == [
        ("C-PEOPLE", PLANS[1]),
        ("C-QUARTER", PLANS[0]),
    ]
    again = ConsoleNotifier(quiet=True)
    run_digest(service, again, instance_id="t2", on_demand=True)
    assert again.of_kind("digest") == []
    with read_session(engine) as s:
        assert len(s.exec(select(DigestPost)).all()) == 2


def test_settings_stay_per_plan(engine):
    _two_plans(engine)
    with write_session(engine) as s:
        p = s.exec(select(Plan).where(Plan.name == PLANS[1])).one()
        p.timezone = "America/New_York"
        s.add(p)
    service = PlanService(engine, FixedClock(OCT_17))
    tz = {p.name: p.timezone for p in service.plans()}
    assert tz == {PLANS[0]: "Europe/London", PLANS[1]: "America/New_York"}
    assert service.for_plan(service.plans()[1]).plan().timezone == "America/New_York"


# -- the command line and the console, in real processes ---------------------------------------
def _cli_env(tmp_path) -> dict:
    import os

    env = {
        **os.environ,
        "COLUMNS": "220",
        "PLAN_NAME": "",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    for key in ("SLACK_BOT_TOKEN", "TEAMS_CLIENT_ID"):
        env.pop(key, None)
    return env


def _load_two_plans_by_cli(tmp_path, env) -> None:
    from pathlib import Path

    from tests.support.cli_process import run_cli

    data = Path(__file__).resolve().parent.parent / "bot" / "data"
    for name in ("OD plan 2019", "People Plan"):
        proc = run_cli(
            ["import", str(data / "sample_plan.csv"), "--plan", name, "--fy-start", "2019",
             "--today", "2019-09-02"],
            cwd=tmp_path, env=env,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    proc = run_cli(["people", "import", str(data / "sample_people.csv")], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr


def test_commands_that_need_one_plan_name_the_plans(tmp_path):
    import json

    from tests.support.cli_process import run_cli

    env = _cli_env(tmp_path)
    _load_two_plans_by_cli(tmp_path, env)
    for args in (["plan", "show"], ["plan", "set", "--readers", "workspace"], ["report"]):
        proc = run_cli(args, cwd=tmp_path, env=env)
        assert proc.returncode == 1, (args, proc.stdout)
        assert (
            "several plans are loaded: OD plan 2019, People Plan — choose one with --plan NAME"
            in proc.stderr
        ), (args, proc.stderr)
    # Named, each plan answers for itself: its own settings.
    proc = run_cli(
        ["plan", "set", "--plan", "People Plan", "--channels", "C-PEOPLE"], cwd=tmp_path, env=env
    )
    assert proc.returncode == 0, proc.stderr
    shown = {}
    for name in ("OD plan 2019", "People Plan"):
        proc = run_cli(["plan", "show", "--plan", name, "--json"], cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        shown[name] = json.loads(proc.stdout)
    assert shown["People Plan"]["name"] == "People Plan"
    assert shown["OD plan 2019"]["name"] == "OD plan 2019"
    assert "C-PEOPLE" in json.dumps(shown["People Plan"])
    assert "C-PEOPLE" not in json.dumps(shown["OD plan 2019"])


def test_console_one_nudge_grouped_and_an_ambiguous_reference_asked(tmp_path):
    import json
    from pathlib import Path

    from tests.support.cli_process import run_cli

    env = _cli_env(tmp_path)
    _load_two_plans_by_cli(tmp_path, env)
    # The sweep: Priya owes G2 in both plans, and gets one message with a heading per plan.
    proc = run_cli(["sweep", "--today", "2019-09-16"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.count("nudge → Priya Raman") == 1, out
    priya = out[out.index("nudge → Priya Raman") :]
    assert "OD plan 2019" in priya and "People Plan" in priya
    proc = run_cli(["sweep", "--today", "2019-09-16", "--json"], cwd=tmp_path, env=env)
    assert json.loads(proc.stdout)["nudged"] == []  # exactly once: nothing more that day
    script = Path(__file__).resolve().parent / "fixtures" / "console" / "two_plans_session.txt"
    proc = run_cli(
        ["run", "--console", "--script", str(script), "--today", "2019-09-16"],
        cwd=tmp_path,
        env=env,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "2 plans" in out
    # `owe` covers both plans, under a heading each.
    owe = out[out.index("> owe") :]
    assert "OD plan 2019" in owe and "People Plan" in owe
    # "G2 …" is in both of her plans: asked, with the plans to choose from; "2" chooses.
    assert "G2 is in several of your plans: which plan's G2 is that about?" in out
    assert "Stored for G2: On track — shared with partners" in out
    # A question about a shared reference is answered for each plan, naming it.
    assert "G9 (OD plan 2019)" in out and "G9 (People Plan)" in out
    # A report is one plan's: asked for plainly it names the plans; `plan WORDS` chooses.
    assert "several plans are loaded: OD plan 2019, People Plan — choose one" in out
    assert "People Plan — Update at September 2019: 33 actions" in out
    # `digest now`: each plan's own digest.
    assert "OD plan 2019 — digest for 16 Sep 2019" in out
    assert "People Plan — digest for 16 Sep 2019" in out
    statuses = {}
    for name in ("OD plan 2019", "People Plan"):
        proc = run_cli(["actions", "G2", "--plan", name, "--json"], cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        [action] = json.loads(proc.stdout)["actions"]
        statuses[name] = action["status"]
    assert statuses["People Plan"] == "On track"
    assert statuses["OD plan 2019"] != "On track"


def test_a_reply_to_one_plans_nudge_is_read_in_that_plan_and_a_bare_one_asked(engine):
    from handlers.replies import AskAction, UpdateStored
    from handlers.update import handle_reply
    from storage.models import Action, Update

    service = _two_plans(engine)
    ids = _plan_ids(engine)
    with read_session(engine) as s:
        a3 = dict(s.exec(select(Action.plan_id, Action.id).where(Action.ref == "A3")).all())
    alice = service.actor_for_name("Alice")
    # Asked, never guessed: both of her plans have an A3.
    asked = handle_reply(service, alice, "A3 on track: workshops booked")
    assert isinstance(asked, AskAction)
    assert sorted(asked.plan_names) == sorted(PLANS)
    assert {a.id for a in asked.candidates} == set(a3.values())
    # A reply to a nudge that listed the People Plan's A3 is about that one.
    people_a3 = a3[ids[PLANS[1]]]
    stored = handle_reply(
        service, alice, "A3 on track: workshops booked", context_action_ids=(people_a3,)
    )
    assert isinstance(stored, UpdateStored) and stored.action.id == people_a3
    with read_session(engine) as s:
        mine = s.exec(select(Update.action_id).where(Update.source == "reply")).all()
    assert mine == [people_a3]
    # Queries cover both plans and say which plan each action is in.
    listed = service.query(alice, "A3")
    assert sorted(a.theme for a in listed.actions) == [
        f"{PLANS[1]} › Leadership",
        f"{PLANS[0]} › Leadership",
    ]


def test_escalations_stay_per_plan(engine):
    """Bob is nudged on 15 and 27 Aug about A1 in both plans (one message each day) and stays
    silent: on 28 Aug Pat hears about him once for each plan, and only once."""
    from datetime import date

    service = _two_plans(engine)
    notifier = ConsoleNotifier(quiet=True)
    for day in (date(2019, 8, 15), date(2019, 8, 27)):
        service.clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        run_sweep(service, notifier, instance_id="x", escalate=False)
    bobs = [d for d in notifier.of_kind("nudge") if d.target == "Bob"]
    assert len(bobs) == 2 and all(len({o.action.plan_id for o in d.reply.items}) == 2 for d in bobs)
    service.clock.set(datetime(2019, 8, 28, 9, tzinfo=UTC))
    run_sweep(service, notifier, instance_id="e1")
    run_sweep(service, notifier, instance_id="e2")
    sent = notifier.of_kind("escalation")
    told = sorted(
        (d.target, s.person.name, s.actions[0].plan_id) for d in sent for s in d.reply.silent
    )
    ids = _plan_ids(engine)
    assert told == sorted(("Pat", "Bob", ids[p]) for p in PLANS)


class _Killed(BaseException):
    """The process dies: not an Exception, so nothing in the job catches it."""


class _DiesAfterFirstPost(ConsoleNotifier):
    """Posts the first plan's digest, then dies before the job records it (once)."""

    died = False

    def post_digest(self, channel, digest, claim_id):
        delivered = super().post_digest(channel, digest, claim_id)
        if not self.died:
            self.died = True
            raise _Killed
        return delivered


def test_a_digest_run_killed_after_one_plans_post_sends_each_once(engine):
    # Mon 21 Oct 2019 09:30 London: the weekly slot (Monday 09:00) is due for both plans.
    from datetime import timedelta

    import pytest

    service = _two_plans(engine, at=datetime(2019, 10, 21, 8, 30, tzinfo=UTC))
    notifier = _DiesAfterFirstPost(quiet=True)
    with pytest.raises(_Killed):
        run_digest(service, notifier, instance_id="a")
    assert [d.target for d in notifier.of_kind("digest")] == ["C-QUARTER"]
    service.clock.set(service.clock.now() + timedelta(minutes=10))  # past the lease
    for instance in ("b", "c"):
        run_digest(service, notifier, instance_id=instance)
    posted = sorted((d.target, d.reply.digest.plan_name) for d in notifier.of_kind("digest"))
    assert posted == [("C-PEOPLE", PLANS[1]), ("C-QUARTER", PLANS[0])]
    with read_session(engine) as s:
        rows = s.exec(select(DigestPost)).all()
    assert sorted((r.channel, r.state) for r in rows) == [
        ("C-PEOPLE", "sent"),
        ("C-QUARTER", "sent"),
    ]


def test_assigning_a_reference_two_plans_share_is_refused_naming_both(engine):
    """An officer's `assign A3 …` with two plans loaded never picks one plan's A3: both are
    named with their #ids, nothing is written; by #id it is that action only."""
    import pytest

    from bot.core.assign import AssignError, assign, find_actions
    from storage.models import Action, ActionOwner, Owner

    service = _two_plans(engine)
    ids = _plan_ids(engine)
    snap = service.snapshot()
    with pytest.raises(AssignError) as refused:
        find_actions(snap, ["A3"])
    message = str(refused.value)
    assert all(name in message for name in PLANS) and "nothing was assigned" in message
    with read_session(engine) as s:
        a3 = dict(s.exec(select(Action.plan_id, Action.id).where(Action.ref == "A3")).all())
    people_a3 = a3[ids[PLANS[1]]]
    (action,) = find_actions(snap, [f"#{people_a3}"])
    assign(engine, service.clock, snap, [(action, "Director of Estates")], by="test", how="cli")
    with read_session(engine) as s:
        owner = s.exec(select(Owner).where(Owner.name == "Director of Estates")).one()
        owned = s.exec(select(ActionOwner.action_id).where(ActionOwner.owner_id == owner.id))
        assert list(owned) == [people_a3]


def test_a_plan_is_named_by_part_of_its_name_where_one_plan_has_it(engine):
    """Plans are named after long titles: `--plan people` finds "People Plan"; a part two
    plans share is refused naming both; import, rename and delete take exact names only."""
    import pytest

    from storage.queries import NotFound, get_plan

    _two_plans(engine)
    with read_session(engine) as s:
        assert get_plan(s, "people", loose=True).name == "People Plan"
        assert get_plan(s, "QUARTER PLAN", loose=True).name == "Quarter plan"
        with pytest.raises(NotFound, match="part of several plans' names"):
            get_plan(s, "plan", loose=True)
        with pytest.raises(NotFound, match="plans loaded: Quarter plan; People Plan"):
            get_plan(s, "people")  # exact: a new plan's name on import, never another's
        with pytest.raises(NotFound):
            get_plan(s, "eople", loose=True)  # words from their start, not any letters

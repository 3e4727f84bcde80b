"""A plan walked through a quarter (1 Aug – 31 Oct 2019) with an injected clock: who is nudged
on which working day, about what, and when silence is escalated.

Every expectation below is worked out by hand from the calendar (see tests/support/
quarter_plan.py for the plan), not from the code under test:

- A1 (Bob, due Fri 30 Aug): 10 working days before = Thu 15 Aug (Mon 26 Aug is the summer
  bank holiday, so it is skipped), 3 before = Tue 27 Aug, on the day Fri 30 Aug, overdue every
  5 working days: Fri 6 Sep, Fri 13 Sep, … Bob says "on track" on Mon 9 Sep (still overdue, so
  the 13 Sep nudge stands) and completes it on Mon 16 Sep at 11:00.
- A2 (role held by Alice) and A3 (Alice), both due Mon 30 Sep: 16 Sep, 25 Sep, 30 Sep, then
  7, 14, 21, 28 Oct — one message to Alice each day listing both. Alice updates A3 on Thu 26
  Sep at 09:00 and is away (no deputy) from Mon 30 Sep to Fri 4 Oct: the 30 Sep nudge waits,
  and on 7 Oct the newest window (overdue 1) replaces it: the missed one is not sent late.
- A4 (Carol, due Sun 15 Sep): 10 before = Mon 2 Sep, 3 before = Wed 11 Sep, on the day = the
  last working day before it, Fri 13 Sep. On Wed 18 Sep she revises it to Thu 31 Oct: then 10
  before = Thu 17 Oct, 3 before = Mon 28 Oct, on the day Thu 31 Oct.
- A5 (Carol, ongoing): the first working day of each month: Thu 1 Aug, Mon 2 Sep, Tue 1 Oct.
- A6 (a role nobody holds, due Thu 31 Oct): to Pat, the administrator: 17, 28, 31 Oct.
- A7 is completed: never nudged.
- On Fri 13 Sep the bot only runs after hours (17:00–23:00): nothing goes out, nor over the
  weekend; Mon 16 Sep at 09:00 carries Bob's overdue-2 and Carol's on-the-day nudges.

Escalation (after 2 nudges before today with no reply since): Bob on Wed 28 Aug (to Pat:
Leadership has no lead); Carol on Tue 3 Sep (to Larry, lead of Culture) and, after her reply of
18 Sep started a new silent spell, again on Fri 18 Oct; Alice on Tue 15 Oct (her 26 Sep reply
reset the count; nothing was sent while she was away).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.calendar import calendar_for
from bot.core.clock import FixedClock
from bot.core.nudges import active_window, plan_nudges
from bot.core.policy import NudgePolicy
from bot.core.service import PlanService
from bot.platforms.console.notifier import ConsoleNotifier
from jobs.sweep import run_sweep
from storage.claims import nudge_counts
from storage.queries import ActionView, OwnerView, PlanSnapshot
from tests.support.quarter_plan import load_quarter_plan

LONDON = ZoneInfo("Europe/London")


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


class TimedNotifier(ConsoleNotifier):
    """Records the clock's time with each delivery."""

    def __init__(self, clock):
        super().__init__(quiet=True)
        self.clock = clock
        self.times: list[datetime] = []

    def _deliver(self, *args, **kw):
        self.times.append(self.clock.now().astimezone(LONDON))
        return super()._deliver(*args, **kw)


EXPECTED_NUDGES = {
    date(2019, 8, 1): {"Carol": {"A5"}},
    date(2019, 8, 15): {"Bob": {"A1"}},
    date(2019, 8, 27): {"Bob": {"A1"}},
    date(2019, 8, 30): {"Bob": {"A1"}},
    date(2019, 9, 2): {"Carol": {"A4", "A5"}},
    date(2019, 9, 6): {"Bob": {"A1"}},
    date(2019, 9, 11): {"Carol": {"A4"}},
    date(2019, 9, 16): {"Alice": {"A2", "A3"}, "Bob": {"A1"}, "Carol": {"A4"}},
    date(2019, 9, 25): {"Alice": {"A2", "A3"}},
    date(2019, 10, 1): {"Carol": {"A5"}},
    date(2019, 10, 7): {"Alice": {"A2", "A3"}},
    date(2019, 10, 14): {"Alice": {"A2", "A3"}},
    date(2019, 10, 17): {"Carol": {"A4"}, "Pat": {"A6"}},
    date(2019, 10, 21): {"Alice": {"A2", "A3"}},
    date(2019, 10, 28): {"Alice": {"A2", "A3"}, "Carol": {"A4"}, "Pat": {"A6"}},
    date(2019, 10, 31): {"Carol": {"A4"}, "Pat": {"A6"}},
}
EXPECTED_ESCALATIONS = [
    (date(2019, 8, 28), "Pat", "Bob", ["A1"]),
    (date(2019, 9, 3), "Larry", "Carol", ["A4", "A5"]),
    (date(2019, 10, 15), "Pat", "Alice", ["A2", "A3"]),
    (date(2019, 10, 18), "Larry", "Carol", ["A4", "A5"]),
]
HOURLY = {date(2019, 8, 15), date(2019, 9, 16)}
# The bank holiday and a Saturday: swept through the working hours, and nothing goes out.
SEVERAL = {date(2019, 8, 26), date(2019, 8, 31)}
AFTER_HOURS_ONLY = {date(2019, 9, 13)}


def _events(service: PlanService):
    """(local time, what happens) — people answering and going away."""

    def update(name, ref, status, **kw):
        return lambda: service.record_update(
            service.actor_for_name(name), ref, status=status, source="reply", **kw
        )

    def away():
        alice = service.actor_for_name("Alice").person
        service.set_away(alice, date(2019, 10, 4))

    return [
        (local(2019, 9, 9, 11), update("Bob", "A1", "On track", commentary="nearly there")),
        (local(2019, 9, 16, 11), update("Bob", "A1", "Completed")),
        (
            local(2019, 9, 18, 10, 30),
            update(
                "Carol",
                "A4",
                "On track",
                revised_text="31/10/2019",
                revised_due=date(2019, 10, 31),
            ),
        ),
        (local(2019, 9, 26, 9), update("Alice", "A3", "On track")),
        (local(2019, 9, 30, 8), away),
    ]


def _sweep_times(day: date) -> list[datetime]:
    if day in HOURLY:
        return [local(day.year, day.month, day.day, h) for h in range(24)]
    if day in SEVERAL:
        return [local(day.year, day.month, day.day, h) for h in (9, 12, 16)]
    if day in AFTER_HOURS_ONLY:
        return [local(day.year, day.month, day.day, h) for h in range(17, 24)]
    return [local(day.year, day.month, day.day, 10)]


def test_a_quarter_day_by_day(engine):
    load_quarter_plan(engine)
    clock = FixedClock(local(2019, 8, 1, 0))
    service = PlanService(engine, clock)
    notifier = TimedNotifier(clock)
    events = _events(service)

    day = date(2019, 8, 1)
    while day <= date(2019, 10, 31):
        for at in _sweep_times(day):
            while events and events[0][0] <= at:
                when, happen = events.pop(0)
                clock.set(when)
                happen()
            clock.set(at)
            report = run_sweep(service, notifier, instance_id="walker")
            assert not report.failures
        day += timedelta(days=1)

    got: dict[date, dict[str, set[str]]] = defaultdict(dict)
    sent_at: dict[tuple[date, str], datetime] = {}
    escalations = []
    for d, at in zip(notifier.deliveries, notifier.times, strict=True):
        if d.kind == "nudge":
            assert d.target not in got[at.date()], f"two nudges to {d.target} on {at:%-d %b}"
            got[at.date()][d.target] = {o.action.label for o in d.reply.items}
            sent_at[(at.date(), d.target)] = at
        else:
            escalations.append(
                (
                    at.date(),
                    d.target,
                    [s.person.name for s in d.reply.silent],
                    [[a.label for a in s.actions] for s in d.reply.silent],
                )
            )
    assert dict(got) == EXPECTED_NUDGES
    # Quiet hours: on the hourly days the nudge went at the first working hour, 09:00.
    assert sent_at[(date(2019, 8, 15), "Bob")].hour == 9
    assert {sent_at[(date(2019, 9, 16), n)].hour for n in ("Alice", "Bob", "Carol")} == {9}
    assert all(t.weekday() < 5 and 9 <= t.hour < 17 for t in notifier.times)
    assert [(d, to, who, acts) for d, to, who, acts in escalations] == [
        (d, to, [who], [acts]) for d, to, who, acts in EXPECTED_ESCALATIONS
    ]
    counts = nudge_counts(engine)
    assert counts["sent"] == sum(len(v) for v in EXPECTED_NUDGES.values()) == 22
    assert counts.get("claimed", 0) == 0


def test_deputy_and_overdue_windows_are_keyed_per_person(engine):
    """The claim keys name the window and the answerable owner, so a two-owner action
    is nudged to each, once per window."""
    from storage.engine import read_session
    from storage.models import NudgeItem

    load_quarter_plan(engine)
    clock = FixedClock(local(2019, 9, 16, 10))
    service = PlanService(engine, clock)
    run_sweep(service, ConsoleNotifier(quiet=True), instance_id="t")
    with read_session(engine) as s:
        keys = sorted(k for (k,) in s.execute(select_keys(NudgeItem)))
    alice = service.actor_for_name("Alice").person.id
    assert f"before10:2019-09-30@{alice}" in keys
    assert any(k.startswith("overdue2:2019-08-30@") for k in keys)
    assert any(k.startswith("due:2019-09-15@") for k in keys)


def select_keys(model):
    from sqlalchemy import select

    return select(model.window_key)


# -- the pure functions, without a database ---------------------------------------------------
_ids = itertools.count(1)


def _action(ref="X1", due=None, kind="fixed", owners=(), status=None, replied_at=None, tid=1):
    return ActionView(
        id=next(_ids),
        plan_id=1,
        key=ref,
        ref=ref,
        text=f"Action {ref}",
        theme_id=tid,
        theme="T",
        objective="",
        deadline_text="",
        due_date=due,
        deadline_kind=kind,
        deadline_sure=due is not None,
        status=status,
        status_at=None,
        owners=tuple(owners),
        position=0,
        created_at=datetime(2019, 1, 1, tzinfo=LONDON),
        replied_at=replied_at,
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2019, 12, 5), None),  # before the first window
        (date(2019, 12, 6), "before10:2019-12-20"),  # 10 working days before Fri 20 Dec
        (date(2019, 12, 16), "before10:2019-12-20"),
        (date(2019, 12, 17), "before3:2019-12-20"),
        (date(2019, 12, 20), "due:2019-12-20"),
        # 5 working days after Fri 20 Dec, skipping Christmas and Boxing Day: 23, 24, 27,
        # 30, 31 Dec -> overdue 1 opens Tue 31 Dec; 2, 3, 6, 7, 8 Jan -> overdue 2 Wed 8 Jan
        # (New Year's Day is a bank holiday).
        (date(2019, 12, 30), "due:2019-12-20"),
        (date(2019, 12, 31), "overdue1:2019-12-20"),
        (date(2020, 1, 7), "overdue1:2019-12-20"),
        (date(2020, 1, 8), "overdue2:2019-12-20"),
    ],
)
def test_windows_over_christmas(today, expected):
    cal = calendar_for("ENG")
    w = active_window(_action(due=date(2019, 12, 20)), today, NudgePolicy(), cal)
    assert (w.key if w else None) == expected


def test_undated_and_ongoing_actions_are_monthly():
    cal = calendar_for("ENG")
    policy = NudgePolicy()
    unknown = _action(kind="unknown")
    # 1 Sep 2019 is a Sunday: September's window opens Mon 2 Sep; until then August's.
    assert active_window(unknown, date(2019, 9, 1), policy, cal).key == "monthly:2019-08"
    assert active_window(unknown, date(2019, 9, 2), policy, cal).key == "monthly:2019-09"
    ongoing = _action(kind="ongoing", due=date(2019, 3, 31))
    # 1 Jan 2020 is a bank holiday: January's window opens Thu 2 Jan.
    assert active_window(ongoing, date(2020, 1, 1), policy, cal).key == "monthly:2019-12"
    assert active_window(ongoing, date(2020, 1, 2), policy, cal).key == "monthly:2020-01"


def test_policy_cadence_is_configurable():
    cal = calendar_for("ENG")
    policy = NudgePolicy(before_due_working_days=(14,), on_due_day=False)
    a = _action(due=date(2019, 12, 20))
    # 14 working days before Fri 20 Dec: Mon 2 Dec.
    assert active_window(a, date(2019, 12, 2), policy, cal).key == "before14:2019-12-20"
    assert active_window(a, date(2019, 12, 20), policy, cal).key == "before14:2019-12-20"


def test_working_hours_follow_the_recipients_time_zone():
    cal = calendar_for("ENG")
    plan = type("P", (), {"timezone": "Europe/London", "id": 1, "name": "p"})()
    ny = OwnerView(7, "person", "Nia York", timezone="America/New_York")
    ldn = OwnerView(8, "person", "Len Don")
    a = _action("N1", due=date(2019, 12, 20), owners=(ny, ldn))
    snap = PlanSnapshot(plan, {}, [a])
    # 10:00 in London is 05:00 in New York: only Len is in working hours.
    at = datetime(2019, 12, 9, 10, 0, tzinfo=LONDON)
    names = [n.recipient.name for n in plan_nudges(snap, at, NudgePolicy(), cal).nudges]
    assert names == ["Len Don"]
    # 15:00 in London is 10:00 in New York: both.
    at = datetime(2019, 12, 9, 15, 0, tzinfo=LONDON)
    names = [n.recipient.name for n in plan_nudges(snap, at, NudgePolicy(), cal).nudges]
    assert names == ["Len Don", "Nia York"]


def test_a_reply_since_the_window_opened_answers_it():
    cal = calendar_for("ENG")
    plan = type("P", (), {"timezone": "Europe/London", "id": 1, "name": "p"})()
    p = OwnerView(7, "person", "Pam")
    at = datetime(2019, 12, 17, 10, 0, tzinfo=LONDON)  # before3 opened today
    before = _action("R1", due=date(2019, 12, 20), owners=(p,), replied_at=local(2019, 12, 16))
    since = _action("R2", due=date(2019, 12, 20), owners=(p,), replied_at=local(2019, 12, 17, 8))
    done = _action("R3", due=date(2019, 12, 20), owners=(p,), status="Completed")
    snap = PlanSnapshot(plan, {}, [before, since, done])
    [nudge] = plan_nudges(snap, at, NudgePolicy(), cal).nudges
    assert [i.action.ref for i in nudge.items] == ["R1"]

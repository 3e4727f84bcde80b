"""Exactly once: two sweepers (or two schedulers) on one database, and sweeps that die half-way,
never send a nudge twice and never lose one. Run on SQLite and on PostgreSQL.

The reference is a dry run made first: who should be nudged about what at that moment. After
the concurrent or crashing sweeps, every planned (recipient, action) must have been delivered
exactly once, and the database must hold exactly one sent message per recipient.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from bench.synth import populate
from bot.core.clock import FixedClock
from bot.core.delivery import DeliveryError
from bot.core.service import PlanService
from bot.platforms.console.notifier import ConsoleNotifier
from jobs.scheduler import SWEEP_JOB, build_scheduler
from jobs.sweep import run_sweep
from storage.claims import nudge_counts
from storage.engine import make_engine

# Tue 2 Jun 2020, 10:00 in London: a working day, in working hours.
NOW = datetime(2020, 6, 2, 9, 0, tzinfo=UTC)


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def plan(engine):
    populate(engine, actions=240, owners=90, themes=4, updates_per_action=0)
    clock = FixedClock(NOW)
    service = PlanService(engine, clock)
    expected = run_sweep(service, None, dry_run=True)
    assert len(expected.nudged) > 40  # enough recipients for the races to matter
    return service, clock, _planned(expected)


def _planned(report) -> dict[str, set[int]]:
    return {n.recipient.name: {i["action_id"] for i in n.items} for n in report.nudged}


def _delivered(*notifiers: ConsoleNotifier) -> tuple[Counter, dict[str, set[int]]]:
    per_person: Counter = Counter()
    actions: dict[str, set[int]] = {}
    for n in notifiers:
        for d in n.of_kind("nudge"):
            per_person[d.target] += 1
            actions.setdefault(d.target, set()).update(o.action.id for o in d.reply.items)
    return per_person, actions


def _assert_exactly_once(engine, expected, *notifiers):
    per_person, actions = _delivered(*notifiers)
    twice = [p for p, n in per_person.items() if n > 1]
    assert twice == [], f"nudged twice: {twice}"
    assert actions == expected  # nobody lost, nothing missing from a message
    counts = nudge_counts(engine)
    assert counts.get("sent") == len(expected)
    assert counts.get("claimed", 0) == 0
    # One NudgeItem per (action, window, person) listed.
    assert counts["items"] >= sum(len(v) for v in expected.values())


class _MeetingNotifier(ConsoleNotifier):
    """Holds its first nudge until the other sweeper has a nudge to send too (10 s at most).
    Without it a sweeper whose thread happens to run first on a busy machine can claim and
    send the whole plan before the other has finished planning, and there is no race."""

    def __init__(self, mine: threading.Event, other: threading.Event):
        super().__init__(quiet=True)
        self.mine, self.other = mine, other

    def send_nudge(self, recipient, nudge, claim_id):
        if not self.mine.is_set():
            self.mine.set()
            self.other.wait(10)
        return super().send_nudge(recipient, nudge, claim_id)


def test_two_sweepers_at_once(engine, plan):
    _, _, expected = plan
    url = _url(engine)
    barrier = threading.Barrier(2)
    sending = [threading.Event(), threading.Event()]
    notifiers = [_MeetingNotifier(sending[0], sending[1]), _MeetingNotifier(sending[1], sending[0])]
    errors: list[BaseException] = []

    def sweeper(i: int) -> None:
        own = make_engine(url)  # each "instance" has its own engine and connection pool
        try:
            service = PlanService(own, FixedClock(NOW))
            barrier.wait()
            for _ in range(2):  # and again, as the next tick would
                run_sweep(service, notifiers[i], instance_id=f"instance-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=sweeper, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    _assert_exactly_once(engine, expected, *notifiers)
    # Both really took part (the race is real, not one sweeper doing everything first).
    assert all(n.of_kind("nudge") for n in notifiers) or len(expected) < 2


def test_two_schedulers_catch_up_at_once(engine, plan):
    """Two bot processes start together: each scheduler's start-up sweep runs at once."""
    _, _, expected = plan
    url = _url(engine)
    notifiers, schedulers, engines = [], [], []
    done = [threading.Event(), threading.Event()]
    for i in range(2):
        own = make_engine(url)
        engines.append(own)
        notifier = ConsoleNotifier(quiet=True)
        notifiers.append(notifier)
        sched = build_scheduler(PlanService(own, FixedClock(NOW)), notifier, instance_id=f"s{i}")

        def listener(event, i=i):
            if event.job_id == SWEEP_JOB:
                done[i].set()

        sched.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        schedulers.append(sched)
    try:
        for s in schedulers:
            s.start()
        assert all(d.wait(60) for d in done)
    finally:
        for s in schedulers:
            s.shutdown(wait=True)
        for e in engines:
            e.dispose()
    _assert_exactly_once(engine, expected, *notifiers)


class Killed(BaseException):
    """The process dies: not an Exception, so nothing in the sweep catches it."""


class DyingNotifier:
    """Delivers through ``inner`` until the ``after``-th nudge, then dies: before sending it,
    or (``after_send``) once it has gone out but before the sweep could record that."""

    def __init__(self, inner: ConsoleNotifier, *, after: int, after_send: bool = False):
        self.inner, self.after, self.after_send = inner, after, after_send
        self.calls = 0

    def send_nudge(self, recipient, nudge, claim_id):
        self.calls += 1
        if self.calls == self.after:
            if self.after_send:
                self.inner.send_nudge(recipient, nudge, claim_id)
            raise Killed
        return self.inner.send_nudge(recipient, nudge, claim_id)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("after_send", [False, True], ids=["before-send", "after-send"])
def test_a_sweep_killed_half_way(engine, plan, after_send):
    service, clock, expected = plan
    world = ConsoleNotifier(quiet=True)  # what actually reached people
    with pytest.raises(Killed):
        run_sweep(service, DyingNotifier(world, after=10, after_send=after_send), instance_id="a")
    assert len(world.of_kind("nudge")) == (10 if after_send else 9)
    assert nudge_counts(engine).get("claimed") == 1  # the one in flight

    # Another instance sweeps a minute later: it sends the rest, but not the claim the dead
    # sweep holds (its lease has not run out, and its recipient already has today's message).
    clock.advance(timedelta(minutes=1))
    report = run_sweep(service, world, instance_id="b")
    assert not report.failures
    per_person, _ = _delivered(world)
    assert max(per_person.values()) == 1
    assert nudge_counts(engine).get("claimed") == 1

    # After the lease (5 minutes) a sweep takes the claim over: it resends if the message
    # never went out, and only marks it sent if it did.
    clock.advance(timedelta(minutes=5))
    report = run_sweep(service, world, instance_id="c")
    notes = [n.note for n in report.nudged]
    assert len(notes) == 1
    assert ("already delivered" in notes[0]) == after_send
    _assert_exactly_once(engine, expected, world)
    # And nothing more, however often it runs.
    clock.advance(timedelta(minutes=10))
    assert run_sweep(service, world, instance_id="d").nudged == []
    _assert_exactly_once(engine, expected, world)


class FlakyNotifier(ConsoleNotifier):
    """Refuses the first ``fail`` nudges (the platform said no: DeliveryError)."""

    def __init__(self, fail: int):
        super().__init__(quiet=True)
        self.fail = fail

    def send_nudge(self, recipient, nudge, claim_id):
        if self.fail > 0:
            self.fail -= 1
            raise DeliveryError("channel_not_found")
        return super().send_nudge(recipient, nudge, claim_id)


def test_a_failed_send_releases_its_claim_and_the_next_sweep_retries(engine, plan):
    service, clock, expected = plan
    notifier = FlakyNotifier(fail=3)
    report = run_sweep(service, notifier, instance_id="a")
    assert len(report.failures) == 3
    assert nudge_counts(engine).get("claimed", 0) == 0  # released, not left hanging
    assert len(notifier.of_kind("nudge")) == len(expected) - 3
    clock.advance(timedelta(minutes=5))
    report = run_sweep(service, notifier, instance_id="a")
    assert len(report.nudged) == 3 and not report.failures
    _assert_exactly_once(engine, expected, notifier)


def test_escalation_goes_once_with_two_sweepers(engine):
    """Bob was nudged on 15 and 27 Aug (quarter plan) and stayed silent: on 28 Aug two
    instances check at once and Pat hears about it once."""
    from tests.support.quarter_plan import load_quarter_plan

    load_quarter_plan(engine)
    notifier = ConsoleNotifier(quiet=True)
    clock = FixedClock(NOW)
    service = PlanService(engine, clock)
    for day in (date(2019, 8, 15), date(2019, 8, 27)):
        clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        run_sweep(service, notifier, instance_id="x", escalate=False)
    url = _url(engine)
    barrier = threading.Barrier(2)
    outs = [ConsoleNotifier(quiet=True), ConsoleNotifier(quiet=True)]

    def check(i):
        own = make_engine(url)
        try:
            svc = PlanService(own, FixedClock(datetime(2019, 8, 28, 9, tzinfo=UTC)))
            barrier.wait()
            run_sweep(svc, outs[i], instance_id=f"e{i}")
        finally:
            own.dispose()

    threads = [threading.Thread(target=check, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    sent = [d for n in outs for d in n.of_kind("escalation")]
    assert [(d.target, [s.person.name for s in d.reply.silent]) for d in sent] == [("Pat", ["Bob"])]

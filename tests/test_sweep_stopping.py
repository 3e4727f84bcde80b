"""A sweep under way when the bot is stopped claims nothing more.

After SIGTERM the sweep's thread went on claiming every nudge it had planned and failing to
send each (the Teams loop had stopped), and each failure was taken as an unknown outcome: the
claim was kept until its lease ran out, so those owners were nudged a lease late by the next
instance. Now the scheduler's shutdown tells the sweep it is stopping (jobs/scheduler.py
JobScheduler): nothing more is claimed, what is left waits for the next sweep, and a Teams
send refused because the loop has stopped is a delivery that certainly did not happen (the
claim is released, not held).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.delivery import DeliveryError
from bot.core.service import PlanService
from bot.platforms.console.notifier import ConsoleNotifier
from jobs.scheduler import SWEEP_JOB, build_scheduler
from jobs.sweep import run_sweep
from storage.engine import read_session
from storage.models import NudgeMessage
from tests.support.quarter_plan import load_quarter_plan

# Thu 17 Oct 2019, 10:00 in London: four people are due a nudge (tests/test_sweep.py).
OCT_17 = datetime(2019, 10, 17, 9, 0, tzinfo=UTC)


class _StoppedAfter(ConsoleNotifier):
    """Delivers, and after the ``n``-th nudge the bot is told to stop (SIGTERM mid-sweep)."""

    def __init__(self, stop: threading.Event, n: int):
        super().__init__(quiet=True)
        self.stop, self.n, self.sent = stop, n, 0

    def send_nudge(self, recipient, nudge, claim_id):
        got = super().send_nudge(recipient, nudge, claim_id)
        self.sent += 1
        if self.sent == self.n:
            self.stop.set()
        return got


def _messages(engine) -> list[tuple[int, str]]:
    with read_session(engine) as s:
        return [(m.person_id, m.state) for m in s.exec(select(NudgeMessage))]


def test_a_sweep_told_to_stop_claims_nothing_more_and_the_next_sends_the_rest(engine):
    load_quarter_plan(engine)
    service = PlanService(engine, FixedClock(OCT_17))
    stop = threading.Event()
    first = run_sweep(service, _StoppedAfter(stop, 2), instance_id="a", stop=stop)
    assert len(first.nudged) == 2 and first.left_for_next == 2 and first.failures == []
    # Only what was sent was claimed: nothing is held waiting for a lease to run out.
    assert sorted(state for _p, state in _messages(engine)) == ["sent", "sent"]
    # The next instance sends the other two at once, and nobody twice.
    later = ConsoleNotifier(quiet=True)
    second = run_sweep(service, later, instance_id="b")
    assert len(second.nudged) == 2 and second.left_for_next == 0
    who = {n.recipient.id for n in first.nudged} | {n.recipient.id for n in second.nudged}
    assert len(who) == 4
    assert sorted(state for _p, state in _messages(engine)) == ["sent"] * 4


def test_the_schedulers_shutdown_tells_its_sweep(engine):
    load_quarter_plan(engine)
    service = PlanService(engine, FixedClock(OCT_17))
    scheduler = build_scheduler(service, ConsoleNotifier(quiet=True), catch_up=False)
    assert scheduler.get_job(SWEEP_JOB).args[-1] is scheduler.stopping
    scheduler.start()
    assert not scheduler.stopping.is_set()
    scheduler.shutdown(wait=False)
    assert scheduler.stopping.is_set()


def test_a_teams_send_refused_by_a_stopped_loop_releases_the_claim(sqlite_engine):
    from datetime import date

    from bot.platforms.teams.notifier import TeamsNotifier
    from tests.support.small_plan import load_small_plan
    from tests.support.teams_bot import TeamsBotHarness, personal_conversation

    load_small_plan(sqlite_engine)
    with TeamsBotHarness(sqlite_engine, date(2019, 9, 16)) as bot:
        for uid, email, name in (("29:julie", "julie@example.org", "Julie Fellows"),
                                 ("29:alice", "alice@example.org", "Alice Smith")):  # fmt: skip
            bot.bc.add_member(uid, email=email, name=name)
            assert bot.post(bot.install(uid))[0] == 200
            bot.wait_for(lambda u=uid: bot.bc.sent_to(personal_conversation(u)), what="welcome")
        notifier = TeamsNotifier(bot.runtime.connector, bot.service, bot.runtime.people)
        bot.runtime.send_loop.stop()  # SIGTERM: the loop that talks to Teams is gone
        posts = len(bot.bc.calls_to("POST", r"/activities$"))
        report = run_sweep(bot.service, notifier, instance_id="stopping")
        assert report.nudged == [] and report.failures
        assert all("not delivered, will retry" in why for _who, why in report.failures)
        assert all("stopping" in why for _who, why in report.failures)
        assert len(bot.bc.calls_to("POST", r"/activities$")) == posts  # nothing went out
        # Released, not held for a lease: the next instance plans them afresh at once.
        assert _messages(sqlite_engine) == []


def test_a_delivery_error_is_what_a_stopped_loop_raises():
    from bot.platforms.teams.notifier import TeamsNotifier
    from bot.platforms.teams.sdk import LoopStopped

    class _People:
        def reach(self, person):
            raise LoopStopped("the Teams loop has stopped")

    class _Person:
        name = "Julie"

    notifier = TeamsNotifier.__new__(TeamsNotifier)
    notifier.people = _People()
    try:
        notifier._reach(_Person())
    except DeliveryError as exc:
        assert "stopping" in str(exc)
    else:
        raise AssertionError("a stopped loop must be a DeliveryError")

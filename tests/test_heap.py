"""bot/heap.py: what settle() freezes is left out of later garbage collections, is still
freed the moment nothing refers to it, and a cycle it froze is collected by the next
settle (nothing leaks); and a big sweep settles the heap once, before its first nudge."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.heap import settle
from bot.platforms.console.notifier import ConsoleNotifier
from tests.support.quarter_plan import load_quarter_plan


class Node:
    def __init__(self):
        self.other = None


def _tracked(obj) -> bool:
    """Whether a collection would walk ``obj`` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_what_settle_leaves_is_out_of_later_collections():
    kept = Node()
    assert _tracked(kept)
    took = settle()
    assert took >= 0 and gc.get_freeze_count() > 0
    assert not _tracked(kept)
    made_after = Node()
    assert _tracked(made_after)  # only what was alive at the settle is frozen


def test_a_frozen_object_is_freed_as_soon_as_nothing_refers_to_it():
    obj = Node()
    gone = weakref.ref(obj)
    settle()
    del obj
    assert gone() is None


def test_a_frozen_cycle_that_becomes_garbage_is_collected_by_the_next_settle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    settle()
    del a, b
    gc.collect()
    assert gone() is not None  # frozen: a collection between settles does not look at it
    settle()
    assert gone() is None  # the next settle unfreezes first: nothing is leaked


def test_a_big_sweep_settles_the_heap_once_before_its_first_nudge(engine, monkeypatch):
    import jobs.sweep as sweep

    events: list[str] = []
    monkeypatch.setattr(sweep, "settle", lambda: events.append("settle") or 0.0)

    class Recording(ConsoleNotifier):
        def send_nudge(self, recipient, reply, claim_id):
            events.append("nudge")
            return super().send_nudge(recipient, reply, claim_id)

    load_quarter_plan(engine)
    # Thu 17 Oct 2019: four people are due a nudge (tests/test_sweep.py OCT_17).
    service = PlanService(engine, FixedClock(datetime(2019, 10, 17, 9, 0, tzinfo=UTC)))
    monkeypatch.setattr(sweep, "SETTLE_AT_NUDGES", 4)
    report = sweep.run_sweep(service, Recording(quiet=True), instance_id="t")
    assert len(report.nudged) == 4
    assert events == ["settle"] + ["nudge"] * 4


def test_a_small_sweep_or_a_dry_run_does_not_settle(engine, monkeypatch):
    import jobs.sweep as sweep

    settled: list[int] = []
    monkeypatch.setattr(sweep, "settle", lambda: settled.append(1) or 0.0)
    load_quarter_plan(engine)
    service = PlanService(engine, FixedClock(datetime(2019, 10, 17, 9, 0, tzinfo=UTC)))
    monkeypatch.setattr(sweep, "SETTLE_AT_NUDGES", 4)
    assert len(sweep.run_sweep(service, None, dry_run=True).nudged) == 4
    monkeypatch.setattr(sweep, "SETTLE_AT_NUDGES", 5)
    assert len(sweep.run_sweep(service, ConsoleNotifier(quiet=True), instance_id="t").nudged) == 4
    assert settled == []

"""SQLite's write gate (storage/engine.py WriteGate): writers of one process queue in order
of urgency and are woken when the writer before them is done; the inbox's write from an
event loop never waits (storage/inbox.py put with wait=False)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage import inbox
from storage.engine import (
    WriteGate,
    background,
    is_locked,
    nowait_engine,
    urgent,
    write_gate,
    write_session,
)
from storage.models import InboxItem


def test_urgent_writers_go_before_others_and_are_woken_at_once():
    gate = WriteGate()
    order: list[str] = []
    assert gate.acquire()

    def writer(name: str, is_urgent: bool) -> None:
        if is_urgent:
            with urgent():
                gate.acquire()
        else:
            gate.acquire()
        order.append(name)
        time.sleep(0.01)
        gate.release()

    threads = [threading.Thread(target=writer, args=(f"sweep{i}", False)) for i in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.05)  # the sweep's writers are waiting
    click = threading.Thread(target=writer, args=("click", True))
    click.start()
    time.sleep(0.05)
    released = time.monotonic()
    gate.release()
    for t in [*threads, click]:
        t.join(timeout=5)
    assert order[0] == "click"
    assert sorted(order[1:]) == ["sweep0", "sweep1", "sweep2"]
    assert time.monotonic() - released < 1.0  # 4 writers of 10 ms, no busy-handler sleeps


def test_background_writers_step_aside_while_people_are_answered_and_urgent_ones_do_not(
    monkeypatch,
):
    """A sweep's writes (storage/engine.py background) wait, up to STEP_ASIDE_SECONDS, while
    a request is at a gate (bot/foreground.py AT_THE_DOOR); an urgent write in the same
    block does not wait, and with nobody at the door nothing waits. (A door of the test's
    own: the process-wide one may be counting another test's stray request.)"""
    import bot.foreground as fg

    door = fg.Foreground()
    monkeypatch.setattr(fg, "AT_THE_DOOR", door)
    gate = WriteGate()

    def timed_acquire() -> float:
        started = time.monotonic()
        assert gate.acquire()
        gate.release()
        return time.monotonic() - started

    with background(fg.step_aside):
        assert timed_acquire() < fg.STEP_ASIDE_SECONDS / 2  # nobody at the door
        with door.busy():
            with urgent():
                assert timed_acquire() < fg.STEP_ASIDE_SECONDS / 2
            assert timed_acquire() >= fg.STEP_ASIDE_SECONDS  # held the whole time: gives up then
    assert timed_acquire() < fg.STEP_ASIDE_SECONDS / 2  # outside the block: not background
    # With a long wait allowed, it goes once the door clears, and not before.
    left_at = []

    def leave() -> None:
        left_at.append(time.monotonic())
        door.leave()

    with background(lambda: door.wait_none(time.monotonic() + 30)):
        door.enter()
        threading.Timer(0.05, leave).start()
        assert gate.acquire()
        taken_at = time.monotonic()
        gate.release()
    assert left_at and left_at[0] <= taken_at < left_at[0] + 20


def test_a_writer_that_waited_too_long_leaves_the_queue():
    """The gate is handed to the next waiter at each release: one whose wait ran out must
    be gone from the queue, or the gate would be handed to a thread no longer waiting and
    never released."""
    gate = WriteGate(wait_seconds=0.1)
    assert gate.acquire()
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(gate.acquire()))
    t.start()
    t.join(timeout=5)
    assert got == [False]  # then SQLite's own lock decides, as without the gate
    gate.release()
    other: list[bool] = []
    t = threading.Thread(target=lambda: other.append(gate.acquire(blocking=False)))
    t.start()
    t.join(timeout=5)
    assert other == [True]


def test_waiters_are_handed_the_gate_one_after_another_in_order():
    gate = WriteGate()
    assert gate.acquire()
    order: list[str] = []

    def writer(name: str) -> None:
        assert gate.acquire()
        order.append(name)
        gate.release()

    threads = []
    for i in range(5):
        threads.append(threading.Thread(target=writer, args=(f"w{i}",)))
        threads[-1].start()
        time.sleep(0.02)  # queued in this order
    gate.release()
    for t in threads:
        t.join(timeout=5)
    assert order == ["w0", "w1", "w2", "w3", "w4"]
    assert gate.acquire(blocking=False)  # free again once the last has gone


def test_reentrant_in_one_thread_and_not_blocking_when_asked():
    gate = WriteGate()
    assert gate.acquire() and gate.acquire()
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(gate.acquire(blocking=False)))
    t.start()
    t.join()
    assert got == [False]
    gate.release()
    gate.release()
    assert gate.acquire(blocking=False)


def test_the_inbox_write_from_a_loop_does_not_wait_for_a_writer(sqlite_engine):
    fast = nowait_engine(sqlite_engine)
    assert fast is not None and write_gate(fast) is write_gate(sqlite_engine)
    now = datetime(2020, 6, 1, tzinfo=UTC)
    args = dict(platform="teams", kind="teams.message", payload="{}", instance_id="me", now=now,
                lease=timedelta(seconds=60))  # fmt: skip
    held = threading.Event()
    done = threading.Event()

    def long_writer() -> None:
        with write_session(sqlite_engine) as s:
            s.add(InboxItem(platform="x", kind="x", delivery_key="held", payload="", received_at=now,
                            claimed_by="x", lease_until=now, attempts=0))  # fmt: skip
            s.flush()
            held.set()
            done.wait(5)

    t = threading.Thread(target=long_writer)
    t.start()
    held.wait(5)
    started = time.monotonic()
    with pytest.raises(Exception) as refused:
        inbox.put(fast, key="k1", wait=False, **args)
    assert is_locked(refused.value)
    assert time.monotonic() - started < 0.5  # refused at once, not after a busy timeout
    done.set()
    t.join(timeout=5)
    # free again: stored on the spot, once
    assert inbox.put(fast, key="k1", wait=False, **args) is not None
    assert inbox.put(fast, key="k1", wait=False, **args) is None
    fast.dispose()


def test_the_loop_write_meets_sqlites_own_lock_as_locked(sqlite_engine):
    """Another process (here: a connection outside the gate) holding SQLite's write lock: the
    loop's write is refused at once as ``is_locked``, and nothing is half-written."""
    import sqlite3

    fast = nowait_engine(sqlite_engine)
    now = datetime(2020, 6, 1, tzinfo=UTC)
    args = dict(platform="teams", kind="teams.message", payload="{}", instance_id="me", now=now,
                lease=timedelta(seconds=60))  # fmt: skip
    other = sqlite3.connect(sqlite_engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Exception) as refused:
            inbox.put(fast, key="k1", wait=False, **args)
        assert is_locked(refused.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    got = inbox.put(fast, key="k1", wait=False, **args)
    assert got is not None
    with write_session(sqlite_engine) as s:
        assert [r.delivery_key for r in s.exec(select(InboxItem))] == ["k1"]
    fast.dispose()


def test_a_server_threads_write_waits_for_sqlites_own_lock_then_stores(sqlite_engine):
    """A Slack server thread's write (``wait``) on the same raw path: another process
    holding SQLite's write lock for a moment is waited for (SQLite's busy timeout), and
    the row is then stored once."""
    import sqlite3

    now = datetime(2020, 6, 1, tzinfo=UTC)
    args = dict(platform="slack", kind="slack.action", payload="{}", instance_id="me", now=now,
                lease=timedelta(seconds=60))  # fmt: skip
    other = sqlite3.connect(sqlite_engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    got: list = []
    writer = threading.Thread(target=lambda: got.append(inbox.put(sqlite_engine, key="k1", **args)))
    writer.start()
    time.sleep(0.3)
    assert got == []  # still waiting for the lock, not refused
    other.execute("ROLLBACK")
    other.close()
    writer.join(10)
    assert got and got[0] is not None
    assert inbox.put(sqlite_engine, key="k1", **args) is None  # a re-delivery: stored once
    with write_session(sqlite_engine) as s:
        assert [r.delivery_key for r in s.exec(select(InboxItem))] == ["k1"]


def test_a_row_written_from_the_loop_reads_as_one_written_through_sqlalchemy(sqlite_engine):
    """The loop's write skips SQLAlchemy: its dates must be stored as SQLAlchemy stores them,
    or the lease comparisons (take over, renew) would misread them."""
    fast = nowait_engine(sqlite_engine)
    from datetime import timezone

    from sqlalchemy import text

    # a clock away from UTC: SQLite compares the stored text, so it must be the same text
    now = datetime(2020, 6, 1, 10, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    args = dict(platform="teams", kind="teams.status", payload='{"a": 1}', instance_id="me",
                now=now, lease=timedelta(seconds=60))  # fmt: skip
    loop_id = inbox.put(fast, key="from-loop", wait=False, **args)
    # (every put on SQLite now skips SQLAlchemy: the row to match is one the ORM writes)
    with write_session(sqlite_engine) as s:
        row = InboxItem(platform="teams", kind="teams.status", delivery_key="from-thread",
                        payload='{"a": 1}', received_at=now, claimed_by="me",
                        lease_until=now + timedelta(seconds=60), attempts=0)  # fmt: skip
        s.add(row)
        s.flush()
        thread_id = row.id
    with sqlite_engine.connect() as c:
        stored = c.execute(text("SELECT received_at, lease_until FROM inboxitem ORDER BY id"))
        from_loop, from_thread = stored.all()
    assert tuple(from_loop) == tuple(from_thread) == (
        "2020-06-01 09:30:15.123456", "2020-06-01 09:31:15.123456")  # fmt: skip
    with write_session(sqlite_engine) as s:
        a, b = s.get(InboxItem, loop_id), s.get(InboxItem, thread_id)
        same = ("platform", "kind", "payload", "received_at", "claimed_by", "lease_until",
                "attempts", "done_at")  # fmt: skip
        assert {f: getattr(a, f) for f in same} == {f: getattr(b, f) for f in same}
        assert a.lease_until == now + timedelta(seconds=60)
    # both are taken over together once the lease has run out, and neither before
    assert inbox.take_over(sqlite_engine, instance_id="you", now=now + timedelta(seconds=59),
                           lease=timedelta(seconds=60), limit=10) == []  # fmt: skip
    later = inbox.take_over(sqlite_engine, instance_id="you", now=now + timedelta(seconds=61),
                            lease=timedelta(seconds=60), limit=10)  # fmt: skip
    assert sorted(later) == sorted([loop_id, thread_id])
    fast.dispose()


def test_a_request_that_never_finishes_holds_background_work_back_at_most_half_the_time(
    monkeypatch,
):
    """A request counts at the door from its first byte; a client that stops half-way keeps
    it counted until the server times the connection out. step_aside waits its full length
    once, then lets background work run free for as long: never held at every step. (A
    door of the test's own.)"""
    import bot.foreground as fg

    door = fg.Foreground()
    monkeypatch.setattr(fg, "AT_THE_DOOR", door)
    monkeypatch.setattr(fg, "STEP_ASIDE_SECONDS", 1.0)
    door.enter()  # never answered
    started = time.monotonic()
    fg.step_aside()
    held = time.monotonic() - started
    assert held >= 1.0  # the whole hold, as the request is still there
    started = time.monotonic()
    fg.step_aside()  # in the free spell that follows: straight on
    assert time.monotonic() - started < 1.0
    door.leave()

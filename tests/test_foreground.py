"""bot/foreground.py on an event loop and after a store: a paced Teams send waits on its loop
(holding no thread) while people's requests are in flight, up to the hold, then runs free
as a thread's wait_quiet does; a reply is never held; and a handler that says its requests
are stored stops them counting, once, with the counts balanced after the run."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime

import bot.foreground as fg
import bot.platforms.teams.pacing as pacing
from bot.core.clock import FixedClock
from bot.foreground import Foreground, handling, stored
from bot.platforms.inbox_worker import InboxWorker, Put
from bot.platforms.teams.pacing import Pacer

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def _later(seconds: float, fn) -> threading.Timer:
    t = threading.Timer(seconds, fn)
    t.start()
    return t


def test_quiet_returns_at_once_when_nobody_waits():
    f = Foreground(max_hold=5.0)
    assert asyncio.run(f.quiet()) == 0.0


def test_quiet_waits_on_the_loop_until_the_last_request_leaves():
    f = Foreground(max_hold=5.0)
    f.enter()
    f.enter()

    async def main():
        ticks = 0

        async def tick():  # the loop stays free for other work while quiet() waits
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        _later(0.05, f.leave)
        _later(0.15, f.leave)
        waited = await f.quiet()
        ticker.cancel()
        return waited, ticks

    waited, ticks = asyncio.run(main())
    assert 0.12 <= waited < 2.0  # woken by the second leave, not the first, nor the hold
    assert ticks >= 5
    assert f._loop_waiters == []


def test_quiet_holds_at_most_the_hold_then_runs_free_as_long():
    f = Foreground(max_hold=0.1)
    f.enter()  # a request that never finishes
    waited = asyncio.run(f.quiet())
    assert 0.09 <= waited < 1.0
    assert f._loop_waiters == []  # the timed-out waiter is not left behind
    assert asyncio.run(f.quiet()) == 0.0  # the free spell: not held again at once
    assert f.wait_quiet() == 0.0  # the same spell for threads
    f.leave()


def test_a_paced_send_gives_way_and_a_retry_does_not(monkeypatch):
    busy = Foreground(max_hold=5.0)
    monkeypatch.setattr(pacing, "FOREGROUND", busy)
    pacer = Pacer(1000.0, 100.0)
    busy.enter()

    async def timed(**kw):
        start = time.monotonic()
        await pacer.slot(**kw)
        return time.monotonic() - start

    async def main():
        retry = await timed(give_way=False)
        _later(0.1, busy.leave)
        paced = await timed()
        return retry, paced

    retry, paced = asyncio.run(main())
    assert retry < 0.05
    assert 0.08 <= paced < 2.0


def test_stored_hands_the_count_back_once_and_only_inside_a_run():
    left = []
    stored()  # outside a run: nothing to do, no error
    with handling(lambda: left.append(1)):
        stored()
        stored()  # once only
    stored()
    assert left == [1]


def test_a_batch_that_says_stored_stops_holding_the_sweep_back(sqlite_engine, monkeypatch):
    """While the answers of a stored burst go out, FOREGROUND no longer counts its rows (a
    sweep held for a burst's answers ran free just when the next burst came); when the run
    ends the counts balance: a request that arrives after counts one, not less."""
    mine = Foreground()
    import bot.platforms.inbox_worker as iw

    monkeypatch.setattr(iw, "FOREGROUND", mine)
    monkeypatch.setattr(fg, "FOREGROUND", mine)
    # The run starts this long after the first put, so all three are taken as one batch
    # however slowly a busy machine makes the puts (with the usual 8 ms, a full suite run
    # once split them 2 + 1).
    monkeypatch.setattr(iw, "ACK_GRACE_SECONDS", 1.0)
    seen: dict[str, int] = {}
    answering, finish = threading.Event(), threading.Event()

    def run_many(_kind, bodies):
        seen["before"] = mine.in_flight
        stored()
        seen["after"] = mine.in_flight
        answering.set()
        finish.wait(10)

    worker = InboxWorker(
        sqlite_engine, FixedClock(T0), "teams", lambda kind, body: None, run_many=run_many,
        batched={"teams.status"}, instance_id="t", workers=1,
    )  # fmt: skip
    try:
        for i in range(3):
            raw = json.dumps({"i": i})
            assert worker.put("teams.status", f"teams:{i}", {}, raw=raw) is Put.STORED
        assert answering.wait(10)
        assert seen == {"before": 3, "after": 0}
        finish.set()
        deadline = time.monotonic() + 10
        while worker.backlog() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker.backlog() == 0
        mine.enter()
        assert mine.in_flight == 1  # not 0: the run's rows were not let go twice
        mine.leave()
    finally:
        finish.set()
        worker.close()

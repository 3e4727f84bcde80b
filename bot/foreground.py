"""People waiting come first: chat requests in flight hold background jobs back a moment.

An owner's click is acknowledged and stored by the same interpreter (one GIL, and on
SQLite one writer at a time) that is sending a 2,000-nudge sweep, and the moment owners
click is right after their nudge arrives, that is while the sweep is still running. Python
threads have no priorities, so the background side asks: before each nudge, the sweep calls
``FOREGROUND.wait_quiet()``, which returns at once when no chat request is being
acknowledged or handled in this process, and otherwise waits until none is, for at most
``MAX_HOLD_SECONDS``. After a hold that ran its full length the background runs free for
as long again, so a steady stream of requests slows a sweep by half at worst and never
stops it (bench/bench_under_load.py measures both sides).

The adapters count a request from the moment it arrives (``FOREGROUND.busy()``) and the
inbox worker counts each stored request until it has been handled. The gates also count
each request until it is answered in ``AT_THE_DOOR``, which the inbox's work waits on.
"""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import contextmanager

MAX_HOLD_SECONDS = 0.5


class Foreground:
    def __init__(self, max_hold: float = MAX_HOLD_SECONDS):
        self.max_hold = max_hold
        self._cond = threading.Condition()
        self._in_flight = 0
        self._free_until = 0.0  # monotonic: no holding before this
        self._loop_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []

    def enter(self) -> None:
        with self._cond:
            self._in_flight += 1

    def leave(self) -> None:
        waiters: list = []
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            if self._in_flight == 0:
                self._cond.notify_all()
                waiters, self._loop_waiters = self._loop_waiters, []
        for loop, fut in waiters:
            try:
                loop.call_soon_threadsafe(_wake, fut)
            except RuntimeError:  # that loop has closed: nobody is waiting any more
                pass

    @contextmanager
    def busy(self):
        self.enter()
        try:
            yield
        finally:
            self.leave()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def wait_none(self, until: float) -> None:
        """Wait until nothing is in flight, or until the monotonic time ``until``."""
        with self._cond:
            while self._in_flight > 0:
                left = until - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(left)

    def _hold_starts(self) -> float | None:
        """(Under the lock.) When a hold starting now starts, or None: nothing in flight, or
        in the free spell after a hold that ran its full length."""
        if self._in_flight == 0:
            return None
        start = time.monotonic()
        return None if start < self._free_until else start

    def wait_quiet(self, hold: float | None = None) -> float:
        """Wait (up to the hold: ``max_hold`` unless given) while requests are in flight;
        returns the seconds waited."""
        hold = self.max_hold if hold is None else hold
        with self._cond:
            start = self._hold_starts()
            if start is None:
                return 0.0
            deadline = start + hold
            while self._in_flight > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    # Held the whole time: run free as long, so background work moves on.
                    self._free_until = time.monotonic() + hold
                    break
                self._cond.wait(left)
            return time.monotonic() - start

    async def quiet(self, hold: float | None = None) -> float:
        """``wait_quiet`` for a coroutine on an event loop, which waits without holding its
        thread (a send on the Teams send loop, pacing.py): the same hold, and the same free
        spell after a hold that ran its full length."""
        hold = self.max_hold if hold is None else hold
        loop = asyncio.get_running_loop()
        with self._cond:
            start = self._hold_starts()
            if start is None:
                return 0.0
            fut = loop.create_future()
            self._loop_waiters.append((loop, fut))
        try:
            await asyncio.wait_for(fut, hold)
        except TimeoutError:
            with self._cond:
                if self._in_flight > 0:
                    self._free_until = time.monotonic() + hold
                self._loop_waiters = [w for w in self._loop_waiters if w[1] is not fut]
        return time.monotonic() - start


def _wake(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


FOREGROUND = Foreground()
# Requests between arriving at a gate (Slack's HTTP gate, Teams' route) and being answered:
# the inbox's work waits for none to be left before it takes the GIL
# (bot/platforms/inbox_worker.py _acks_first), rather than guessing with a fixed pause.
AT_THE_DOOR = Foreground()
# How long a background write waits for the gates to clear (step_aside): about one burst's
# acknowledgements; a steady stream of requests delays each sweep write by this at most.
STEP_ASIDE_SECONDS = 0.1


_running = threading.local()


@contextmanager
def handling(let_go):
    """Around a worker's run of requests it counts in FOREGROUND: ``let_go()`` stops counting
    them, and ``stored()`` inside calls it (once) for the handler."""
    _running.let_go = let_go
    try:
        yield
    finally:
        _running.let_go = None


def stored() -> None:
    """For a handler: what the people in this run were waiting for is stored, and all that
    is left is answering them over the network. The background need not hold back for that
    any longer: a burst's answers at the Bot Connector's rate took 1-2 s, and the sweep held
    that long ran free for as long again (``wait_quiet``) just when the next burst came."""
    let_go = getattr(_running, "let_go", None)
    if let_go is not None:
        _running.let_go = None
        let_go()


def step_aside() -> None:
    """For background work (storage/engine.py background, the sweep's sends): wait, up to
    STEP_ASIDE_SECONDS, while requests are at the gates being acknowledged. After a wait
    that ran its full length the background runs free for as long: a request counts from
    its first byte, and one that never finishes (a client that stops half-way) must not
    hold the sweep back at every step until the server times its connection out; at worst
    the sweep goes at half speed."""
    if AT_THE_DOOR.in_flight:
        AT_THE_DOOR.wait_quiet(STEP_ASIDE_SECONDS)


def arrived() -> None:
    """A chat request has come in (its first byte, or the gate or route it reached): it
    counts at the door, and as foreground work, until ``answered()``."""
    FOREGROUND.enter()
    AT_THE_DOOR.enter()


def answered() -> None:
    """The request counted by ``arrived()`` has been answered (or its connection is gone)."""
    AT_THE_DOOR.leave()
    FOREGROUND.leave()

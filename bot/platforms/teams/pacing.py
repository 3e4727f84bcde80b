"""Pacing proactive sends to the Bot Connector's rate limit, on the Teams loop.

The Bot Connector takes about 50 requests a second per app (after a burst) and 7 a second
per conversation; past that it answers 429 with Retry-After. A sweep that sends as fast as
it can and backs off on 429s loses time twice: to the refused round trips, and to the
jittered sleeps of every sender that was refused (sdk.RetryMiddleware). Paced, each send
waits on the loop for its slot in a token bucket set to the app's limit, so nudges leave at
the rate Teams takes them and a 429 is the exception (still retried, as before).

Only proactive sends are paced (connector.send(..., paced=True) from notifier.py). A reply
to someone who just clicked or typed takes a token without waiting, so it is never queued
behind a sweep; the sweep's next slots move back to make room.

A paced send whose slot has come also gives way to people's requests in this process
(bot/foreground.py: held while any is in flight, as the sweep's own steps are). The sweep
runs 24 senders, each waiting here for its slot; when owners clicked, the slots kept coming,
and each send that went out brought its sender back to record it (about 10 ms of the
interpreter a nudge), so a burst's 50 clicks were stored at 2-4x the time they took with no
sweep running (bench/bench_under_load.py).
"""

from __future__ import annotations

import asyncio
import time

from bot.foreground import FOREGROUND

# The Bot Connector's documented ceiling is 50 requests a second per app; the stand-in in
# tests/support/teams_connector.py enforces that with a burst of 50.
SENDS_PER_SECOND = 50.0
# Our burst is 10 short of the service's: a send reaches it 5-50 ms after its slot here,
# and two slots 20 ms apart can arrive together. With the service's bucket never drained
# below 10 tokens such bunching still fits; drained to 0 (a burst of 50), 300 paced sends
# met 25 429s. It costs 0.2 s once, against the 40 s of a 2,000-nudge sweep.
BURST = 40.0


class Pacer:
    """A token bucket whose callers reserve the next slot and sleep until it comes."""

    def __init__(self, per_second: float = SENDS_PER_SECOND, burst: float = BURST, *,
                 clock=time.monotonic):  # fmt: skip
        self.rate = per_second
        self.burst = burst
        self.clock = clock
        self.tokens = burst
        self.updated: float | None = None

    def reserve(self) -> float:
        """Take a token; how many seconds to wait before using it (0: now)."""
        now = self.clock()
        if self.updated is None:
            self.updated = now
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    async def slot(self, *, give_way: bool = True) -> None:
        """Wait (on the loop, holding no thread) until this send may go: its slot, and then
        (``give_way``) no request of someone waiting in flight, up to FOREGROUND's hold."""
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)
        if give_way:
            await FOREGROUND.quiet()

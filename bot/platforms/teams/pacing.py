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
"""

from __future__ import annotations

import asyncio
import time

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

    async def slot(self) -> None:
        """Wait (on the loop, holding no thread) until this send may go."""
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)

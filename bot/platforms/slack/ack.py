"""Acknowledging Slack promptly.

Slack wants every request answered within 3 s. bolt runs a listener on its
listener_executor and waits there for ack(); when that pool's threads are all busy with the
slow part of requests that were already acknowledged (database writes, Slack calls held
back by rate limits), a new click waits in its queue and bolt answers 404 after 3 s. So a
listener only acknowledges on bolt's thread and hands the slow part to ``AfterAck``, a
bounded pool of its own: bolt's threads are free again at once, and at most ``WORKERS``
pieces of work run together, which bounds the database connections they hold and the CPU
they take from the next acknowledgement (bench/bench_multi_instance.py's burst).

After ack(), bolt's request thread still has to notice the acknowledgement (it polls every
10 ms) and write the HTTP response. Heavy work started at once holds the GIL and delays that
answer, so the slow part waits a moment first: invisible to the user, it keeps the ack as
quick as a bare app's (bench/bench_slack_ack.py measures it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

ACK_GRACE_SECONDS = 0.03
# Pieces of work running at once, per process. Each holds a database connection or two (the
# engine keeps 30) and its Python runs under the one GIL, so more workers do not finish a
# burst sooner; they only take the GIL from the acknowledgements. In the two-instance burst
# (bench/bench_multi_instance.py) 8 workers left answers at p50 ~1 s, 4 at ~0.3-0.5 s.
WORKERS = 4
# A backlog this deep (and each further multiple) is logged: the work is late, not lost.
BACKLOG_WARNING = 100

log = logging.getLogger(__name__)


def acked(ack, **kwargs) -> None:
    """Acknowledge, then give the acknowledgement time to leave before the slow work, on
    this thread: for the few listeners that must finish at once (opening a modal)."""
    ack(**kwargs)
    time.sleep(ACK_GRACE_SECONDS)


class AfterAck:
    """Listeners hold one as ``after_ack``: ``after_ack(ack, work, *args)`` acknowledges now
    and runs ``work(*args)`` on the pool; ``after_ack.later(work, *args)`` runs it for an
    event, which bolt acknowledged before calling the listener."""

    def __init__(self, workers: int = WORKERS):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-work")
        self._lock = threading.Lock()
        self._waiting = 0

    def __call__(self, ack, work: Callable[..., object], *args, **ack_kwargs) -> None:
        ack(**ack_kwargs)
        self.later(work, *args)

    def later(self, work: Callable[..., object], *args) -> None:
        start = time.monotonic() + ACK_GRACE_SECONDS
        with self._lock:
            self._waiting += 1
            waiting = self._waiting
        if waiting % BACKLOG_WARNING == 0:
            log.warning("Slack: %d requests acknowledged and waiting to be handled", waiting)
        self._pool.submit(self._run, start, work, args)

    def _run(self, start: float, work: Callable[..., object], args: tuple) -> None:
        with self._lock:
            self._waiting -= 1
        # Work queued behind a burst started long after its ack left: no need to wait.
        pause = start - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        try:
            work(*args)
        except Exception:
            # bolt would have logged a listener's exception; the pool would swallow it.
            log.exception("Slack: handling a request failed (%s)", _name(work))


def _name(work: Callable[..., object]) -> str:
    return getattr(work, "__qualname__", None) or repr(work)

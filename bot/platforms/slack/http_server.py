"""The HTTP server in front of the Slack gate (waitress), which counts a request as at the
door from its first byte read.

The gate (http_gate.py) counts a request in ``AT_THE_DOOR`` and ``FOREGROUND``
(bot/foreground.py) from the moment waitress hands it to a request thread. Before that,
waitress's one reading thread has already read it off the socket, a body of tens of
kilobytes, several reads apiece: while a burst of 50 clicks was being read, nothing was
counted yet, so a running sweep sent nudges and the inbox started work on the first clicks
stored, both taking the interpreter from the reading of the rest. Under a 2,000-nudge sweep
a burst's first click reached the gate 40 ms after it was sent, its work ran as three or
four batches, and the last click was acknowledged at 190 ms (probe on
bench/bench_under_load.py). Counted from the first byte, the sweep and the work both wait
for the burst's reading as they wait for its acknowledgements.

A request stops counting here once its request thread has answered it, or when its
connection closes; a connection idle between requests is not counted.
"""

from __future__ import annotations

import threading

from waitress import create_server
from waitress.channel import HTTPChannel

from bot.foreground import answered, arrived

# waitress's request threads. Each holds a request from its arrival until bolt has its ack
# (the gate's replay check, bolt's parsing, a listener thread calling ack()): tens of
# milliseconds, longer when the work after earlier acks has the CPU. Too few and a burst
# queues in front of them, and Slack's 3 s run out before the gate has even seen a request
# (bench/bench_multi_instance.py's burst: a median wait there of 0.6-1 s with 8 threads,
# 0.15-0.4 s with 16).
HTTP_THREADS = 16


class CountingChannel(HTTPChannel):
    """A connection whose request in progress (first byte read, not yet answered) counts in
    AT_THE_DOOR and FOREGROUND. Each connection counts once at most, entered and left
    under its own lock, so a count can never be left behind."""

    def __init__(self, *args, **kwargs):
        self._count_lock = threading.Lock()
        self._counted = False
        super().__init__(*args, **kwargs)

    def received(self, data):
        if data:
            with self._count_lock:
                if not self._counted:
                    self._counted = True
                    arrived()
        return super().received(data)

    def service(self):
        try:
            return super().service()
        finally:
            self._uncount()

    def del_channel(self, map=None):  # noqa: A002 - waitress's name
        # Every way a connection ends (closed by either side, timed out) comes through here.
        try:
            return super().del_channel(map)
        finally:
            self._uncount()

    def _uncount(self) -> None:
        with self._count_lock:
            if self._counted:
                self._counted = False
                answered()


def http_server(wsgi_app, *, host: str, port: int, threads: int = HTTP_THREADS, **kwargs):
    """A waitress server (not yet running: ``.run()``) for ``wsgi_app`` on ``host:port``
    (port 0: any free one, see ``.effective_port``), counting requests from their first
    byte. ``kwargs`` go to waitress (max_request_body_size, …)."""
    server = create_server(wsgi_app, host=host, port=port, threads=threads, **kwargs)
    server.channel_class = CountingChannel
    return server

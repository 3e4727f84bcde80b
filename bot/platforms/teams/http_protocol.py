"""uvicorn's HTTP protocol for the Teams endpoint, counting a request as at the door from its
first byte read.

The route (server.py) counts a request in ``AT_THE_DOOR`` and ``FOREGROUND``
(bot/foreground.py) once its task runs on the loop. Before that the loop has read it off
the socket, and in a burst of 50 clicks, while the loop was reading the later ones, the
count fell to nothing between the earlier ones' answers: under a 2,000-nudge sweep the
inbox started work on the first 17-21 clicks while the other 30 were still arriving, and a
burst ran as two batches, each reading the plan and storing on its own (probe on
bench/bench_under_load.py). Counted from the first byte, the work waits for the burst as
it waits for its acknowledgements. (Slack's server does the same:
bot/platforms/slack/http_server.py.)

A request stops counting here when its response is complete or its connection is lost; a
connection idle between requests is not counted. Everything runs on the loop's thread.
"""

from __future__ import annotations

from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.foreground import answered, arrived


class CountingH11Protocol(H11Protocol):
    """uvicorn's h11 protocol (the one it picks without httptools), counting the request in
    progress on each connection once."""

    _counted = False

    def data_received(self, data: bytes) -> None:
        if data and not self._counted:
            self._counted = True
            arrived()
        super().data_received(data)

    def on_response_complete(self) -> None:
        self._uncount()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._uncount()
        super().connection_lost(exc)

    def _uncount(self) -> None:
        if self._counted:
            self._counted = False
            answered()

"""The Teams SDK's event loop thread (bot/platforms/teams/sdk.py TeamsLoop) stops without
leaving anyone waiting: a send cut off by SIGTERM kept `progressbot run` from exiting for up
to 300 s (a sweep thread waiting on a coroutine the stopped loop would never finish)."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import CancelledError

import pytest

from bot.platforms.teams.sdk import LoopStopped, TeamsLoop


def test_a_thread_waiting_on_the_loop_hears_at_once_when_it_stops():
    loop = TeamsLoop("test-loop")
    got: list[BaseException] = []
    started = threading.Event()

    async def a_send_that_never_ends():
        started.set()
        await asyncio.sleep(3600)

    def waiter():
        try:
            loop.run(a_send_that_never_ends())
        except BaseException as exc:  # noqa: BLE001 - what the waiter is told is the point
            got.append(exc)

    t = threading.Thread(target=waiter)
    t.start()
    assert started.wait(5)
    began = time.monotonic()
    loop.stop()
    t.join(timeout=10)
    assert not t.is_alive() and time.monotonic() - began < 5
    assert len(got) == 1 and isinstance(got[0], CancelledError)
    # Anything asked afterwards is refused at once, and stopping again is harmless.
    began = time.monotonic()
    with pytest.raises(LoopStopped):
        loop.run(asyncio.sleep(0))
    assert time.monotonic() - began < 1
    loop.stop()


def test_work_finished_before_the_stop_is_answered_as_usual():
    loop = TeamsLoop("test-loop-2")

    async def answer():
        return 42

    assert loop.run(answer()) == 42
    loop.stop()


def test_a_stopped_loop_is_closed():
    """An event loop left open is a ResourceWarning and keeps its selector's descriptors."""
    loop = TeamsLoop("test-loop-3")

    async def answer():
        return 1

    assert loop.run(answer()) == 1
    loop.stop()
    assert loop.loop.is_closed()

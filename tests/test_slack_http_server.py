"""The Slack HTTP server counts a request as at the door from its first byte read.

A burst of clicks is read off the sockets by waitress's one reading thread before any
reaches the gate; while it was, nothing was counted, and a running sweep and the inbox's
work took the interpreter from the reading. Now a request counts in AT_THE_DOOR and
FOREGROUND (bot/foreground.py) from its first byte until it is answered, or its connection
closes; every count taken is given back, or the sweep would be held for ever after.
"""

from __future__ import annotations

import socket
import threading
import time
from functools import partial

import pytest

from bot.foreground import AT_THE_DOOR, FOREGROUND
from bot.platforms.slack.http_server import http_server
from tests.support.raw_http import all_at_once, raw_request, read_answer, wait_until

_request = partial(raw_request, "/slack/events", content_type="text/plain")


@pytest.fixture
def served():
    """A server on a free port whose app records each request it is handed."""
    handed: list[bytes] = []

    def app(environ, start_response):
        handed.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    server = http_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port, handed
    finally:
        # Closed inside its own loop (the trigger wakes it), as tests/support/slack_bot.py
        # does: closed from this thread, the loop's select could meet a closed socket
        # (EBADF in the server's thread, a warning at the end of the run).
        server.trigger.pull_trigger(server.close)
        thread.join(5)
        assert not thread.is_alive()


def test_a_request_counts_from_its_first_byte_until_it_is_answered(served):
    port, handed = served
    door, fore = AT_THE_DOOR.in_flight, FOREGROUND.in_flight
    raw = _request(b"payload=" + b"x" * 30_000)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(raw[:200])  # the headers' start: the body still to come
        wait_until(lambda: AT_THE_DOOR.in_flight == door + 1)
        assert FOREGROUND.in_flight == fore + 1
        time.sleep(0.05)
        assert handed == [] and AT_THE_DOOR.in_flight == door + 1  # still being read: counted
        sock.sendall(raw[200:])
        assert b"200 OK" in read_answer(sock)
    wait_until(lambda: AT_THE_DOOR.in_flight == door and FOREGROUND.in_flight == fore)
    assert handed == [b"payload=" + b"x" * 30_000]


def test_a_connection_dropped_mid_request_gives_its_count_back(served):
    port, handed = served
    door, fore = AT_THE_DOOR.in_flight, FOREGROUND.in_flight
    raw = _request(b"payload=" + b"y" * 10_000)
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(raw[:500])
    wait_until(lambda: AT_THE_DOOR.in_flight == door + 1)
    sock.close()  # never finished: nothing handed on, the count given back
    wait_until(lambda: AT_THE_DOOR.in_flight == door and FOREGROUND.in_flight == fore)
    assert handed == []


def test_requests_on_a_kept_alive_connection_each_count_and_the_idle_connection_does_not(
    served,
):
    port, handed = served
    door = AT_THE_DOOR.in_flight
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for i in range(3):
            raw = _request(f"payload={i}".encode(), keep_alive=True)
            sock.sendall(raw[:40])
            wait_until(lambda: AT_THE_DOOR.in_flight == door + 1)
            sock.sendall(raw[40:])
            assert b"200 OK" in read_answer(sock)
            # answered, the connection open and idle: not counted
            wait_until(lambda: AT_THE_DOOR.in_flight == door)
    assert handed == [f"payload={i}".encode() for i in range(3)]
    wait_until(lambda: AT_THE_DOOR.in_flight == door)


def test_fifty_requests_at_once_are_all_counted_back_to_nothing(served):
    port, handed = served
    door, fore = AT_THE_DOOR.in_flight, FOREGROUND.in_flight
    answers = all_at_once(
        port, [_request(f"payload={i}".encode() + b"z" * 5_000) for i in range(50)]
    )
    assert len(answers) == 50 and all(b"200 OK" in a for a in answers)
    assert len(handed) == 50
    wait_until(lambda: AT_THE_DOOR.in_flight == door and FOREGROUND.in_flight == fore)

"""The Teams endpoint counts a request as at the door from its first byte read.

In a burst, while the loop was still reading the later clicks off their sockets, the count
(taken by the route once its task ran) fell to nothing between the earlier ones' answers,
and the inbox's work started on the first clicks: a burst ran as two batches. Now a
request counts in AT_THE_DOOR and FOREGROUND (bot/foreground.py) from its first byte until
its response is complete, or its connection is lost; every count taken is given back.
"""

from __future__ import annotations

import socket
import threading
import time
from functools import partial

import pytest
import uvicorn

from bot.foreground import AT_THE_DOOR, FOREGROUND
from bot.platforms.teams.http_protocol import CountingH11Protocol
from tests.support.raw_http import all_at_once, raw_request, read_answer, wait_until

_request = partial(raw_request, "/api/messages", content_type="application/json")


@pytest.fixture
def served():
    handed: list[bytes] = []

    async def app(scope, receive, send):
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        handed.append(body)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"2")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"ok"})

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", access_log=False, http=CountingH11Protocol
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    try:
        yield sock.getsockname()[1], handed
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_request_counts_from_its_first_byte_until_its_response_is_complete(served):
    port, handed = served
    door, fore = AT_THE_DOOR.in_flight, FOREGROUND.in_flight
    raw = _request(b'{"type":"message","text":"' + b"x" * 20_000 + b'"}')
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(raw[:60])  # not even the headers whole
        wait_until(lambda: AT_THE_DOOR.in_flight == door + 1)
        assert FOREGROUND.in_flight == fore + 1
        time.sleep(0.05)
        assert handed == [] and AT_THE_DOOR.in_flight == door + 1
        sock.sendall(raw[60:])
        assert b"200 OK" in read_answer(sock)
    wait_until(lambda: AT_THE_DOOR.in_flight == door and FOREGROUND.in_flight == fore)
    assert len(handed) == 1 and len(handed[0]) > 20_000


def test_a_connection_lost_mid_request_gives_its_count_back(served):
    port, handed = served
    door, fore = AT_THE_DOOR.in_flight, FOREGROUND.in_flight
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(_request(b"{" + b" " * 5_000)[:300])
    wait_until(lambda: AT_THE_DOOR.in_flight == door + 1)
    sock.close()
    wait_until(lambda: AT_THE_DOOR.in_flight == door and FOREGROUND.in_flight == fore)
    # (uvicorn hands the app what came before the connection was lost, as it always has;
    # the count is this protocol's only addition)


def test_each_request_on_a_kept_alive_connection_counts_once_and_the_idle_one_not(served):
    port, handed = served
    door = AT_THE_DOOR.in_flight
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for i in range(3):
            raw = _request(f'{{"i":{i}}}'.encode(), keep_alive=True)
            sock.sendall(raw[:30])
            wait_until(lambda: AT_THE_DOOR.in_flight == door + 1)
            sock.sendall(raw[30:])
            assert b"200 OK" in read_answer(sock)
            wait_until(lambda: AT_THE_DOOR.in_flight == door)  # answered, idle: not counted
    assert handed == [f'{{"i":{i}}}'.encode() for i in range(3)]


def test_fifty_at_once_are_counted_back_to_nothing(served):
    port, handed = served
    door, fore = AT_THE_DOOR.in_flight, FOREGROUND.in_flight
    answers = all_at_once(port, [_request(f'{{"i":{i}}}'.encode()) for i in range(50)])
    assert len(answers) == 50 and all(b"200 OK" in a for a in answers)
    assert len(handed) == 50
    wait_until(lambda: AT_THE_DOOR.in_flight == door and FOREGROUND.in_flight == fore)

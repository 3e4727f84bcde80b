"""HTTP mode against requests that try to exhaust or fool the bot (bot/platforms/slack/
http_gate.py): oversized bodies, unsigned or malformed ones, bad timestamps, replays.

The memory figures come from the real `progressbot run` process (VmHWM in /proc); the probes
of signatures and replays go through the bot served over HTTP on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import date

import pytest

from bot.platforms.slack.http_gate import MAX_BODY_BYTES
from tests.support.bot_process import BotProcess, add_sample_people
from tests.support.slack_api import SlackStandIn
from tests.support.slack_bot import SECRET, SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    block_actions_body,
    button_action,
    command_body,
    post_to_bot,
    sign,
    signed_headers,
)
from tests.support.small_plan import load_small_plan

MB = 1024 * 1024
MARKER = b"HOSTILEBODY"


def _post_raw(port: int, size: int, *, chunked: bool = False) -> int | None:
    """POST `size` bytes of junk, unsigned, the way an attacker would: headers first, then
    the body in 1 MB pieces for as long as the server reads. Returns the HTTP status, or
    None if the server closed without one."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=60)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    conn.sendall(
        f"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n".encode()
    )
    piece = (MARKER * (MB // len(MARKER) + 1))[:MB]
    try:
        sent = 0
        while sent < size:
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
        if chunked:
            conn.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server stopped reading: what we want
    try:
        head = conn.recv(200)
    except (ConnectionResetError, TimeoutError):
        head = b""
    finally:
        conn.close()
    return int(head.split()[1]) if head.startswith(b"HTTP/") else None


def test_http_mode_will_not_start_without_a_signing_secret(tmp_path):
    with SlackStandIn() as slack:
        bot = BotProcess(tmp_path, slack, SLACK_SIGNING_SECRET="")
        done = bot.cli("run", check=False)
    assert done.returncode == 1
    assert "HTTP mode needs SLACK_SIGNING_SECRET" in done.stderr
    assert "Socket Mode" in done.stderr


def test_six_150_mb_unsigned_bodies_leave_memory_and_log_flat(tmp_path):
    with SlackStandIn() as slack:
        add_sample_people(slack)
        with BotProcess(tmp_path, slack) as bot:
            time.sleep(2)  # the start-up sweep and first requests settle
            before_rss = bot.memory_mb("VmRSS")
            before_log = len(bot.log())
            statuses: list[int | None] = []
            threads = [
                threading.Thread(
                    target=lambda c=chunked: statuses.append(
                        _post_raw(bot.port, 150 * MB, chunked=c)
                    )
                )
                for chunked in (False, False, False, False, False, True)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            peak = bot.memory_mb("VmHWM")
            # The bot still answers a real request afterwards.
            body = command_body(
                text="help", user_id="U0PRIYA", response_url=slack.new_response_url()
            )
            ok = post_to_bot(bot.url, body, signed_headers(body, SECRET, content_type=FORM))
            log = bot.log()
    print(f"\nRSS before {before_rss:.0f} MB, peak {peak:.0f} MB after six 150 MB bodies")
    assert len(statuses) == 6
    assert all(s in (413, None) for s in statuses), statuses
    assert 413 in statuses
    assert peak < before_rss + 50, (before_rss, peak)
    assert ok[0] == 200
    assert MARKER.decode() not in log
    assert len(log) - before_log < 6 * 500  # a short line a request at most


@pytest.fixture
def gate(engine):
    load_small_plan(engine)
    with SlackBotHarness(engine, date(2019, 9, 16)) as h:
        h.slack.add_user("U0ALICE", email="alice@example.org", name="alice", real_name="Alice")
        yield h


def _junk(n: int = 2000) -> bytes:
    return (MARKER + b"\x00{[<") * (n // 15)


def test_unsigned_malformed_and_stale_requests_get_4xx_never_500(gate, caplog):
    now = int(time.time())
    good = command_body(text="mine", user_id="U0ALICE", response_url=gate.slack.new_response_url())
    probes = {
        "unsigned junk": (_junk(), {"Content-Type": JSON}),
        "unsigned form": (good, {"Content-Type": FORM}),
        "malformed unsigned JSON": (b'{"type": "event_callback", ', {"Content-Type": JSON}),
        "non-numeric timestamp": (
            good,
            {
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": "soon",
                "X-Slack-Signature": "v0=" + "0" * 64,
            },
        ),
        "huge timestamp": (
            good,
            {"Content-Type": FORM, **sign(good, SECRET, 10**30)},
        ),
        "stale timestamp": (good, {"Content-Type": FORM, **sign(good, SECRET, now - 600)}),
        "future timestamp": (good, {"Content-Type": FORM, **sign(good, SECRET, now + 600)}),
        "wrong secret": (good, signed_headers(good, "not-the-secret", content_type=FORM)),
        "signature of another body": (
            _junk(),
            {"Content-Type": JSON, **sign(good, SECRET, now)},
        ),
    }
    caplog.set_level(logging.DEBUG)
    for what, (body, headers) in probes.items():
        status, _, reply = post_to_bot(gate.url, body, headers)
        assert status == 401, (what, status, reply)
    # Signed by Slack's secret but not what Slack sends: 400, still not parsed by bolt.
    bad_json = b'{"type": "event_callback", "event": '
    status, _, _ = post_to_bot(gate.url, bad_json, signed_headers(bad_json, SECRET))
    assert status == 400
    bad_payload = b"payload=%7B%22type%22"
    status, _, _ = post_to_bot(
        gate.url, bad_payload, signed_headers(bad_payload, SECRET, content_type=FORM)
    )
    assert status == 400
    # Over the cap (Content-Length checked before reading): 413.
    port = int(gate.url.split(":")[2].split("/")[0])
    assert _post_raw(port, MAX_BODY_BYTES + 1) in (413, None)
    # Only POST /slack/events.
    assert post_to_bot(gate.url.replace("/slack/events", "/other"), good, {})[0] == 404
    refusals = [r for r in caplog.records if "Slack request refused" in r.getMessage()]
    assert len(refusals) == len(probes) + 2
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert MARKER.decode() not in text and "mine" not in text
    assert all(len(r.getMessage()) < 200 for r in refusals)
    assert gate.slack.responses == []  # nothing refused reached a listener


def _answers(gate, url: str) -> list:
    return [r for r in gate.slack.responses if r.get("response_url") == url]


def test_a_replayed_signed_command_does_its_work_once(gate):
    url = gate.slack.new_response_url()
    body = command_body(text="mine", user_id="U0ALICE", response_url=url)
    headers = signed_headers(body, SECRET, content_type=FORM)
    assert post_to_bot(gate.url, body, headers)[0] == 200
    gate.wait_for(lambda: _answers(gate, url), what="the answer to /actions mine")
    # The same signed bytes again, as an eavesdropper would replay them, within the window.
    for _ in range(3):
        assert post_to_bot(gate.url, body, headers)[0] == 200
    time.sleep(1.5)
    assert len(_answers(gate, url)) == 1
    # A person typing the same command again is a new request (new body, new signature).
    again = command_body(text="mine", user_id="U0ALICE", response_url=url)
    assert gate.post(again, content_type=FORM)[0] == 200
    gate.wait_for(lambda: len(_answers(gate, url)) == 2, what="the second answer")
    first, second = (json.dumps(a.get("blocks")) for a in _answers(gate, url))
    assert first == second


def test_a_status_click_is_stored_at_the_gate_once_and_a_forged_one_not_at_all(gate):
    """Status buttons are stored by the gate itself, without bolt (ack.py AfterAck.door):
    the signature is still checked first, and a replay of the same signed click is answered
    but stores nothing new."""
    from sqlalchemy import select

    from storage.engine import read_session
    from storage.models import Action, Update

    with read_session(gate.engine) as s:
        l1 = s.execute(select(Action.id).where(Action.ref == "L1")).scalar_one()

    def updates() -> list:
        with read_session(gate.engine) as s:
            return list(s.execute(select(Update.status).where(Update.action_id == l1)).scalars())

    url = gate.slack.new_response_url()
    body = block_actions_body(
        actions=[button_action("status:delayed", json.dumps({"a": l1}), block_id=f"act:{l1}")],
        user_id="U0ALICE",
        response_url=url,
    )
    headers = signed_headers(body, SECRET, content_type=FORM)
    forged = body.replace(b"delayed", b"complete")  # the signature is of the other bytes
    assert post_to_bot(gate.url, forged, headers)[0] == 401
    for _ in range(3):
        assert post_to_bot(gate.url, body, headers)[0] == 200
    gate.wait_for(lambda: _answers(gate, url), what="the answer to the click")
    time.sleep(1.0)
    assert updates() == ["Delayed"]
    assert len(_answers(gate, url)) == 1

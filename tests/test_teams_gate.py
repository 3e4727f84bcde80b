"""The Teams endpoint's door (bot/platforms/teams/gate.py) and the settings it starts with
(trust.py): oversized and deeply nested bodies refused before they are read or parsed, and
the unauthenticated switch that cannot be left on by accident.

Memory figures come from the real `progressbot run` process (VmHWM in /proc); the rest goes
over HTTP into the bot served by uvicorn as in production.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date

import pytest
from pydantic import ValidationError

from bot.platforms.teams.gate import MAX_BODY_BYTES, MAX_DEPTH
from bot.settings import Settings
from tests.support.ports import free_port as _free_port
from tests.support.teams_bot import TeamsBotHarness
from tests.support.teams_signing import TeamsSigningKey
from tests.test_teams_runner import _env, _load, _start

MB = 1024 * 1024
MARKER = b"HOSTILETEAMSBODY"


def _post_raw(port: int, size: int, *, chunked: bool = False, auth: str = "") -> int | None:
    """POST ``size`` bytes of junk (unsigned unless ``auth``): headers, then the body in
    1 MB pieces for as long as the server reads. The HTTP status, or None if it closed
    without one."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=60)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    signed = f"Authorization: Bearer {auth}\r\n" if auth else ""
    conn.sendall(
        f"POST /api/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"{signed}{framing}\r\n\r\n".encode()
    )
    piece = (MARKER * (MB // len(MARKER) + 1))[:MB]
    try:
        sent = 0
        while sent < size:
            part = piece[: size - sent]
            conn.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            sent += len(part)
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


def _memory_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as fh:
        return int(next(x for x in fh if x.startswith(field + ":")).split()[1]) / 1024


def test_four_300_mb_unsigned_bodies_leave_the_real_process_flat(tmp_path):
    port = _free_port()
    env = _env(tmp_path, port, TEAMS_TENANT_ID="tenant-1")
    _load(env, tmp_path)
    proc = _start(env, tmp_path, port)
    try:
        time.sleep(1)
        before = _memory_mb(proc.pid, "VmRSS")
        statuses: list[int | None] = []
        threads = [
            threading.Thread(
                target=lambda c=chunked: statuses.append(_post_raw(port, 300 * MB, chunked=c))
            )
            for chunked in (False, False, False, True)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        took = time.monotonic() - started
        peak = _memory_mb(proc.pid, "VmHWM")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert r.read() == b"ok"  # still serving
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    print(
        f"\nRSS before {before:.0f} MB, peak {peak:.0f} MB after four 300 MB bodies ({took:.1f} s)"
    )
    assert len(statuses) == 4 and all(s in (413, None) for s in statuses), statuses
    assert 413 in statuses
    assert peak < before + 30, (before, peak)
    assert MARKER.decode() not in out and "Traceback" not in out


@pytest.fixture
def signed_bot(sqlite_engine):
    with TeamsSigningKey("00000000-0000-0000-0000-0000000b0700") as key:
        with TeamsBotHarness(sqlite_engine, date(2019, 9, 16), signer=key) as bot:
            yield bot


def _nested(depth: int) -> bytes:
    return b'{"type": "message", "x": ' + b"[" * depth + b"]" * depth + b"}"


def test_oversized_and_deep_bodies_get_413_and_400_with_no_traceback(signed_bot, caplog):
    bot = signed_bot
    caplog.set_level(logging.DEBUG)
    token = bot.signer.token(bot.bc.service_url)
    for chunked in (False, True):  # signed or not, too large is refused before reading
        assert _post_raw(bot.runtime.port, 2 * MB, chunked=chunked, auth=token) in (413, None)
        assert _post_raw(bot.runtime.port, 2 * MB, chunked=chunked) in (413, None)
    assert _post_raw(bot.runtime.port, MAX_BODY_BYTES + 1) == 413  # one byte over
    for depth in (MAX_DEPTH + 1, 1000, 100_000):
        for signed in (True, False):
            status, body = bot.post(_nested(depth), sign=signed)
            assert status == 400, (depth, signed, status)
            assert "nested deeper" in body["error"]
    # bodies built to make a scanner go quadratic cost one pass each
    for junk in (b'"' + b'\\"' * 400_000, b'"' * MAX_BODY_BYTES, b"[" * MAX_BODY_BYTES):
        started = time.monotonic()
        status = bot.post(junk, sign=False)[0]
        assert status in (400, 401) and time.monotonic() - started < 2, status
    # a signed activity nested deep inside its value, and strings full of brackets, which
    # do not count: the first is refused, the second is just text
    deep = bot.message("29:x", "hi")
    deep["value"] = json.loads(_nested(MAX_DEPTH + 5))
    assert bot.post(deep)[0] == 400
    brackets = bot.message("29:x", "[" * 5000 + "{" * 5000)
    assert bot.post(brackets)[0] == 200
    # not JSON, not an object, not an activity: 401 unsigned, 400 signed, never 500
    for raw in (b"not json", b"[]", b"\xff\xfe", b'{"type": 5}', b'"' * 10):
        assert bot.post(raw, sign=False)[0] == 401
        assert bot.post(raw, headers={"Authorization": f"Bearer {bot.signer.token('')}"})[0] == 400
    records = caplog.records
    assert not [r for r in records if r.exc_info], [r.getMessage() for r in records if r.exc_info]
    assert not [r for r in records if "Traceback" in r.getMessage()]
    assert not [r for r in records if "HOSTILE" in r.getMessage() or "xxxx" in r.getMessage()]
    refusals = [r for r in records if "Teams request refused" in r.getMessage()]
    assert refusals and all(len(r.getMessage()) < 200 for r in refusals)


@pytest.mark.parametrize("value", ["1", "yes", "on", "t", "y", "True", "TRUE", "enabled"])
def test_the_unauthenticated_switch_takes_only_true(value):
    with pytest.raises(ValidationError, match="must be exactly `true`"):
        Settings(_env_file=None, teams_allow_unauthenticated=value)
    assert Settings(_env_file=None, teams_allow_unauthenticated="true").teams_allow_unauthenticated
    assert not Settings(
        _env_file=None, teams_allow_unauthenticated="false"
    ).teams_allow_unauthenticated
    assert not Settings(_env_file=None).teams_allow_unauthenticated


def _run_refused(tmp_path, **extra) -> str:
    env = _env(tmp_path, _free_port(), **extra)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stderr


def test_settings_that_would_leave_teams_open_stop_the_start(tmp_path):
    said = _run_refused(tmp_path, TEAMS_ALLOW_UNAUTHENTICATED="yes")
    assert "TEAMS_ALLOW_UNAUTHENTICATED must be exactly `true`" in said
    said = _run_refused(
        tmp_path, TEAMS_ALLOW_UNAUTHENTICATED="true", TEAMS_CLIENT_SECRET="a-real-secret"
    )
    assert "never runs unauthenticated" in said and "a-real-secret" not in said
    said = _run_refused(tmp_path, TEAMS_ALLOW_UNAUTHENTICATED="true", TEAMS_HOST="0.0.0.0")
    assert "loopback only" in said
    said = _run_refused(tmp_path)  # authentication on, but no tenant named
    assert "TEAMS_TENANT_ID" in said
    said = _run_refused(tmp_path, TEAMS_TENANT_ID="t", TEAMS_SERVICE_URL_ALLOW="ftp://x")
    assert "TEAMS_SERVICE_URL_ALLOW" in said


def _listening_on(port: int) -> set[str]:
    """Local addresses in LISTEN state on ``port`` (IPv4, /proc/net/tcp)."""
    found = set()
    with open("/proc/net/tcp") as fh:
        for line in list(fh)[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if state == "0A" and int(p, 16) == port:
                found.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return found


def test_unauthenticated_mode_listens_on_loopback_only(tmp_path):
    port = _free_port()
    env = _env(tmp_path, port, TEAMS_ALLOW_UNAUTHENTICATED="true", TEAMS_HOST="")
    _load(env, tmp_path)
    proc = _start(env, tmp_path, port)
    try:
        assert _listening_on(port) == {"127.0.0.1"}
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert "UNSIGNED" in out  # and it says so when it starts


def test_slack_http_mode_binds_slack_host(tmp_path):
    from tests.support.bot_process import BotProcess
    from tests.support.slack_api import SlackStandIn

    with SlackStandIn() as slack, BotProcess(tmp_path, slack, SLACK_HOST="127.0.0.1") as bot:
        assert _listening_on(bot.port) == {"127.0.0.1"}

"""Ports for servers a test starts (a bot subprocess, PostgreSQL) before they bind them.

A port found free by binding port 0 and closing it is only free until someone else binds
it, and under pytest-xdist someone else does: every in-process server of the other workers
binds port 0 too, and the kernel hands out the same ephemeral ports. A bot subprocess given
such a port took two CLI runs to start; meanwhile another worker's Slack harness bound it,
and the test's requests (same signing secret) were answered by that other bot
(tests/test_slack_runner.py, seen once in a full run). So these ports come from below the
kernel's ephemeral range, which port 0 never hands out, in a slice of 1,000 per xdist
worker, taken in turn: no other worker, and no port-0 server, is given the same one.
"""

from __future__ import annotations

import itertools
import os
import re
import socket

_SLICE = 1000
_FIRST = 20000  # worker gwN: 20000 + N * 1000 onwards; the controller: 19000


def _ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _worker() -> int:
    """This xdist worker's number; -1 in the process that starts them (or without xdist),
    which starts the run's PostgreSQL server before any worker picks a port."""
    m = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return int(m.group(1)) if m else -1


_turn = itertools.count()


def free_port() -> int:
    """A port that was free just now and that no other test of this run will be handed."""
    base = _FIRST + _worker() * _SLICE
    if base + _SLICE > _ephemeral_low():  # no room below the ephemeral range: as before
        return _any_free_port()
    for _ in range(_SLICE):
        port = base + next(_turn) % _SLICE
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # still held by an earlier test's server (or anything else)
            return port
    return _any_free_port()


def _any_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

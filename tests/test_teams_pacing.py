"""The Teams pacer (bot/platforms/teams/pacing.py): proactive sends held to the Bot
Connector's rate limit, so a sweep meets no 429s, and a reply to a person never waits."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.platforms.teams.connector import message
from bot.platforms.teams.pacing import Pacer
from bot.platforms.teams.server import TeamsRuntime
from bot.settings import Settings
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.support.teams_connector import TeamsConnectorStandIn


class Ticks:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_one_slot_per_token():
    clock = Ticks()
    pacer = Pacer(10.0, 3.0, clock=clock)
    assert [pacer.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    # the 4th, 5th and 6th wait 0.1, 0.2 and 0.3 s: one token every tenth of a second
    assert [round(pacer.reserve(), 6) for _ in range(3)] == [0.1, 0.2, 0.3]
    clock.now += 1.0  # a quiet second pays back what was borrowed, then refills to the burst
    assert [round(pacer.reserve(), 6) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve() > 0


def test_paced_sends_meet_no_rate_limit_and_a_reply_goes_at_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    upgrade(engine)
    settings = Settings(
        _env_file=None,
        teams_client_id="00000000-0000-0000-0000-0000000b0700",
        teams_allow_unauthenticated=True,
        teams_service_url_allow="http://127.0.0.1",
    )
    runtime = TeamsRuntime(settings, PlanService(engine, FixedClock(datetime.now(UTC))))
    try:
        # the stand-in's limits made small so the test is quick: a burst of 20, 40 a second
        with TeamsConnectorStandIn(per_bot=(20.0, 40.0)) as bc:
            runtime.connector.pacer = Pacer(40.0, 5.0)
            started = time.perf_counter()
            with ThreadPoolExecutor(12) as pool:
                ids = list(
                    pool.map(
                        lambda i: runtime.connector.send(
                            f"a:c{i}", bc.service_url, message(None, f"nudge {i}"), paced=True
                        ),
                        range(60),
                    )
                )
            took = time.perf_counter() - started
            assert len(set(ids)) == 60
            assert [c for c in bc.refused if c.status == 429] == []  # paced: not one 429
            assert bc.errors == []
            # (60 - 5) sends at 40 a second is the pacer's floor, 1.4 s
            assert 1.35 <= took < 4.0
            # a reply to a person is not queued behind the sweep's slots
            runtime.connector.pacer.tokens = -20.0  # as if 20 paced sends were waiting
            started = time.perf_counter()
            runtime.connector.send("a:reply", bc.service_url, message(None, "Stored"))
            assert time.perf_counter() - started < 0.4  # its turn would be 0.5 s away
    finally:
        runtime.stop()
        engine.dispose()

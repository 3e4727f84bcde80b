"""Two plans, a real `progressbot sweep` killed with SIGKILL half-way through its sends, then
run again: every person still gets exactly one nudge (grouped by plan) that day, whether the
message in flight went out or not; and each plan's digest is posted once to its own channel
however often `progressbot digest` runs. Real processes against the Slack Web API stand-in,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from storage.claims import nudge_counts
from storage.engine import make_engine, read_session
from storage.models import DigestPost
from tests.support.bot_process import add_sample_people
from tests.support.cli_process import run_cli
from tests.support.slack_api import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bot" / "data"
PLANS = {"OD plan 2019": "C0ODPLAN", "People Plan": "C0PEOPLE"}


def _cli(env, cwd, *args) -> str:
    proc = run_cli(list(args), cwd=cwd, env=env, timeout=180)
    assert proc.returncode == 0, f"{args}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def _nudges(slack: SlackStandIn) -> Counter:
    """How many nudge DMs each channel has received."""
    return Counter(
        channel
        for channel, messages in slack.messages.items()
        for m in messages
        if "need an update" in m.get("text", "")
    )


@pytest.mark.parametrize("db", ["sqlite", "pg"])
def test_sigkill_mid_sweep_then_restart_sends_each_nudge_once(tmp_path, db, request):
    url = f"sqlite:///{tmp_path}/bot.db"
    if db == "pg":
        engine = request.getfixturevalue("pg_engine")
        url = engine.url.render_as_string(hide_password=False)
    # Two messages a second: the sweep is still sending when it is killed.
    with SlackStandIn(rate_limits={"chat.postMessage": (1, 2)}) as slack:
        add_sample_people(slack)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_API_BASE_URL": slack.base_url,
            "SLACK_APP_TOKEN": "",
            "PLAN_NAME": "",
        }
        env.pop("TEAMS_CLIENT_ID", None)
        for name, channel in PLANS.items():
            _cli(env, tmp_path, "import", str(DATA / "sample_plan.csv"), "--plan", name,
                 "--fy-start", "2019", "--today", "2019-09-02")  # fmt: skip
            _cli(env, tmp_path, "plan", "set", "--plan", name, "--channels", channel)
        _cli(env, tmp_path, "people", "import", str(DATA / "sample_people.csv"))
        expected = json.loads(
            _cli(env, tmp_path, "sweep", "--dry-run", "--today", "2019-09-16", "--json")
        )
        recipients = {n["recipient"] for n in expected["nudged"]}
        assert len(recipients) >= 4
        # Every recipient's one message lists both plans' actions.
        assert all(len({a["action_id"] for a in n["actions"]}) >= 2 for n in expected["nudged"])

        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "sweep", "--today", "2019-09-16"],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while sum(_nudges(slack).values()) < 2 and time.monotonic() < deadline:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        at_kill = sum(_nudges(slack).values())
        assert 2 <= at_kill < len(recipients), at_kill

        # Restarted a few minutes later (past the dead sweep's lease): the rest go out, the
        # message in flight is checked with Slack before any resend, nobody gets two.
        _cli(env, tmp_path, "sweep", "--today", "2019-09-16T10:06")
        _cli(env, tmp_path, "sweep", "--today", "2019-09-16T10:30")
        per_channel = _nudges(slack)
        assert len(per_channel) == len(recipients), per_channel
        assert set(per_channel.values()) == {1}, per_channel
        engine = make_engine(url)
        try:
            counts = nudge_counts(engine)
            assert counts.get("sent") == len(recipients) and counts.get("claimed", 0) == 0
            # Digests: one per plan, to that plan's own channel, however often run.
            for _ in range(2):
                _cli(env, tmp_path, "digest", "--today", "2019-09-16T10:40")
            with read_session(engine) as s:
                posts = s.exec(select(DigestPost)).all()
        finally:
            engine.dispose()
        assert sorted(p.channel for p in posts) == sorted(PLANS.values())
        for channel in PLANS.values():
            assert len(slack.messages.get(channel, [])) >= 1, channel

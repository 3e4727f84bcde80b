"""Stopping the bot (SIGTERM, as `docker stop`, systemd and Kubernetes do) while requests
Slack was told were received are still waiting to be handled: the real `progressbot run`
stops taking requests and finishes every one of them before it exits, so no update a user
sent is lost (Slack never sends an acknowledged request again)."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from bot.core.clock import SystemClock
from bot.core.people import may_update
from bot.core.service import PlanService
from storage.engine import make_engine, read_session
from storage.models import Update
from tests.support.bot_process import BotProcess, add_sample_people
from tests.support.run_process import wait_for
from tests.support.slack_api import CHANNEL_KEY, SlackStandIn
from tests.support.slack_bot import SECRET
from tests.support.slack_signing import (
    JSON,
    event_body,
    message_im_event,
    post_to_bot,
    signed_headers,
)

PRIYA = "U0PRIYA"


def test_sigterm_finishes_every_acknowledged_request_before_exiting(tmp_path):
    # Replies to Priya's DMs are held to one a second (Slack's per-channel limit), so the
    # work behind her acknowledged messages is still queued when the bot is told to stop.
    with SlackStandIn(rate_limits={CHANNEL_KEY: (1, 1.0)}) as slack:
        add_sample_people(slack)
        with BotProcess(tmp_path, slack) as bot:
            engine = make_engine(bot.env["DATABASE_URL"])
            service = PlanService(engine, SystemClock())
            # The bot matches people to workspace members (users.list) in its start-up people
            # sync, which runs after it answers /healthz: wait for it to have matched Priya.
            actor = wait_for(
                lambda: (a := service.actor_for_chat_user(PRIYA)).person is not None and a,
                timeout=60,
                what="the start-up people sync to match Priya",
            )
            snap = service.snapshot()
            mine = [a for a in snap.actions if may_update(actor, a, snap)][:8]
            assert len(mine) >= 4, "Priya should own several sample actions"
            with read_session(engine) as s:
                before = len(s.exec(select(Update).where(Update.source != "import")).all())
            bodies = [
                event_body(
                    message_im_event(
                        f"{a.label} on track: checked with the partners ({i})",
                        user=PRIYA,
                        channel=slack.dm_channel_id(PRIYA),
                    )
                )
                for i, a in enumerate(mine)
            ]
            with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
                answers = list(
                    pool.map(
                        lambda b: post_to_bot(
                            bot.url, b, signed_headers(b, SECRET, content_type=JSON)
                        )[0],
                        bodies,
                    )
                )
            assert answers == [200] * len(bodies)
            bot.proc.send_signal(signal.SIGTERM)
            code = bot.proc.wait(timeout=120)
            log = bot.log()
            with read_session(engine) as s:
                stored = s.exec(select(Update).where(Update.source != "import")).all()
            engine.dispose()
    new = stored[before:]
    assert sorted(u.action_id for u in new) == sorted(a.id for a in mine), log[-3000:]
    assert code == 0, log[-3000:]
    assert all(u.status == "On track" for u in new)
    assert "finishing those already acknowledged" in log

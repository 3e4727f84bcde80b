"""Two `progressbot run` processes in HTTP mode on one PostgreSQL, driven the way Slack and a
failing database would drive them. Used by tests/test_multi_instance.py (CI size) and
bench/bench_multi_instance.py (full size).

1. A synthetic plan (bench/synth.py) with ``owners`` owners, every person a workspace member
   with a stored DM channel; the digest is due now (policy: today, 00:00, whole plan) to one
   leadership channel; nudges may go at any hour today; claims are leased for 30 s.
2. What the sweep should send now is worked out first with a dry run.
3. Both processes start; each scheduler sweeps at once (the catch-up run) and checks the
   digest. chat.postMessage is held to Slack's workspace rate so the sweep takes a while,
   and as soon as the first nudges arrive PostgreSQL is restarted (fast shutdown: every
   connection cut). The jobs wait for it and run again.
4. A burst of ``requests`` signed requests, half button clicks and half DMs, each for a
   different action its sender owns, sent concurrently and alternately to the two processes;
   ``duplicates`` of them are sent again to the other process (Slack's re-delivery).
5. Then it counts: nudge messages per recipient, claims marked sent, updates stored per
   request, digest posts.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bench.synth import populate
from bot.core.clock import FixedClock
from bot.core.service import PlanService
from jobs.sweep import run_sweep
from storage.chat import remember_conversation
from storage.claims import nudge_counts
from storage.engine import make_engine, read_session, write_session
from storage.migrate import upgrade
from storage.models import Action, ActionOwner, DigestPost, Owner, Update
from tests.support.ports import free_port
from tests.support.run_process import BotProcess, bot_env, cli, wait_for
from tests.support.slack_api import SlackStandIn
from tests.support.slack_bot import SECRET
from tests.support.slack_signing import (
    FORM,
    JSON,
    block_actions_body,
    button_action,
    event_body,
    message_im_event,
    post_to_bot,
    signed_headers,
)

LEADERS = "C0LEADERS"


@dataclass
class MultiResult:
    nudges_expected: int = 0
    nudge_messages: int = 0
    nudges_sent_in_db: int = 0
    nudge_recipients_twice: list[str] = field(default_factory=list)
    restarted_mid_sweep: bool = False
    nudges_before_restart: int = 0
    restart_seconds: float = 0.0
    sweep_seconds: float = 0.0
    requests: int = 0
    duplicates: int = 0
    bad_statuses: list[int] = field(default_factory=list)
    burst_seconds: float = 0.0
    ack_ms_p50: float = 0.0
    ack_ms_max: float = 0.0
    # Answered after Slack's 3 s: Slack shows the user an error even when the status is 200.
    answers_over_3s: int = 0
    updates_stored: int = 0
    updates_doubled: list[str] = field(default_factory=list)
    digest_posts: int = 0
    slack_refusals: list[tuple[str, str]] = field(default_factory=list)
    logs: str = ""

    def describe(self) -> str:
        fields = {k: v for k, v in self.__dict__.items() if k != "logs"}
        return json.dumps(fields, default=str) + "\n" + self.logs[-6000:]


# The bots run from this moment on (RUN_CLOCK_START): a working Monday, so the test does not
# depend on the day it runs.
START = datetime(2019, 9, 16, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def _policy() -> str:
    return json.dumps(
        {
            "digest_day": START.strftime("%A"),
            "digest_time": "00:00",
            "digest_scope": "plan",
            "working_hours": "00:00-23:59",
            "lease_seconds": 30,
        }
    )


def run_two_instances(
    tmp: Path, pg_server, *, owners: int, actions: int, requests: int, duplicates: int
) -> MultiResult:
    result = MultiResult(requests=requests, duplicates=duplicates)
    url = pg_server.create_database(f"multi{int(time.time() * 1000) % 10**9}")
    engine = make_engine(url)
    upgrade(engine)
    populate(
        engine, actions=actions, owners=owners, themes=6, updates_per_action=0, today=START.date()
    )
    # chat.postMessage held to 5 a second: Slack's workspace ceiling order of magnitude, and
    # it keeps the sweep going long enough to restart the database under it.
    with SlackStandIn(rate_limits={"chat.postMessage": (5, 5.0)}) as slack:
        with write_session(engine) as s:
            people = list(s.exec(select(Owner).where(Owner.kind == "person")))
            for p in people:
                slack.add_user(p.chat_user_id, email=p.email, name=p.name.split()[0].lower(),
                               real_name=p.name)  # fmt: skip
                remember_conversation(
                    s, "slack", p.id, slack.dm_channel_id(p.chat_user_id), now=START
                )
        env = bot_env(
            slack, url, SLACK_SIGNING_SECRET=SECRET, RUN_CLOCK_START=START.isoformat()
        )
        cli(env, tmp, "plan", "set", "--channels", LEADERS, "--policy", _policy())
        planned = run_sweep(PlanService(engine, FixedClock(START)), None, dry_run=True)
        result.nudges_expected = len(planned.nudged)

        ports = [free_port(), free_port()]
        bots = [
            BotProcess({**env, "PORT": str(port)}, tmp, name=f"bot{i}")
            for i, port in enumerate(ports)
        ]
        try:
            for bot, port in zip(bots, ports, strict=True):
                bot.wait_healthy(port)
            started = time.monotonic()

            def nudges() -> list[dict]:
                with slack._lock:
                    return [
                        m
                        for ch, msgs in slack.messages.items()
                        if ch.startswith("D")
                        for m in msgs
                        if (m.get("metadata") or {}).get("event_type") == "progressbot_nudge"
                    ]

            if result.nudges_expected:
                wait_for(lambda: len(nudges()) >= 1, timeout=120, what="the first nudges")
                result.nudges_before_restart = len(nudges())
                t = time.monotonic()
                pg_server.restart(down_seconds=1.0)
                result.restart_seconds = time.monotonic() - t
                result.restarted_mid_sweep = result.nudges_before_restart < result.nudges_expected
                wait_for(
                    lambda: nudge_counts(engine).get("sent", 0) >= result.nudges_expected,
                    # at 5 messages a second, plus the restart and the jobs' back-off
                    timeout=120 + result.nudges_expected / 2,
                    what="the sweep to finish after the restart",
                )  # fmt: skip
                result.sweep_seconds = time.monotonic() - started
            wait_for(lambda: _digests(engine), timeout=120, what="the digest")

            # -- the burst --------------------------------------------------------------
            engine.dispose()  # connections from before the restart
            with read_session(engine) as s:
                pairs = s.execute(
                    select(Owner.chat_user_id, Action.id, Action.ref)
                    .join(ActionOwner, ActionOwner.owner_id == Owner.id)
                    .join(Action, Action.id == ActionOwner.action_id)
                    .where(Owner.kind == "person")
                    .order_by(Action.id)
                ).all()
            seen, picks = set(), []
            for uid, aid, ref in pairs:
                if aid not in seen:
                    seen.add(aid)
                    picks.append((uid, aid, ref))
            if len(picks) < requests:
                raise AssertionError(f"only {len(picks)} person-owned actions for {requests}")
            picks = picks[:requests]
            bodies = []
            for i, (uid, aid, ref) in enumerate(picks):
                if i % 2 == 0:
                    value = json.dumps({"a": aid}, separators=(",", ":"))
                    body = block_actions_body(
                        actions=[button_action("status:on_track", value, block_id=f"act:{aid}")],
                        user_id=uid,
                        channel_id=slack.dm_channel_id(uid),
                        response_url=slack.new_response_url(),
                    )
                    bodies.append((body, FORM))
                else:
                    event = message_im_event(
                        f"{ref} delayed: waiting for the estates survey ({i})",
                        user=uid,
                        channel=slack.dm_channel_id(uid),
                    )
                    bodies.append((event_body(event), JSON))
            sends = [(i % 2, b) for i, b in enumerate(bodies)]
            sends += [(1 - i % 2, b) for i, b in enumerate(bodies[:duplicates])]

            def send(item):
                which, (body, ctype) = item
                t = time.monotonic()
                status, _, _ = post_to_bot(
                    f"http://127.0.0.1:{ports[which]}/slack/events",
                    body,
                    signed_headers(body, SECRET, content_type=ctype),
                    timeout=30,
                )
                return status, (time.monotonic() - t) * 1000

            t = time.monotonic()
            with ThreadPoolExecutor(max_workers=min(100, len(sends))) as pool:
                answers = list(pool.map(send, sends))
            result.burst_seconds = time.monotonic() - t
            result.bad_statuses = [s for s, _ in answers if s != 200]
            ms = sorted(m for _, m in answers)
            result.ack_ms_p50 = ms[len(ms) // 2]
            result.ack_ms_max = ms[-1]
            result.answers_over_3s = sum(1 for m in ms if m > 3000)

            def stored() -> list[Update]:
                with read_session(engine) as s:
                    return list(s.exec(select(Update).where(Update.source != "import")))

            wait_for(lambda: len(stored()) >= requests, timeout=120 + requests / 2,
                     what="every update")  # fmt: skip
            time.sleep(3)  # anything doubled would land by now
            updates = stored()
            result.updates_stored = len(updates)
            per_action: dict[int, int] = {}
            for u in updates:
                per_action[u.action_id] = per_action.get(u.action_id, 0) + 1
            result.updates_doubled = [str(a) for a, n in per_action.items() if n > 1]
        finally:
            for bot in bots:
                bot.stop()
            result.logs = "\n".join(b.output()[-3000:] for b in bots)
        msgs = nudges()
        per_channel: dict[str, int] = {}
        for ch, chan_msgs in slack.messages.items():
            n = sum(
                1 for m in chan_msgs
                if (m.get("metadata") or {}).get("event_type") == "progressbot_nudge"
            )  # fmt: skip
            if n:
                per_channel[ch] = n
        result.nudge_messages = len(msgs)
        result.nudge_recipients_twice = [ch for ch, n in per_channel.items() if n > 1]
        result.nudges_sent_in_db = nudge_counts(engine).get("sent", 0)
        result.digest_posts = sum(
            1
            for m in slack.messages.get(LEADERS, [])
            if (m.get("metadata") or {}).get("event_type") == "progressbot_digest"
        )
        result.slack_refusals = [(c.method, c.error) for c in slack.errors if c.status != 429]
    engine.dispose()
    return result


def _digests(engine) -> list[DigestPost]:
    with read_session(engine) as s:
        return list(s.exec(select(DigestPost).where(DigestPost.state == "sent")))

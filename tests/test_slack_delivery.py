"""Scheduled work delivered through Slack: the sweep's nudges arrive as DMs with buttons and
a reply in their thread is understood; a 500-action digest posts with no Block Kit error
and figures that match the database; away/back from /actions."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from sqlalchemy import text

from bench.synth import populate
from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.platforms.slack.notifier import SlackNotifier
from jobs.digest_job import run_digest
from jobs.sweep import run_sweep
from storage.engine import read_session
from tests.support.slack_api import SlackStandIn
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import FORM, JSON, command_body, event_body, message_im_event
from tests.support.small_plan import load_small_plan
from tests.test_slack_journeys import USERS, _responses_to, _updates


def _blocks(call):
    b = call.params.get("blocks")
    return json.loads(b) if isinstance(b, str) else (b or [])


def test_sweep_nudges_arrive_in_slack_and_thread_replies_are_understood(sqlite_engine):
    load_small_plan(sqlite_engine)
    # Monday 16 Sep 2019, 10:00 in London: within working hours.
    with SlackBotHarness(sqlite_engine, date(2019, 9, 16)) as bot:
        for uid, (email, name) in USERS.items():
            bot.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        notifier = SlackNotifier(bot.app.client, bot.service, bot.people)
        report = run_sweep(bot.service, notifier, instance_id="test")
        posts = bot.slack.calls_to("chat.postMessage")
        # First contact: posted with the user id as the channel (no conversations.open);
        # Slack's reply names the DM channel, which is where the message is and stays.
        assert {c.params["channel"] for c in posts} <= set(USERS)
        assert bot.slack.calls_to("conversations.open") == []
        by_channel = {c.response["channel"]: c for c in posts}
        julie_dm = bot.slack.dm_channel_id("U0JULIE")
        assert julie_dm in by_channel and bot.slack.dm_channel_id("U0ALICE") in by_channel
        julie = by_channel[julie_dm]
        meta = julie.params.get("metadata")
        meta = json.loads(meta) if isinstance(meta, str) else meta
        assert meta["event_type"] == "progressbot_nudge"
        ids = [b["block_id"] for b in _blocks(julie) if b["type"] == "actions"]
        assert len(ids) >= 1 and all(i.startswith("act:") for i in ids)
        # a second sweep the same day sends nothing more
        run_sweep(bot.service, notifier, instance_id="other")
        assert len(bot.slack.calls_to("chat.postMessage")) == len(posts)
        # Julie answers in the thread without naming an action: it is the one in her nudge
        ts = julie.response["ts"]
        nudged = [int(i.split(":")[1]) for i in ids]
        event = event_body(
            message_im_event(
                "On track: HR have agreed the budget",
                user="U0JULIE",
                channel=julie_dm,
                thread_ts=ts,
            )
        )
        assert bot.post(event, content_type=JSON)[0] == 200
        # Julie owes L2 (overdue since 31 Jul: its latest 5-working-day repeat) and C1
        # (ongoing: the September check-in), so the bot asks which one she means.
        snap = bot.service.snapshot()
        refs = {a.id: a.ref for a in snap.actions}
        assert sorted(refs[i] for i in nudged) == ["C1", "L2"]
        asked = bot.wait_for(
            lambda: [
                c for c in bot.slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts
            ],
            what="the question",
        )
        picks = [b for b in _blocks(asked[0]) if b.get("block_id", "").startswith("pick:")]
        assert sorted(int(b["block_id"][5:]) for b in picks) == sorted(nudged)
        assert _updates(sqlite_engine) == []
        assert not report.failures and len(report.nudged) == len(posts)
        assert bot.slack.errors == []


def _db_status_counts(engine, plan_id):
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT COALESCE(status, 'No update'), COUNT(*) FROM action "
                "WHERE plan_id = :p AND archived_at IS NULL GROUP BY COALESCE(status, 'No update')"
            ),
            {"p": plan_id},
        ).all()
    return dict(rows)


def test_digest_of_500_actions_posts_without_block_kit_errors(engine):
    info = populate(engine, actions=500, owners=100, themes=6, updates_per_action=3)
    now = datetime(2020, 6, 1, 9, 0, tzinfo=UTC)
    with SlackStandIn() as slack:
        from bot.platforms.slack.client import make_client
        from bot.platforms.slack.people import SlackPeople

        service = PlanService(engine, FixedClock(now))
        client = make_client(slack.bot_token, slack.base_url)
        notifier = SlackNotifier(client, service, SlackPeople(service, client))
        report = run_digest(service, notifier, channels=["C0LEADERS"])
        assert not report.failures, report.failures
        posts = slack.calls_to("chat.postMessage")
        assert posts and slack.errors == []
        assert all(len(_blocks(c)) <= 50 for c in posts)
        # the rest of a long digest is threaded under the first message
        assert all(c.params.get("thread_ts") == posts[0].response["ts"] for c in posts[1:])
        # The figures posted are the database's.
        head = json.dumps(_blocks(posts[0]))
        for status, n in _db_status_counts(engine, info.plan_id).items():
            assert re.search(rf"{re.escape(status)} \*{n}\*", head), (status, n)
        assert "*500 actions*" in head
        # the chart went up as a file in the thread
        assert slack.calls_to("files.completeUploadExternal")
        # posting again for the same period does nothing
        again = run_digest(service, notifier, channels=["C0LEADERS"])
        assert not again.posted and len(slack.calls_to("chat.postMessage")) == len(posts)


def test_away_and_back_from_slash_command(sqlite_engine):
    load_small_plan(sqlite_engine)
    with SlackBotHarness(sqlite_engine, date(2019, 9, 16)) as bot:
        for uid, (email, name) in USERS.items():
            bot.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        bot.people.actor("U0ALICE")  # Alice is matched to her Slack user
        url = bot.slack.new_response_url()
        bot.post(
            command_body(
                text="away until 30 September <@U0ALICE|alice>", user_id="U0JULIE", response_url=url
            ),
            content_type=FORM,
        )
        reply = json.dumps(bot.wait_for(lambda: _responses_to(bot, url), what="away"))
        assert "away until Monday 30 September 2019" in reply and "go to Alice Smith" in reply
        with read_session(sqlite_engine) as s:
            from sqlmodel import select

            from storage.models import Absence

            absence = s.exec(select(Absence)).one()
        assert absence.until == date(2019, 9, 30)
        url2 = bot.slack.new_response_url()
        bot.post(
            command_body(text="away until yesterday", user_id="U0JULIE", response_url=url2),
            content_type=FORM,
        )
        assert "has passed" in json.dumps(
            bot.wait_for(lambda: _responses_to(bot, url2), what="bad date")
        )
        url3 = bot.slack.new_response_url()
        bot.post(command_body(text="back", user_id="U0JULIE", response_url=url3), content_type=FORM)
        assert "Welcome back" in json.dumps(
            bot.wait_for(lambda: _responses_to(bot, url3), what="back")
        )
        assert bot.slack.errors == []


def test_admin_digest_now_posts_to_the_leadership_channel(sqlite_engine):
    from sqlmodel import select

    from storage.engine import write_session
    from storage.models import Plan

    load_small_plan(sqlite_engine)
    with write_session(sqlite_engine) as s:
        plan = s.exec(select(Plan)).one()
        plan.leadership_channels = "C0LEADERS"
        s.add(plan)
    with SlackBotHarness(
        sqlite_engine, date(2019, 9, 16), admin_emails=frozenset({"pat@example.org"})
    ) as bot:
        for uid, (email, name) in USERS.items():
            bot.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        url = bot.slack.new_response_url()
        bot.post(
            command_body(text="digest now", user_id="U0PAT", response_url=url), content_type=FORM
        )
        answer = json.dumps(bot.wait_for(lambda: _responses_to(bot, url), what="digest now"))
        assert "Digest posted to C0LEADERS" in answer
        posts = [
            c for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] == "C0LEADERS"
        ]
        assert posts and "*5 actions*" in json.dumps(_blocks(posts[0]))
        url2 = bot.slack.new_response_url()
        bot.post(
            command_body(text="digest now", user_id="U0JULIE", response_url=url2), content_type=FORM
        )
        assert "for administrators" in json.dumps(
            bot.wait_for(lambda: _responses_to(bot, url2), what="refusal")
        )
        assert bot.slack.errors == []

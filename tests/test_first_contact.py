"""First contact in Slack without conversations.open (issue 12): a person with a user id but
no stored DM channel is posted to by user id, the DM channel from Slack's reply is stored,
and everything that hangs off a delivered message - look-before-resend after a crash, the
thread a reply maps through, escalations - works the same. Real client, real stand-in,
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.platforms.slack.client import make_client
from bot.platforms.slack.notifier import SlackNotifier
from bot.platforms.slack.people import SlackPeople
from jobs.sweep import run_sweep
from storage.chat import conversation_for, nudged_actions
from storage.claims import nudge_counts
from storage.engine import read_session, write_session
from storage.models import NudgeMessage, Owner
from tests.support.slack_api import SlackStandIn
from tests.support.small_plan import load_small_plan

NOW = datetime(2019, 9, 16, 9, 0, tzinfo=UTC)  # Monday 10:00 in London
USERS = {"Alice Smith": "U0ALICE", "Julie Fellows": "U0JULIE"}


class Killed(Exception):
    """The process died."""


def _known_to_slack(engine, slack: SlackStandIn) -> None:
    """As after a people sync: user ids stored, no DM channel yet."""
    with write_session(engine) as s:
        for name, uid in USERS.items():
            owner = s.exec(select(Owner).where(Owner.name == name)).one()
            owner.chat_user_id = uid
            s.add(owner)
            slack.add_user(uid, email=owner.email, name=name.split()[0].lower(), real_name=name)


@pytest.fixture
def world(engine):
    load_small_plan(engine)
    clock = FixedClock(NOW)
    service = PlanService(engine, clock)
    with SlackStandIn() as slack:
        _known_to_slack(engine, slack)
        client = make_client(slack.bot_token, slack.base_url)
        yield (
            engine,
            clock,
            service,
            slack,
            SlackNotifier(client, service, SlackPeople(service, client)),
        )


def _conversation(engine, name: str) -> str | None:
    with read_session(engine) as s:
        owner = s.exec(select(Owner).where(Owner.name == name)).one()
        conv = conversation_for(s, "slack", owner.id)
        return conv.conversation_id if conv else None


def test_first_nudges_go_by_user_id_and_the_dm_channel_is_stored(world):
    engine, _, service, slack, notifier = world
    report = run_sweep(service, notifier, instance_id="t")
    assert {n.recipient.name for n in report.nudged} == set(USERS)
    posts = slack.calls_to("chat.postMessage")
    assert sorted(c.params["channel"] for c in posts) == sorted(USERS.values())
    assert (
        slack.calls_to("conversations.open") == [] and slack.calls_to("users.lookupByEmail") == []
    )
    for name, uid in USERS.items():
        dm = slack.dm_channel_id(uid)
        assert _conversation(engine, name) == dm
        sent = next(n for n in report.nudged if n.recipient.name == name)
        assert sent.channel == dm  # the claim records the DM channel, not the user id
        with read_session(engine) as s:
            assert nudged_actions(s, dm, sent.message_ts)  # a thread reply maps to the nudge
    # The next message to them goes straight to the stored channel.
    clock = service.clock
    clock.advance(timedelta(days=7))
    run_sweep(service, notifier, instance_id="t2")
    later = slack.calls_to("chat.postMessage")[len(posts) :]
    assert later and all(c.params["channel"].startswith("D") for c in later)
    assert slack.errors == []


@pytest.mark.parametrize("dies", ["after-send", "before-send"])
def test_a_crash_during_first_contact_neither_loses_nor_doubles_the_nudge(world, dies):
    """The sweep dies after Slack accepted the first message but before the DM channel was
    stored (or before the post): a later sweep finds the DM (one conversations.open, on this
    rare path only), looks in it, and only resends if nothing went out."""
    engine, clock, service, slack, notifier = world
    direct = notifier.direct
    real_post, real_remember = direct.client.chat_postMessage, direct.remember

    def post_then_die(**kw):
        if dies == "before-send" and kw["channel"] == "U0JULIE":
            raise Killed
        return real_post(**kw)

    def remember_or_die(person, channel):
        if dies == "after-send" and person.name == "Julie Fellows":
            raise Killed
        real_remember(person, channel)

    direct.client.chat_postMessage = post_then_die
    direct.remember = remember_or_die
    report = run_sweep(service, notifier, instance_id="a")
    assert any("unknown outcome" in e for who, e in report.failures if who == "Julie Fellows")
    assert (
        nudge_counts(engine).get("claimed") == 1 and _conversation(engine, "Julie Fellows") is None
    )
    direct.client.chat_postMessage, direct.remember = real_post, real_remember

    clock.advance(timedelta(minutes=6))  # past the 5-minute lease
    report = run_sweep(service, notifier, instance_id="b")
    julie_dm = slack.dm_channel_id("U0JULIE")
    to_julie = [
        c for c in slack.calls_to("chat.postMessage") if c.response.get("channel") == julie_dm
    ]
    assert len(to_julie) == 1  # exactly once either way
    [resumed] = [n for n in report.nudged if n.recipient.name == "Julie Fellows"]
    assert ("already delivered" in resumed.note) == (dies == "after-send")
    assert len(slack.calls_to("conversations.open")) == 1
    assert _conversation(engine, "Julie Fellows") == julie_dm
    with read_session(engine) as s:
        rows = s.exec(select(NudgeMessage).where(NudgeMessage.state == "sent")).all()
        assert {r.channel for r in rows} == {julie_dm, slack.dm_channel_id("U0ALICE")}
    assert nudge_counts(engine).get("claimed", 0) == 0


def test_escalation_is_a_first_contact_too(sqlite_engine):
    """Bob stayed silent after two nudges: Pat (administrator, never messaged before) hears
    it by user id, and the DM channel is stored."""
    from tests.support.quarter_plan import load_quarter_plan

    load_quarter_plan(sqlite_engine)
    clock = FixedClock(NOW)
    service = PlanService(sqlite_engine, clock)
    with SlackStandIn() as slack:
        with write_session(sqlite_engine) as s:
            for owner in s.exec(select(Owner).where(Owner.kind == "person")):
                owner.chat_user_id = f"U0{owner.name.upper()}"
                s.add(owner)
                slack.add_user(owner.chat_user_id, email=owner.email, name=owner.name.lower())
        client = make_client(slack.bot_token, slack.base_url)
        notifier = SlackNotifier(client, service, SlackPeople(service, client))
        for day in (date(2019, 8, 15), date(2019, 8, 27)):
            clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
            run_sweep(service, notifier, instance_id="x", escalate=False)
        clock.set(datetime(2019, 8, 28, 9, tzinfo=UTC))
        report = run_sweep(service, notifier, instance_id="y")
        assert [e["recipient"] for e in report.escalations] == ["Pat"]
        to_pat = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "U0PAT"]
        assert len(to_pat) == 1
        assert to_pat[0].params["metadata"]["event_type"] == "progressbot_escalation"
        assert _conversation(sqlite_engine, "Pat") == slack.dm_channel_id("U0PAT")
        assert slack.calls_to("conversations.open") == [] and slack.errors == []

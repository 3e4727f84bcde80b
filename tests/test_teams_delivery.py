"""Scheduled work delivered through Teams, and through Teams and Slack at once: escalations
reach the administrator, an absent owner's nudges reach their deputy, and with both
platforms each person is nudged where they are matched."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.platforms.routing import RoutingNotifier
from bot.platforms.teams.notifier import TeamsNotifier
from bot.platforms.teams.server import TeamsRuntime
from bot.settings import Settings
from jobs.sweep import run_sweep
from storage.chat_members import MemberSeen, remember_member
from storage.engine import write_session
from tests.support.teams_bot import BOT_APP_ID, TeamsBotHarness
from tests.support.teams_connector import TeamsConnectorStandIn

SETTINGS = Settings(
    _env_file=None,
    teams_client_id=BOT_APP_ID,
    teams_allow_unauthenticated=True,
    teams_service_url_allow="http://127.0.0.1",
)


def _installed(engine, bc, names: list[str], now) -> dict[str, str]:
    """People who installed the bot: a stored conversation reference each."""
    convs = {}
    with write_session(engine) as s:
        for name in names:
            uid = f"29:{name.lower()}"
            conv = f"a:1on1-{name.lower()}"
            email = f"{name.lower()}@example.org"
            bc.add_member(uid, email=email, name=name)
            remember_member(
                s, "teams", MemberSeen(uid, name, None, email, conv, bc.service_url, "t1"), now=now
            )
            convs[name] = conv
    return convs


def test_silent_owner_is_escalated_to_the_administrator_in_teams(sqlite_engine):
    from tests.support.quarter_plan import load_quarter_plan

    load_quarter_plan(sqlite_engine)
    clock = FixedClock(datetime(2019, 8, 15, 9, tzinfo=UTC))
    service = PlanService(sqlite_engine, clock)
    with TeamsConnectorStandIn() as bc:
        convs = _installed(
            sqlite_engine, bc, ["Alice", "Bob", "Carol", "Larry", "Pat", "Dave"], clock.now()
        )
        runtime = TeamsRuntime(SETTINGS, service, workers=1)
        try:
            notifier = TeamsNotifier(runtime.connector, service, runtime.people)
            for day in (date(2019, 8, 15), date(2019, 8, 27), date(2019, 8, 28)):
                clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
                report = run_sweep(service, notifier, instance_id="t")
                assert not report.failures, report.failures
        finally:
            runtime.stop()
        to_pat = [a for a in bc.sent_to(convs["Pat"]) if "not replied" in a.get("text", "")]
        assert len(to_pat) == 1
        assert "Bob" in json.dumps(to_pat[0]) and bc.errors == []


def test_nudges_of_an_owner_away_go_to_their_deputy_in_teams(sqlite_engine):
    from tests.support.small_plan import load_small_plan
    from tests.test_teams_journeys import _install, _nudge

    load_small_plan(sqlite_engine)
    with TeamsBotHarness(sqlite_engine, date(2019, 9, 16)) as bot:
        bot.bc.add_member("29:julie", email="julie@example.org", name="Julie Fellows")
        bot.bc.add_member("29:eve", email="eve@example.org", name="Eve Other")
        _install(bot, "29:julie")
        eve = _install(bot, "29:eve")
        bot.post(bot.message("29:julie", "away until 30 September 2019 deputy Eve Other"))
        bot.wait_for(
            lambda: [a for a in bot.bc.sent_to("a:1on1-julie") if "Eve Other" in a.get("text", "")],
            what="the away notice",
        )
        notifier = TeamsNotifier(bot.runtime.connector, bot.service, bot.runtime.people)
        run_sweep(bot.service, notifier, instance_id="t")
        card = json.dumps(_nudge(bot, eve))
        assert "L2" in card  # Julie's overdue action, sent to Eve
        assert not [
            a for a in bot.bc.sent_to("a:1on1-julie") if "need an update" in a.get("text", "")
        ]


def test_with_slack_and_teams_each_person_is_nudged_where_they_are_matched(sqlite_engine):
    from bot.platforms.slack.client import make_client
    from bot.platforms.slack.notifier import SlackNotifier
    from bot.platforms.slack.people import SlackPeople
    from tests.support.slack_api import SlackStandIn
    from tests.support.small_plan import load_small_plan

    load_small_plan(sqlite_engine)
    clock = FixedClock(datetime(2019, 9, 16, 10, tzinfo=UTC))
    service = PlanService(sqlite_engine, clock)
    with SlackStandIn() as slack, TeamsConnectorStandIn() as bc:
        slack.add_user("U0ALICE", email="alice@example.org", name="alice", real_name="Alice Smith")
        service.actor_for_chat_user("U0ALICE", email="alice@example.org")  # Alice is in Slack
        with write_session(sqlite_engine) as s:  # Julie installed the Teams app
            bc.add_member("29:julie", email="julie@example.org", name="Julie Fellows")
            remember_member(
                s,
                "teams",
                MemberSeen("29:julie", "Julie Fellows", None, "julie@example.org",
                           "a:1on1-julie", bc.service_url, "t1"),
                now=clock.now(),
            )  # fmt: skip
        runtime = TeamsRuntime(SETTINGS, service, workers=1)
        try:
            client = make_client(slack.bot_token, slack.base_url)
            routing = RoutingNotifier(
                sqlite_engine,
                slack=SlackNotifier(client, service, SlackPeople(service, client)),
                teams=TeamsNotifier(runtime.connector, service, runtime.people),
            )
            report = run_sweep(service, routing, instance_id="both")
        finally:
            runtime.stop()
        assert not report.failures, report.failures
        by = {n.recipient.name: n.channel for n in report.nudged}
        assert by["Julie Fellows"] == "a:1on1-julie"
        assert by["Alice Smith"] == slack.dm_channel_id("U0ALICE")
        assert len(bc.sent_to("a:1on1-julie")) == 1
        assert len(slack.calls_to("chat.postMessage")) == 1
        assert slack.errors == [] and bc.errors == []
        assert routing.for_channel("19:x@thread.tacv2") is routing.teams
        assert routing.for_channel("C0LEADERS") is routing.slack

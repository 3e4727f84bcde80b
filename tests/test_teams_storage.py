"""Teams bookkeeping in storage, on SQLite and PostgreSQL: members met and matched by email
(now or when the person is added later), team channels, and the journal of accepted sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.chat_members import (
    MemberSeen,
    forget_channel,
    matched_owner_ids,
    member,
    member_for_owner,
    remember_channel,
    remember_member,
    teams_channel,
    teams_channels,
)
from storage.engine import read_session, write_session
from storage.people import find_owner, upsert_person
from storage.teams_sent import journal_sent, sent_parts
from tests.support.small_plan import load_small_plan

NOW = datetime(2019, 9, 16, 9, 0, tzinfo=UTC)


def test_members_are_matched_by_email_or_upn_now_or_later(engine):
    load_small_plan(engine)
    with write_session(engine) as s:
        julie = remember_member(
            s,
            "teams",
            MemberSeen(
                "29:j", "Julie F", "aad-j", "JULIE@example.org", "a:1", "https://smba/", "t1"
            ),
            now=NOW,
        )
        stranger = remember_member(
            s,
            "teams",
            MemberSeen("29:n", "New Person", None, "new@example.org", None, "https://smba/", "t1"),
            now=NOW,
        )
        assert julie.owner_id is not None and stranger.owner_id is None
    # a later activity without a conversation keeps the stored one
    with write_session(engine) as s:
        again = remember_member(
            s,
            "teams",
            MemberSeen("29:j", service_url="https://smba2/"),
            now=NOW + timedelta(hours=1),
        )
        assert again.conversation_id == "a:1" and again.service_url == "https://smba2/"
    # the programme office adds the new person: they are matched when first looked for
    with write_session(engine) as s:
        person = upsert_person(s, "New Person", email="new@example.org", now=NOW)
        s.flush()
        row = member_for_owner(s, "teams", person)
        assert row is not None and row.user_id == "29:n" and row.owner_id == person.id
    with read_session(engine) as s:
        ids = matched_owner_ids(s, "teams")
        assert {find_owner(s, "Julie Fellows").id, find_owner(s, "New Person").id} <= ids
        assert find_owner(s, "Eve Other").id not in ids
        assert member(s, "slack", "29:j") is None  # platforms are kept apart


def test_channels_are_remembered_renamed_and_forgotten(engine):
    with write_session(engine) as s:
        remember_channel(
            s,
            channel_id="19:t@thread.tacv2",
            team_id="19:t@thread.tacv2",
            service_url="https://smba/",
            now=NOW,
            team_name="PMO",
        )
        remember_channel(
            s,
            channel_id="19:l@thread.tacv2",
            team_id="19:t@thread.tacv2",
            service_url="https://smba/",
            now=NOW,
            name="Leaders",
        )
    with write_session(engine) as s:
        remember_channel(
            s,
            channel_id="19:l@thread.tacv2",
            team_id="19:t@thread.tacv2",
            service_url="https://smba/",
            now=NOW,
            name="Leadership",
        )
        forget_channel(s, "19:t@thread.tacv2", now=NOW)
    with read_session(engine) as s:
        assert [c.name for c in teams_channels(s)] == ["Leadership"]
        assert teams_channel(s, "19:t@thread.tacv2") is None


def test_the_send_journal_is_idempotent(engine):
    with write_session(engine) as s:
        journal_sent(s, "nudge", 7, 0, "a:1", "111", now=NOW)
        journal_sent(s, "nudge", 7, 1, "a:1", "112", now=NOW)
    with write_session(engine) as s:
        journal_sent(s, "nudge", 7, 0, "a:1", "999", now=NOW)  # a repeat changes nothing
    with read_session(engine) as s:
        assert [(p.part, p.activity_id) for p in sent_parts(s, "nudge", 7)] == [
            (0, "111"),
            (1, "112"),
        ]
        assert sent_parts(s, "digest", 7) == []


def test_digest_of_500_actions_posts_to_teams_in_parts_under_the_limit(engine):
    import json
    import re

    from bench.synth import populate
    from bot.core.clock import FixedClock
    from bot.core.service import PlanService
    from bot.platforms.teams.notifier import TeamsNotifier
    from bot.platforms.teams.server import TeamsRuntime
    from bot.settings import Settings
    from jobs.digest_job import run_digest
    from tests.support.teams_bot import BOT_APP_ID
    from tests.support.teams_connector import TeamsConnectorStandIn
    from tests.test_slack_delivery import _db_status_counts

    info = populate(engine, actions=500, owners=100, themes=6, updates_per_action=3)
    channel = "19:leaders@thread.tacv2"
    service = PlanService(engine, FixedClock(datetime(2020, 6, 1, 9, 0, tzinfo=UTC)))
    settings = Settings(
        _env_file=None,
        teams_client_id=BOT_APP_ID,
        teams_allow_unauthenticated=True,
        teams_service_url_allow="http://127.0.0.1",
    )
    with TeamsConnectorStandIn() as bc:
        with write_session(engine) as s:
            remember_channel(
                s,
                channel_id=channel,
                team_id="19:t@thread.tacv2",
                service_url=bc.service_url,
                now=NOW,
                name="Leaders",
            )
        runtime = TeamsRuntime(settings, service, workers=1)
        try:
            notifier = TeamsNotifier(runtime.connector, service, runtime.people)
            report = run_digest(service, notifier, channels=[channel])
            assert not report.failures, report.failures
            posted = bc.sent_to(channel)
            assert len(posted) >= 2 and bc.errors == []  # split, none refused at 80 KB
            head = json.dumps(posted[0], ensure_ascii=False)
            for status, n in _db_status_counts(engine, info.plan_id).items():
                assert re.search(rf"{re.escape(status)} {n}\b", head), (status, n)
            assert "500 actions" in head
            again = run_digest(service, notifier, channels=[channel])
            assert not again.posted and len(bc.sent_to(channel)) == len(posted)
        finally:
            runtime.stop()

"""People sync (issue 12): the plan's people matched to Slack's members in bulk, through the
real client and the Slack stand-in (users.list at Slack's Tier 2, three pages of 2,500
members), with deactivated users, bots and near-miss emails; then what the sweep and
`people list --unmatched` make of it."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.core.clock import FixedClock
from bot.core.nudges import DEACTIVATED
from bot.core.people_admin import NO_TEAMS_CONVERSATION, unmatched
from bot.core.people_match import Member, PlanPerson, match_people
from bot.core.service import PlanService
from bot.platforms.slack.client import make_client
from bot.platforms.slack.notifier import SlackNotifier
from bot.platforms.slack.people import SlackDirectory, SlackPeople
from jobs.people_sync import run_people_sync
from jobs.sweep import run_sweep
from storage.engine import make_engine, read_session, write_session
from storage.migrate import upgrade
from storage.models import Owner, PeopleSync
from storage.people import upsert_person
from storage.people_sync import last_sync
from tests.support.cli_process import run_cli
from tests.support.slack_api import SlackStandIn
from tests.support.small_plan import load_small_plan

NOW = datetime(2019, 9, 16, 9, 0, tzinfo=UTC)  # Monday 10:00 in London
EXTRA = 400  # plan people besides the small plan's four
MEMBERS = 2_500


# -- matching on its own -----------------------------------------------------------------------


def test_matching_rules():
    people = [
        PlanPerson(1, "Ann Lee", "Ann.Lee@Trust.NHS.uk"),
        PlanPerson(2, "Bo Day", "bo.day@trust.nhs.uk"),
        PlanPerson(3, "Cy Fox", "cy.fox+plans@trust.nhs.uk"),
        PlanPerson(4, "Di Moss", "di@trust.nhs.uk"),
        PlanPerson(5, "Ed Hart", None),
        PlanPerson(6, "Flo Kim", "flo@trust.nhs.uk", chat_user_id="UFLO"),
        PlanPerson(7, "Gus Ray", "gus@trust.nhs.uk", chat_user_id="UGUSOLD"),
        PlanPerson(8, "Hal Orr", "hal@trust.nhs.uk"),
    ]
    members = [
        Member("UANN", "ann.lee@trust.nhs.uk", "Ann Lee"),  # case differs only
        Member("UBO", "bo.day@nhs.net", "Bo Day"),  # another domain
        Member("UCY", "cyfox@trust.nhs.uk", "Cy Fox"),  # dots and +tag
        Member("UDI", "di@trust.nhs.uk", "Di Moss", deactivated=True),
        Member("UED", "edward.hart@trust.nhs.uk", "Ed Hart"),  # same name, plan has no email
        Member("UFLO", "flo.kim@trust.nhs.uk", "Flo Kim"),  # matched earlier by id: kept
        Member("UGUSOLD", "gus.old@trust.nhs.uk", "Gus Ray", deactivated=True),
        Member("UHAL", "hal@trust.nhs.uk", "Hal bot", is_bot=True),  # bots never match
        Member("USLACKBOT", "hal@trust.nhs.uk", "Slackbot"),
    ]
    r = match_people(people, members)
    assert {(p.id, m.user_id) for p, m in r.matched} == {(1, "UANN"), (6, "UFLO")}
    assert {(p.id, m.user_id) for p, m in r.deactivated} == {(4, "UDI"), (7, "UGUSOLD")}
    assert [p.id for p in r.unmatched] == [2, 3, 8] and [p.id for p in r.no_email] == [5]
    why = {(n.person.id, n.member.user_id): n.why for n in r.near_misses}
    assert why[(2, "UBO")] == "same address at nhs.net instead of trust.nhs.uk"
    assert why[(3, "UCY")] == "same address but for dots, dashes or a +tag"
    assert why[(5, "UED")] == "same name, different email"
    assert not any(n.person.id == 8 for n in r.near_misses)  # a bot is not a look-alike
    assert (r.members, r.skipped_bots, r.skipped_deactivated) == (9, 2, 2)


# -- against the stand-in ----------------------------------------------------------------------


def _plan(engine) -> None:
    load_small_plan(engine)  # Alice, Julie, Pat, Eve
    with write_session(engine) as s:
        for i in range(EXTRA):
            upsert_person(s, f"Person {i}", email=f"Person.{i}@Trust.nhs.uk", now=NOW)


def _workspace(slack: SlackStandIn) -> None:
    """2,500 members: most plan people (emails in another case), Julie deactivated, Pat and
    ten others under nhs.net, Eve absent but a namesake present, bots, Slackbot, strangers."""
    slack.add_user("U0ALICE", email="ALICE@example.org", name="alice", real_name="Alice Smith")
    slack.add_user("U0JULIE", email="julie@example.org", name="julie", deleted=True)
    slack.add_user("U0PAT", email="pat@example.net", name="pat", real_name="Pat Admin")
    slack.add_user("U0EVE2", email="e.other@elsewhere.org", name="eve", real_name="Eve Other")
    slack.add_user("USLACKBOT", email="", name="slackbot", real_name="Slackbot")
    for i in range(EXTRA):
        if i < 10:
            email = f"person.{i}@trust.nhs.net"  # near miss: nhs.net for nhs.uk
        elif i < 20:
            continue  # not in the workspace at all
        else:
            email = f"person.{i}@trust.nhs.uk"
        slack.add_user(f"UP{i:05d}", email=email, name=f"person{i}", deleted=i == 20)
    slack.add_user("UBOT1", email="person.15@trust.nhs.uk", name="bot", is_bot=True)
    n = 0
    while len(slack.users) < MEMBERS:
        slack.add_user(f"UX{n:05d}", email=f"someone{n}@elsewhere.org", name=f"x{n}")
        n += 1


@pytest.fixture
def synced(engine):
    _plan(engine)
    with SlackStandIn() as slack:  # Slack's real tiers: users.list 20 a minute, burst 2
        _workspace(slack)
        service = PlanService(engine, FixedClock(NOW))
        client = make_client(slack.bot_token, slack.base_url)
        directory = SlackDirectory(client)
        report = run_people_sync(service, directory)
        yield engine, slack, service, client, directory, report


def _owner(engine, name) -> Owner:
    with read_session(engine) as s:
        return s.exec(select(Owner).where(Owner.name == name)).one()


def test_people_sync_against_2500_members_over_three_pages(synced):
    engine, slack, _, _, directory, report = synced
    lists = slack.calls_to("users.list")
    assert directory.pages == 3 and [c.params.get("limit") for c in lists if c.ok] == ["1000"] * 3
    # The third page came after Slack said wait: the client honoured Retry-After (3 s when
    # the first pages came at once; less when reading them took the machine a while).
    assert [c.status for c in lists] == [200, 200, 429, 200]
    assert lists[2].retry_after and lists[-1].time - lists[2].time >= lists[2].retry_after
    assert slack.calls_to("users.lookupByEmail") == [] and slack.calls_to("users.info") == []
    assert [c for c in slack.errors if c.status != 429] == []

    r = report.result
    assert r.members == MEMBERS and r.skipped_bots == 2  # UBOT1 and Slackbot
    # Alice (case-insensitive), Pat's near miss is not a match, Julie is deactivated.
    matched = {p.name: m.user_id for p, m in r.matched}
    assert matched["Alice Smith"] == "U0ALICE" and "Pat Admin" not in matched
    assert len(matched) == 1 + (EXTRA - 20 - 1)  # Alice + Person 21..399
    assert {p.name for p, _ in r.deactivated} == {"Julie Fellows", "Person 20"}
    assert {p.name for p in r.unmatched} == {"Pat Admin", "Eve Other"} | {
        f"Person {i}" for i in range(20)
    }
    near = {n.person.name: n for n in r.near_misses}
    assert near["Pat Admin"].member.user_id == "U0PAT" and "example.net" in near["Pat Admin"].why
    assert near["Person 3"].member.email == "person.3@trust.nhs.net"
    assert near["Eve Other"].why == "same name, different email"
    assert "Person 15" not in near  # the bot with Person 15's email is no look-alike
    assert report.newly_matched == len(matched)

    # Stored: user ids, the deactivated flag, emails nobody has, the run.
    assert _owner(engine, "Alice Smith").chat_user_id == "U0ALICE"
    assert _owner(engine, "Person 399").chat_user_id == "UP00399"
    julie = _owner(engine, "Julie Fellows")
    assert julie.chat_deactivated_at is not None and julie.chat_user_id == "U0JULIE"
    assert _owner(engine, "Person 12").chat_unmatched_email == "person.12@trust.nhs.uk"
    assert _owner(engine, "Pat Admin").chat_user_id is None
    run = last_sync(engine, "slack")
    assert (run.members, run.matched, run.deactivated, run.unmatched) == (MEMBERS, 380, 2, 22)
    assert any("nhs.net" in line for line in report.lines)
    assert any("Julie Fellows" in line and "deactivated" in line for line in report.lines)


def test_a_second_sync_changes_nothing_and_reports_the_same(synced):
    engine, slack, service, client, _, first = synced
    again = run_people_sync(service, SlackDirectory(client))
    assert again.newly_matched == 0
    assert len(again.result.matched) == len(first.result.matched)
    assert again.lines == first.lines
    with read_session(engine) as s:
        assert len(s.exec(select(PeopleSync)).all()) == 2


def test_deactivated_people_are_reported_not_nudged(synced):
    engine, slack, service, client, _, _ = synced
    slack.reset()
    notifier = SlackNotifier(client, service, SlackPeople(service, client))
    report = run_sweep(service, notifier, instance_id="t")
    assert {n.recipient.name for n in report.nudged} == {"Alice Smith"}
    assert {(s.who, s.why) for s in report.skipped if s.why == DEACTIVATED} >= {
        ("Julie Fellows", DEACTIVATED)
    }
    posts = slack.calls_to("chat.postMessage")
    assert [c.params["channel"] for c in posts] == ["U0ALICE"]  # first contact by user id
    assert (
        slack.calls_to("users.lookupByEmail") == [] and slack.calls_to("conversations.open") == []
    )
    assert not report.failures and slack.errors == []

    rows = {r.name: r for r in unmatched(engine, ("slack", "teams"))}
    assert rows["Julie Fellows"].unreachable["slack"].startswith("account deactivated")
    assert "nobody in the workspace has pat@example.org" in rows["Pat Admin"].unreachable["slack"]
    assert "slack" not in rows["Alice Smith"].unreachable  # in Slack, not yet in Teams
    assert rows["Alice Smith"].unreachable["teams"] == NO_TEAMS_CONVERSATION
    assert rows["Chief Finance Officer"].kind == "role"  # unheld roles still listed
    slack_only = {r.name for r in unmatched(engine, ("slack",))}
    assert "Alice Smith" not in slack_only and "Person 3" in slack_only


def test_a_list_that_fails_half_way_changes_nothing(engine):
    _plan(engine)
    with SlackStandIn(rate_limits={"users.list": (10, 10.0)}) as slack:
        _workspace(slack)
        service = PlanService(engine, FixedClock(NOW))
        client = make_client(slack.bot_token, slack.base_url)

        class FailsOnPageTwo:
            platform = "slack"

            def members(self):
                for i, m in enumerate(SlackDirectory(client).members()):
                    if i == 0:
                        slack.fail_next("users.list", status=200, error="internal_error")
                    yield m

        with pytest.raises(SlackApiError):
            run_people_sync(service, FailsOnPageTwo())
        assert len(slack.calls_to("users.list")) == 2
    assert _owner(engine, "Alice Smith").chat_user_id is None
    assert last_sync(engine, "slack") is None


def test_an_empty_member_list_changes_nothing(sqlite_engine):
    from jobs.people_sync import EmptyDirectory

    load_small_plan(sqlite_engine)
    with SlackStandIn() as slack:
        slack.add_user("USLACKBOT", email="", name="slackbot")
        client = make_client(slack.bot_token, slack.base_url)
        service = PlanService(sqlite_engine, FixedClock(NOW))
        with pytest.raises(EmptyDirectory, match="listed no people"):
            run_people_sync(service, SlackDirectory(client))
    assert last_sync(sqlite_engine, "slack") is None
    assert _owner(sqlite_engine, "Eve Other").chat_unmatched_email is None


def test_person_added_between_syncs_is_looked_up_once(engine):
    """The fall-back: users.lookupByEmail for someone the last sync did not see, once per
    email, hit or miss; the first message then goes by user id."""
    load_small_plan(engine)
    clock = FixedClock(NOW)
    service = PlanService(engine, clock)
    with SlackStandIn() as slack:
        slack.add_user("U0ALICE", email="alice@example.org", name="alice")
        client = make_client(slack.bot_token, slack.base_url)
        notifier = SlackNotifier(client, service, SlackPeople(service, client))
        report = run_sweep(service, notifier, instance_id="t")
        # Alice found by look-up; Julie not in the workspace: looked up once, then not again.
        assert {n.recipient.name for n in report.nudged} == {"Alice Smith"}
        looked = [c.params["email"] for c in slack.calls_to("users.lookupByEmail")]
        assert sorted(looked) == ["alice@example.org", "julie@example.org"]
        assert any("no Slack user" in e for _, e in report.failures)
        run_sweep(service, notifier, instance_id="t2")
        assert len(slack.calls_to("users.lookupByEmail")) == 2
        # A new email for Julie is worth one more look.
        with write_session(engine) as s:
            upsert_person(s, "Julie Fellows", email="j.fellows@example.org", now=NOW)
        slack.add_user("U0JULIE", email="j.fellows@example.org", name="julie")
        run_sweep(service, notifier, instance_id="t3")
        assert len(slack.calls_to("users.lookupByEmail")) == 3
        assert slack.calls_to("chat.postMessage")[-1].params["channel"] == "U0JULIE"
        assert slack.calls_to("conversations.open") == []


def test_people_sync_starts_first_in_the_scheduler(sqlite_engine):
    from jobs.scheduler import PEOPLE_SYNC_JOB, SWEEP_JOB, build_scheduler

    class NoMembers:
        platform = "slack"

        def members(self):
            return []

    service = PlanService(sqlite_engine, FixedClock(NOW))
    sched = build_scheduler(service, object(), directory=NoMembers())
    jobs = {j.id: j for j in sched.get_jobs()}
    assert jobs[PEOPLE_SYNC_JOB].trigger.interval.days == 1
    # pending jobs expose the next run time requested (the scheduler is not started)
    assert jobs[PEOPLE_SYNC_JOB].next_run_time < jobs[SWEEP_JOB].next_run_time
    assert PEOPLE_SYNC_JOB not in {j.id for j in build_scheduler(service, object()).get_jobs()}


# -- the command line --------------------------------------------------------------------------


def _cli(args, db, slack: SlackStandIn | None):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PLAN_NAME": "", "COLUMNS": "250"}
    for k in ("SLACK_BOT_TOKEN", "SLACK_API_BASE_URL", "SLACK_APP_TOKEN"):
        env.pop(k, None)
    if slack is not None:
        env.update(SLACK_BOT_TOKEN=slack.bot_token, SLACK_API_BASE_URL=slack.base_url)
    return run_cli(args, cwd=Path(__file__).resolve().parent.parent, env=env, timeout=120)


def test_people_sync_and_unmatched_from_the_command_line(tmp_path):
    db = tmp_path / "cli.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    load_small_plan(engine)
    engine.dispose()
    no_slack = _cli(["people", "sync"], db, None)
    assert no_slack.returncode == 1 and "SLACK_BOT_TOKEN" in no_slack.stderr
    with SlackStandIn() as slack:
        slack.add_user("U0ALICE", email="Alice@Example.org", name="alice", real_name="Alice Smith")
        slack.add_user("U0JULIE", email="julie@example.org", name="julie", deleted=True)
        slack.add_user("U0PAT", email="pat@example.net", name="pat", real_name="Pat Admin")
        dry = _cli(["people", "sync", "--dry-run", "--json"], db, slack)
        assert dry.returncode == 0, dry.stderr
        out = json.loads(dry.stdout)
        assert out["dry_run"] and out["matched"] == 1 and out["pages"] == 1
        text = _cli(["people", "sync"], db, slack)
        assert text.returncode == 0, text.stderr
        assert "matched 1 people (1 new)" in text.stdout
        assert "Julie Fellows <julie@example.org>: chat account deactivated" in text.stdout
        assert "Pat Admin: nobody in the workspace has pat@example.org" in text.stdout
        assert (
            "pat@example.net" in text.stdout and "example.net instead of example.org" in text.stdout
        )
        slack.fail_next("users.list", status=200, error="missing_scope")
        refused = _cli(["people", "sync"], db, slack)
        assert refused.returncode == 1
        assert "missing_scope: add the users:read and users:read.email scopes" in refused.stderr
    listed = _cli(
        ["people", "list", "--unmatched", "--platform", "teams", "--platform", "slack", "--json"],
        db,
        None,
    )
    assert listed.returncode == 0, listed.stderr
    why = {r["name"]: r.get("unreachable", {}) for r in json.loads(listed.stdout)}
    assert why["Alice Smith"] == {"teams": NO_TEAMS_CONVERSATION}
    assert why["Julie Fellows"]["slack"].startswith("account deactivated")
    table = _cli(["people", "list", "--unmatched", "--platform", "teams"], db, None)
    assert "Teams: no Teams conversation yet (app not installed for them)" in table.stdout
    wrong = _cli(["people", "list", "--platform", "irc"], db, None)
    assert wrong.returncode == 1 and "'irc' is not one of slack, teams" in wrong.stderr


def test_a_sync_never_moves_a_chat_user_another_person_holds(engine):
    """One Slack user, one person (issue 11, point 6): Alice was mapped to U0SHARED by an
    administrator; a member with that id whose email is Julie's does not move it to Julie,
    and the sync still completes for everyone else."""
    load_small_plan(engine)
    with write_session(engine) as s:
        alice = s.exec(select(Owner).where(Owner.name == "Alice Smith")).one()
        alice.chat_user_id = "U0SHARED"
        s.add(alice)
    with SlackStandIn() as slack:
        slack.add_user("U0SHARED", email="julie@example.org", name="julie?")
        client = make_client(slack.bot_token, slack.base_url)
        service = PlanService(engine, FixedClock(NOW))
        run_people_sync(service, SlackDirectory(client))
    assert _owner(engine, "Alice Smith").chat_user_id == "U0SHARED"
    assert _owner(engine, "Julie Fellows").chat_user_id is None
    assert last_sync(engine, "slack") is not None

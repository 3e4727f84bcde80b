"""Erasure is complete: after `people erase NAME --yes` nothing in either database, nor in the
logs written at DEBUG along the way, carries any identifier the person ever had; their Slack
and Teams accounts are treated as strangers; and `people set` adds them again as someone new
whose accounts work normally.

The person's footprint is made through the real paths: signed Slack requests into the bot,
Teams activities into its /api/messages with the Bot Connector stand-in answering, a sweep
that nudges them in Teams, and the command line (in-process, so its logs are captured too).
"""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import date

from sqlalchemy import inspect, select, text
from sqlmodel import select as sqlselect
from typer.testing import CliRunner

from bot.cli import app
from bot.core.owing import who_owes_what
from bot.log_privacy import install as install_log_privacy
from bot.platforms.slack.notifier import SlackNotifier
from bot.platforms.teams.notifier import TeamsNotifier
from handlers.replies import Nudge
from jobs.sweep import run_sweep
from storage.engine import read_session
from storage.models import ChatMember, Owner, Plan, ReassignRequest, Update
from storage.people_data import export_person
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    block_actions_body,
    button_action,
    command_body,
    event_body,
    message_im_event,
)
from tests.support.small_plan import load_small_plan
from tests.support.teams_bot import TeamsBotHarness, personal_conversation

TODAY = date(2019, 9, 16)
NAME, EMAIL = "Julie Fellows", "julie@example.org"
SLACK_ID = "U07JF2QX9LM"
# Teams identifiers as Teams writes them: a 29: user id, a GUID object id, a personal
# conversation "a:1…", and a user principal name that is not the email.
TEAMS_ID = "29:1qW3JfXy7Lk9ZpVbN2mTcR4sD6uH8eGa"
AAD = "5f0c2b7e-91d4-4c3a-a8e6-2d1f7b9c0e43"
UPN = "jfellows7@trust.onmicrosoft.com"
ALICE_SLACK = "U07AS9KD2PQ"


def _cli(engine, *args: str):
    """The command line, in this process (so its log lines reach caplog)."""
    url = engine.url.render_as_string(hide_password=False)
    env = {"DATABASE_URL": url, "PLAN_NAME": "", "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _stored_text(engine) -> str:
    """Every value in every column of every table the database has (found by inspection,
    not the models, so a table added elsewhere is searched too), as one text."""
    parts = []
    names = inspect(engine).get_table_names()
    with engine.connect() as conn:
        for table in names:
            q = engine.dialect.identifier_preparer.quote(table)
            for row in conn.execute(text(f"SELECT * FROM {q}")):
                parts.extend(str(v) for v in row if v is not None)
    assert "owner" in names and "chatmember" in names and "processedevent" in names
    return "\n".join(parts)


def _identifiers(slack_dm: str) -> dict[str, str]:
    return {
        "name": NAME,
        "email": EMAIL,
        "slack user id": SLACK_ID,
        "slack DM channel": slack_dm,
        "teams user id": TEAMS_ID,
        "teams user id (no prefix)": TEAMS_ID.split(":", 1)[1],
        "aad object id": AAD,
        "teams conversation id": personal_conversation(TEAMS_ID),
        "teams conversation id (no prefix)": personal_conversation(TEAMS_ID).split(":", 1)[1],
        "upn": UPN,
    }


def _slack_dm(bot, user: str, channel: str, words: str, *, expect: str = "") -> dict:
    before = len(bot.slack.messages.get(channel, []))
    bot.post(event_body(message_im_event(words, user=user, channel=channel)), content_type=JSON)
    msgs = bot.wait_for(
        lambda: (
            len(bot.slack.messages.get(channel, [])) > before
            and bot.slack.messages[channel][before:]
        ),
        what=f"the answer to {words!r}",
    )
    assert expect in json.dumps(msgs), msgs
    return msgs[-1]


def _slack_command(bot, user: str, words: str) -> str:
    url = bot.slack.new_response_url()
    bot.post(command_body(text=words, user_id=user, response_url=url), content_type=FORM)
    answers = bot.wait_for(
        lambda: [r for r in bot.slack.responses if r.get("response_url") == url] or None,
        what="the command's answer",
    )
    return json.dumps(answers)


def _teams_said(bot, conv: str, words: str, *, expect: str = "") -> str:
    before = len(bot.bc.sent_to(conv))
    assert bot.post(bot.message(TEAMS_ID, words))[0] == 200
    said = bot.wait_for(
        lambda: len(bot.bc.sent_to(conv)) > before and bot.bc.sent_to(conv)[before:],
        what=f"the Teams answer to {words!r}",
    )
    assert expect in json.dumps(said), said
    return json.dumps(said)


def _people_updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(sqlselect(Update).where(Update.source != "import").order_by(Update.id)))


def test_erasure_leaves_no_trace_and_the_person_can_come_back(engine, caplog, tmp_path):
    install_log_privacy()  # as every `progressbot` process does when it starts
    caplog.set_level(logging.DEBUG)
    load_small_plan(engine)
    with read_session(engine) as s:
        assert s.exec(sqlselect(Plan)).one().readers == "members"
    with (
        SlackBotHarness(engine, TODAY) as slack,
        TeamsBotHarness(engine, TODAY) as teams,
    ):
        slack.slack.add_user(SLACK_ID, email=EMAIL, name="julie", real_name=NAME)
        slack.slack.add_user(ALICE_SLACK, email="alice@example.org", name="alice")
        teams.bc.add_member(TEAMS_ID, email=EMAIL, name=NAME, upn=UPN, aad=AAD)
        dm, alice_dm = slack.slack.dm_channel_id(SLACK_ID), slack.slack.dm_channel_id(ALICE_SLACK)
        ids = _identifiers(dm)

        # -- her footprint, through the real paths -------------------------------------------
        conv = personal_conversation(TEAMS_ID)
        assert teams.post(teams.install(TEAMS_ID))[0] == 200
        teams.wait_for(lambda: teams.bc.sent_to(conv), what="the welcome")
        notifier = TeamsNotifier(teams.runtime.connector, teams.service, teams.runtime.people)
        swept = run_sweep(teams.service, notifier, instance_id="test")
        assert NAME not in [who for who, _ in swept.failures]
        assert any("need an update" in a.get("text", "") for a in teams.bc.sent_to(conv))
        # A nudge in Slack (the DM channel is stored) and a click on its button.
        snap = slack.service.snapshot()
        owed = who_owes_what(snap, TODAY)
        julie = next(p for p in owed if p.name == NAME)
        sent = SlackNotifier(slack.app.client, slack.service, slack.people).send_nudge(
            julie, Nudge(julie, tuple(owed[julie]), TODAY), claim_id=1
        )
        blocks = slack.slack.messages[sent.channel][-1]["blocks"]
        row = next(b for b in blocks if str(b.get("block_id", "")).startswith("act:"))
        btn = next(e for e in row["elements"] if e["action_id"] == "status:on_track")
        click = block_actions_body(
            actions=[button_action(btn["action_id"], btn["value"], block_id=row["block_id"])],
            user_id=SLACK_ID,
            channel_id=sent.channel,
            message_ts=sent.message_ts,
            message={"ts": sent.message_ts, "blocks": blocks, "text": "nudge"},
            response_url=slack.slack.new_response_url(),
        )
        assert slack.post(click, content_type=FORM)[0] == 200
        slack.wait_for(lambda: len(_people_updates(engine)) == 1, what="the click's update")
        _slack_dm(slack, SLACK_ID, dm, f"L2 on track: ring me, {EMAIL} or <@{SLACK_ID}>")
        # Words with no status in them: the bot asks, and keeps them waiting (pending words).
        _slack_dm(slack, SLACK_ID, dm, "L2: one more meeting with the panel")
        _slack_dm(slack, SLACK_ID, dm, "L3 is no longer mine, ask Pat", expect="")
        _slack_dm(
            slack, ALICE_SLACK, alice_dm, f"L1 on track: waiting for {NAME} ({EMAIL}, {SLACK_ID})"
        )
        _teams_said(teams, conv, f"C1 on track: Teams note ({AAD})", expect="Stored")
        _teams_said(teams, conv, "delayed, waiting on estates", expect="")

        # Export has everything erasure is about to remove, and is readable by its owner only.
        out = tmp_path / "julie.json"
        _cli(engine, "people", "export", NAME, "-o", str(out))
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        exported = json.loads(out.read_text())
        [member] = exported["chat_members"]
        assert member["user_id"] == TEAMS_ID and member["aad_object_id"] == AAD
        assert member["conversation_id"] == conv and member["email"] == EMAIL
        assert [r["text"] for r in exported["reassign_requests"]] == [
            "L3 is no longer mine, ask Pat"
        ]
        assert any("one more meeting" in p["text"] for p in exported["pending_words"])
        assert exported["profile"]["chat_user_id"] == SLACK_ID

        before = {u.id: (u.status, u.action_id) for u in _people_updates(engine)}
        assert len(before) == 5
        stored = _stored_text(engine)
        for what, value in ids.items():
            # The UPN is kept only when Teams gives no email (test_teams_upn_only_account).
            if what != "upn":
                assert value in stored, f"the journey should have stored the {what}"

        # -- erase -------------------------------------------------------------------------
        said = _cli(engine, "people", "erase", NAME, "--yes", "--json")
        assert json.loads(said)["person"].startswith("Former member of staff")
        stored = _stored_text(engine)
        for what, value in ids.items():
            assert value.casefold() not in stored.casefold(), f"the {what} is still stored"
        assert any(r.levelno == logging.DEBUG for r in caplog.records)
        leaks = [
            (what, r.name, r.getMessage()[:300])
            for r in caplog.records
            for what, value in ids.items()
            if value.casefold() in r.getMessage().casefold()
        ]
        assert leaks == [], "\n".join(map(str, leaks))
        # The plan's history stays: the same updates, written by a former member of staff.
        after = {u.id: (u.status, u.action_id) for u in _people_updates(engine)}
        assert after == before
        reqs = _cli(engine, "people", "requests", "--json")
        assert NAME not in reqs and len(json.loads(reqs)) == 1

        # -- her accounts are strangers now ----------------------------------------------------
        stranger = "can't match you"
        _slack_dm(slack, SLACK_ID, dm, "L2 completed", expect="Nothing was stored")
        answer = _slack_command(slack, SLACK_ID, "L2")
        assert stranger in answer and "coaching offer" not in answer
        _teams_said(teams, conv, "L2 completed", expect="Nothing was stored")
        answer = _teams_said(teams, conv, "L2", expect=stranger)
        assert "coaching offer" not in answer and "Former member" not in answer
        assert len(_people_updates(engine)) == len(before)  # nothing stored for her

        # -- added again, as someone new, whose accounts work -----------------------------------
        _cli(engine, "people", "set", NAME, "--email", EMAIL, "--role", "Chief Finance Officer")
        _slack_dm(slack, SLACK_ID, dm, "C2 on track: back again", expect="Stored")
        _teams_said(teams, conv, "C2 delayed: from Teams", expect="Stored")
    with read_session(engine) as s:
        julie = s.exec(sqlselect(Owner).where(Owner.name == NAME)).one()
        new = list(s.exec(sqlselect(Update).where(Update.author_owner_id == julie.id)))
        assert sorted(u.commentary for u in new) == ["back again", "from Teams"]
        assert all(u.author_name == NAME for u in new)
        row = s.exec(sqlselect(ChatMember).where(ChatMember.user_id == TEAMS_ID)).one()
        assert row.owner_id == julie.id
        assert len(list(s.exec(select(ReassignRequest)))) == 1


def _run_0012(engine) -> None:
    """Migration 0012's data step, as alembic runs it, on this database."""
    import importlib.util
    from pathlib import Path

    import storage

    path = Path(storage.__file__).parent / "migrations/versions/0012_hash_chat_event_ids.py"
    spec = importlib.util.spec_from_file_location("m0012", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with engine.begin() as conn:
        module._rehash(conn, "processedevent", "event_id", "event_id")
        module._rehash(conn, "update", "external_id", "id")
        module._rehash(conn, "reassignrequest", "external_id", "id")


def _hashes_old_ids(url: str) -> None:
    from datetime import UTC, datetime

    from storage.chat import event_key, first_delivery
    from storage.engine import make_engine, write_session
    from storage.migrate import upgrade
    from storage.updates import NewUpdate, append_update

    engine = make_engine(url)
    # The plan is loaded through today's models (later migrations add columns to it), then
    # ids are written the way they were stored before 0012 and 0012's own step is run on them.
    upgrade(engine)
    load_small_plan(engine)
    raw = f"slack:msg:D678C3471E5:1568628000.000100:{SLACK_ID}"
    now = datetime(2019, 9, 16, 10, tzinfo=UTC)
    with engine.begin() as conn:
        action_id = conn.execute(text("SELECT id FROM action WHERE ref = 'L2'")).scalar()
        plan_id = conn.execute(text("SELECT id FROM plan")).scalar()
        conn.execute(
            text(
                'INSERT INTO "update" (plan_id, action_id, author_name, status, commentary,'
                " source, external_id, created_at) VALUES (:p, :a, 'x', 'On track', 'fine',"
                " 'reply', :e, :n)"
            ),
            {"p": plan_id, "a": action_id, "e": raw, "n": now},
        )
        conn.execute(
            text("INSERT INTO processedevent (event_id, received_at) VALUES (:e, :n)"),
            {"e": f"teams:{personal_conversation(TEAMS_ID)}:f:1", "n": now},
        )
        imported = conn.execute(
            text("SELECT external_id FROM \"update\" WHERE source = 'import'")
        ).scalar()
    _run_0012(engine)
    stored = _stored_text(engine)
    assert SLACK_ID not in stored and "D678C3471E5" not in stored
    assert personal_conversation(TEAMS_ID) not in stored
    assert event_key(raw) in stored and imported in stored  # import fingerprints as they were
    with write_session(engine) as s:
        # The same events are still recognised when delivered again.
        again = NewUpdate(action_id, "On track", "fine", "reply", external_id=raw)
        assert append_update(s, again, now=now)[1] is False
        key = f"teams:{personal_conversation(TEAMS_ID)}:f:1"
        assert first_delivery(s, key, now=now) is False
    engine.dispose()


def test_migration_hashes_stored_event_ids_sqlite(tmp_path):
    _hashes_old_ids(f"sqlite:///{tmp_path / 'old.db'}")


def test_migration_hashes_stored_event_ids_postgresql(pg_server):
    _hashes_old_ids(pg_server.create_database(f"hash_ids_{os.getpid()}"))


def test_teams_upn_only_account_is_erased_too(engine, caplog):
    """An account Teams gives no email for is known by its user principal name: that is
    matched, stored, exported and erased like an email."""
    install_log_privacy()  # as every `progressbot` process does when it starts
    caplog.set_level(logging.DEBUG)
    load_small_plan(engine)
    sam, upn = "29:1SgT7vB0nQw2ErTy5UiOp", "sguest4@trust.onmicrosoft.com"
    aad = "b3e1d9a4-07c2-4f5e-9d6b-8a2c4e1f7d30"
    _cli(engine, "people", "set", "Sam Guest", "--email", upn, "--role", "Chief Finance Officer")
    with TeamsBotHarness(engine, TODAY) as teams:
        teams.bc.add_member(sam, email=None, name="Sam Guest", upn=upn, aad=aad)
        conv = personal_conversation(sam)
        assert teams.post(teams.install(sam))[0] == 200
        teams.wait_for(lambda: teams.bc.sent_to(conv), what="the welcome")
        assert teams.post(teams.message(sam, "C2 on track: sguest4 here"))[0] == 200
        teams.wait_for(lambda: _people_updates(engine), what="Sam's update")
        with read_session(engine) as s:
            owner = s.exec(sqlselect(Owner).where(Owner.name == "Sam Guest")).one()
            data = export_person(s, owner)
        assert [m["email"] for m in data["chat_members"]] == [upn]
        _cli(engine, "people", "erase", "Sam Guest", "--yes")
        stored = _stored_text(engine).casefold()
        logged = "\n".join(r.getMessage() for r in caplog.records).casefold()
        for value in ("Sam Guest", upn, sam, sam[3:], aad, conv, conv[2:]):
            assert value.casefold() not in stored, value
            assert value.casefold() not in logged, [
                (r.name, r.getMessage()[:300])
                for r in caplog.records
                if value.casefold() in r.getMessage().casefold()
            ]
        assert [u.author_name for u in _people_updates(engine)] == ["former member of staff"]


def test_names_found_in_any_case_and_as_json(engine):
    """Another person's words name them in a different case; the audit trail holds the name
    JSON-escaped (non-ASCII letters as \\u escapes): all of it goes."""
    from datetime import UTC, datetime

    from bot.core.clock import FixedClock
    from bot.core.people_admin import set_person
    from bot.core.service import PlanService
    from storage.audit import record
    from storage.engine import write_session
    from storage.people import find_owner
    from storage.people_data import erase_person

    load_small_plan(engine)
    clock = FixedClock(datetime(2019, 9, 16, 10, tzinfo=UTC))
    name = "Zoë Ørsted-Núñez"
    set_person(engine, clock, name, email="zoe@example.org", role="Chief Finance Officer")
    with write_session(engine) as s:
        # An entry about someone else that names them in its details (stored as JSON).
        record(s, actor="Pat Admin", action="people.set", subject="Eve", now=clock.now(), was=name)
    assert "\\u00eb" in _stored_text(engine)
    service = PlanService(engine, clock)
    alice = service.actor_for_name("Alice Smith")
    for ref, words in (
        ("L1", "waiting for ZOË ØRSTED-NÚÑEZ"),
        ("C1", "with Zoë Ørsted-núñez (ZOE@EXAMPLE.ORG)"),
    ):
        service.record_update(alice, ref, status="On track", commentary=words, source="form")
    with write_session(engine) as s:
        erase_person(s, find_owner(s, name), now=clock.now())
    stored = _stored_text(engine).casefold()
    for value in (name, "zoe@example.org", json.dumps(name)[1:-1]):
        assert value.casefold() not in stored, value
    with read_session(engine) as s:
        mine = s.exec(sqlselect(Update).where(Update.author_name == "Alice Smith")).all()
    assert sorted(u.commentary for u in mine) == [
        "waiting for former member of staff",
        "with former member of staff ([erased])",
    ]

"""People's data: export everything stored about a person, erase it keeping the plan's
history, the audit trail of administrative changes, and logs free of bodies and emails."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect, text
from sqlmodel import select as sqlselect

from bot.core.clock import FixedClock
from bot.core.people_admin import set_person
from bot.core.service import PlanService
from handlers.update import handle_status
from storage.audit import entries
from storage.chat import remember_conversation
from storage.engine import read_session, write_session
from storage.models import NudgeItem, NudgeMessage, Plan, Theme, Update
from storage.people import find_owner
from storage.people_data import FORMER, erase_person, export_person
from tests.support.cli_process import run_cli
from tests.support.small_plan import load_small_plan

NOON = datetime(2019, 9, 16, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent
JULIE = ("Julie Fellows", "julie@example.org", "U0JULIE")


def _history(engine) -> PlanService:
    """Julie with something in every table that can hold her data."""
    load_small_plan(engine)
    clock = FixedClock(NOON)
    service = PlanService(engine, clock)
    service.actor_for_chat_user("U0JULIE", email="julie@example.org")
    set_person(engine, clock, "Julie Fellows", role="Wellbeing Champion", by="Pat Admin")
    with write_session(engine) as s:
        plan = s.exec(sqlselect(Plan)).one()
        plan.signoff_required = True
        alice = find_owner(s, "Alice Smith")
        for t in s.exec(sqlselect(Theme)):
            t.lead_owner_id = alice.id if t.name == "Leadership" else find_owner(s, JULIE[0]).id
            s.add(t)
        julie = find_owner(s, JULIE[0])
        remember_conversation(s, "slack", julie.id, "DJULIE1", now=NOON, reference='{"u":1}')
        nudge = NudgeMessage(
            plan_id=plan.id,
            person_id=julie.id,
            day=date(2019, 9, 16),
            state="sent",
            lease_until=NOON,
            channel="DJULIE1",
            message_ts="1.2",
            created_at=NOON,
            sent_at=NOON,
        )
        s.add(nudge)
        s.flush()
        l2 = s.exec(sqlselect(Update.action_id)).first()
        s.add(NudgeItem(nudge_id=nudge.id, action_id=l2, window_key="overdue:1", reason="overdue"))
    julie_actor = service.actor_for_name(JULIE[0])
    eve = service.actor_for_name("Eve Other").person
    service.set_away(julie_actor.person, date(2019, 9, 20), eve)
    done = handle_status(
        service, julie_actor, "L2", "Completed", commentary="published", source="form"
    )
    alice = service.actor_for_name("Alice Smith")
    service.decide_signoff(
        alice, done.signoff.id, confirm=False, comment="Julie Fellows: attach it"
    )
    handle_status(service, alice, "L1", "On track", commentary="with Julie Fellows", source="form")
    return service


def test_export_has_everything_about_the_person(engine):
    _history(engine)
    with read_session(engine) as s:
        data = export_person(s, find_owner(s, JULIE[0]))
    assert data["profile"]["email"] == "julie@example.org"
    assert data["profile"]["chat_user_id"] == "U0JULIE"
    assert [r["role"] for r in data["roles"]] == ["Wellbeing Champion"]
    assert {a["ref"] for a in data["actions_owned"]} == {"L2", "L3", "C1"}
    assert data["theme_lead_of"] == [{"plan": "Small plan", "theme": "Culture"}]
    assert [(u["ref"], u["status"], u["commentary"]) for u in data["updates_written"]] == [
        ("L2", "Completed", "published")
    ]
    [signoff] = data["signoffs"]
    assert signoff["as"] == "owner" and signoff["decision"] == "returned"
    assert data["nudges_sent"][0]["channel"] == "DJULIE1"
    assert data["nudges_sent"][0]["actions"][0]["reason"] == "overdue"
    assert data["absences"][0]["deputy"] == "Eve Other"
    assert data["chat_conversations"][0]["conversation_id"] == "DJULIE1"
    assert [a["action"] for a in data["audit"]] == ["people.set"]
    json.dumps(data)  # all of it is JSON


def _every_text_value(engine) -> str:
    """Every value in every column of every table the database has (by inspection, so a
    table or column the models do not list is searched too), as one text."""
    parts = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            q = engine.dialect.identifier_preparer.quote(table)
            for row in conn.execute(text(f"SELECT * FROM {q}")):
                parts.extend(str(v) for v in row if v is not None)
    return "\n".join(parts)


def test_erase_removes_personal_data_and_keeps_history(engine):
    _history(engine)
    with read_session(engine) as s:
        before = len(list(s.exec(sqlselect(Update))))
    assert JULIE[1] in _every_text_value(engine)
    with write_session(engine) as s:
        result = erase_person(s, find_owner(s, JULIE[0]), now=NOON + timedelta(hours=1))
    assert result["actions_still_owned"] == 3 and result["theme_leads_cleared"] == ["Culture"]
    assert result["absences_deleted"] == 1 and result["chat_conversations_deleted"] == 1
    stored = _every_text_value(engine)
    for secret in JULIE + ("DJULIE1",):
        assert secret not in stored, secret
    with read_session(engine) as s:
        updates = list(s.exec(sqlselect(Update).order_by(Update.id)))
        assert len(updates) == before  # the plan's history is kept
        mine = [u for u in updates if u.commentary == "published"]
        assert [u.author_name for u in mine] == [FORMER]
        assert any(u.commentary == f"with {FORMER}" for u in updates)
        row = find_owner(s, result["person"])
        assert row.erased_at is not None and row.email is None and row.chat_user_id is None
        assert entries(s)  # audit entries stay, redacted
    # The snapshot (what digests and reports read) shows the former member.
    snap = PlanService(engine, FixedClock(NOON)).snapshot()
    l2 = next(a for a in snap.actions if a.ref == "L2")
    assert [o.name for o in l2.owners] == [result["person"]]
    # Erasing twice is refused, clearly.
    with write_session(engine) as s:
        try:
            erase_person(s, find_owner(s, result["person"]), now=NOON)
        except ValueError as exc:
            assert "already erased" in str(exc)
        else:
            raise AssertionError("a second erase was accepted")


def _cli(args, db, check=True):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PLAN_NAME": "", "COLUMNS": "200"}
    env.pop("SLACK_BOT_TOKEN", None)
    proc = run_cli(args, cwd=ROOT, env=env)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_export_erase_and_audit(tmp_path):
    from storage.engine import make_engine
    from storage.migrate import upgrade

    db = tmp_path / "p.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    _history(engine)
    engine.dispose()
    exported = json.loads(_cli(["people", "export", "Julie Fellows"], db).stdout)
    assert exported["profile"]["email"] == "julie@example.org" and exported["updates_written"]
    out = tmp_path / "julie.json"
    _cli(["people", "export", "julie fellows", "-o", str(out)], db)
    assert json.loads(out.read_text())["profile"]["name"] == "Julie Fellows"
    refused = _cli(["people", "erase", "Julie Fellows"], db, check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _cli(["people", "erase", "Nobody Here", "--yes"], db, check=False).returncode == 1
    done = json.loads(_cli(["people", "erase", "Julie Fellows", "--yes", "--json"], db).stdout)
    assert done["person"].startswith("Former member of staff")
    _cli(["plan", "set", "--readers", "workspace"], db)
    bad = _cli(["plan", "set", "--readers", "everyone"], db, check=False)
    assert bad.returncode == 1 and "--readers" in bad.stderr
    audit = json.loads(_cli(["audit", "--json"], db).stdout)
    actions = [a["action"] for a in audit]
    assert actions == ["people.set", "people.export", "people.export", "people.erase", "plan.set"]
    assert audit[-1]["details"]["after"] == {"readers": "workspace"}
    assert all("Julie" not in json.dumps(a) for a in audit)
    assert audit[3]["actor"].startswith("command line")


def test_debug_logs_carry_no_bodies_or_emails(sqlite_engine, caplog):
    """A Slack journey at DEBUG: message text, form commentary and emails stay out of the log."""
    from tests.support.slack_bot import SlackBotHarness
    from tests.support.slack_signing import (
        FORM,
        JSON,
        command_body,
        event_body,
        message_im_event,
    )

    load_small_plan(sqlite_engine)
    secret_words = "zebra-confidential-remark"
    caplog.set_level(logging.DEBUG)
    with SlackBotHarness(sqlite_engine, date(2019, 9, 16)) as bot:
        bot.slack.add_user("U0JULIE", email="julie@example.org", name="julie", real_name="Julie F")
        dm = bot.slack.dm_channel_id("U0JULIE")
        bot.post(
            event_body(
                message_im_event(f"L2 on track: {secret_words}", user="U0JULIE", channel=dm)
            ),
            content_type=JSON,
        )
        bot.wait_for(lambda: bot.slack.messages.get(dm), what="the confirmation")
        url = bot.slack.new_response_url()
        bot.post(command_body(text="L2", user_id="U0JULIE", response_url=url), content_type=FORM)
        bot.wait_for(lambda: bot.slack.responses, what="the answer")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was on
    assert "slack.com/api" in text or "chat.postMessage" in text  # the libraries did log
    assert secret_words not in text
    assert "@example.org" not in text
    with read_session(sqlite_engine) as s:
        assert s.exec(sqlselect(Update).where(Update.commentary == secret_words)).first()

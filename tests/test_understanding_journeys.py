"""Understanding, end to end on every platform: a reply naming several actions with different
statuses is stored one reading per action; a question is answered and its words are never
stored (nor carried into the next update); undo takes back the last update; the read-back
says what was stored. Console through the conversation core (SQLite and PostgreSQL), Slack
through signed HTTP into the bot and its Web API calls to the stand-in, Teams through
activities posted to /api/messages and the Bot Connector stand-in."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from handlers.conversation import Conversation
from handlers.replies import ActionList, Notice, UpdatesStored
from storage.engine import read_session
from storage.models import AuditEntry, Update
from tests.support.slack_bot import SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    block_actions_body,
    button_action,
    event_body,
    message_im_event,
)
from tests.support.small_plan import load_small_plan, small_service
from tests.support.teams_bot import TeamsBotHarness, personal_conversation

TODAY = date(2019, 9, 16)


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import").order_by(Update.id)))


def _action(service, ref):
    return service.find_action(service.snapshot(), ref)


# -- console (the conversation core), both databases ------------------------------------------
def test_console_several_actions_question_then_update_and_undo(engine):
    service = small_service(engine, TODAY)
    julie = service.actor_for_name("Julie Fellows")
    conv = Conversation(service)
    l2, c1 = _action(service, "L2"), _action(service, "C1")

    reply = conv.handle(
        julie, "L2 done. C1: delayed to March, the panel has not met", platform="console"
    )
    assert isinstance(reply, UpdatesStored) and reply.asking is None
    rows = [(u.action_id, u.status, u.commentary, u.revised_due) for u in _updates(engine)]
    assert rows == [
        (l2.id, "Completed", "", None),
        (c1.id, "Delayed", "delayed to March, the panel has not met", date(2020, 3, 31)),
    ]
    # The read-back names each action with what was stored, the revised date with its year.
    assert "L2: Completed" in reply.text and "C1: Delayed, due 31 Mar 2020" in reply.text

    # A question is answered from the plan and stores nothing ...
    asked = conv.handle(julie, "when is C1 due?", platform="console")
    assert isinstance(asked, ActionList) and "31 Mar 2020" in asked.title
    assert len(_updates(engine)) == 2
    # ... and is not carried into the next update.
    conv.handle(julie, "C1 on track: panel booked for 12 March", platform="console")
    last = _updates(engine)[-1]
    assert (last.action_id, last.status, last.commentary) == (
        c1.id,
        "On track",
        "panel booked for 12 March",
    )

    # Chit-chat is acknowledged, nothing stored, nothing asked.
    ack = conv.handle(julie, "thanks!", platform="console")
    assert isinstance(ack, Notice) and conv.pending("console", f"owner:{julie.person.id}") is None
    assert len(_updates(engine)) == 3

    # Undo takes back the last update: C1 is Delayed again, due 31 March 2020 again.
    undone = conv.handle(julie, "undo", platform="console")
    assert isinstance(undone, Notice) and "Undone" in undone.text and "C1" in undone.text
    c1_now = _action(service, "C1")
    assert c1_now.status == "Delayed"
    # then the one before: C1's Delayed (and its deadline) goes too
    conv.handle(julie, "undo", platform="console")
    c1_now = _action(service, "C1")
    assert c1_now.due_date != date(2020, 3, 31) and c1_now.status != "Delayed"
    history = _updates(engine)
    assert [u.source for u in history].count("undo") == 2  # append-only: nothing deleted
    with read_session(engine) as s:
        audited = list(s.exec(select(AuditEntry).where(AuditEntry.action == "undo update")))
    assert len(audited) == 2


def test_console_unreadable_part_is_asked_not_guessed(engine):
    service = small_service(engine, TODAY)
    julie = service.actor_for_name("Julie Fellows")
    conv = Conversation(service)
    l2, c1 = _action(service, "L2"), _action(service, "C1")
    reply = conv.handle(julie, "L2 on track, C1 see attached note", platform="console")
    # L2 is stored; C1 is asked about, never given L2's status.
    assert isinstance(reply, UpdatesStored)
    assert [s.action.id for s in reply.stored] == [l2.id]
    assert reply.asking is not None and reply.asking.action.id == c1.id
    assert [(u.action_id, u.status) for u in _updates(engine)] == [(l2.id, "On track")]
    # The answer to the question stores C1 with its own words.
    conv.handle(julie, "ongoing", platform="console")
    last = _updates(engine)[-1]
    assert (last.action_id, last.status, last.commentary) == (c1.id, "Ongoing", "see attached note")


# -- Slack ------------------------------------------------------------------------------------
SLACK_USERS = {"U0JULIE": ("julie@example.org", "Julie Fellows")}


@pytest.fixture
def slack(sqlite_engine):
    load_small_plan(sqlite_engine)
    with SlackBotHarness(sqlite_engine, TODAY) as h:
        for uid, (email, name) in SLACK_USERS.items():
            h.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
        yield h
    assert h.slack.errors == [], [(c.method, c.error) for c in h.slack.errors]


def _dm(bot, text: str) -> None:
    event = event_body(message_im_event(text, user="U0JULIE", channel="D0JULIE"))
    assert bot.post(event, content_type=JSON)[0] == 200


def _posts(bot) -> list:
    return bot.slack.calls_to("chat.postMessage")


def test_slack_several_actions_question_undo(slack):
    bot = slack
    l2, c1 = _action(bot.service, "L2"), _action(bot.service, "C1")
    _dm(bot, "L2 done, C1 on track: panel met")
    posted = bot.wait_for(lambda: _posts(bot), what="the read-back")[-1]
    assert [(u.action_id, u.status, u.commentary) for u in _updates(bot.engine)] == [
        (l2.id, "Completed", ""),
        (c1.id, "On track", "panel met"),
    ]
    blocks = json.dumps(posted.params["blocks"])
    assert "L2" in blocks and "C1" in blocks and "undo_update" in blocks

    _dm(bot, "who owns L2?")
    answer = bot.wait_for(lambda: _posts(bot)[1:], what="the answer")[-1]
    assert "Julie Fellows" in json.dumps(answer.params["blocks"])
    assert len(_updates(bot.engine)) == 2

    url = bot.slack.new_response_url()
    undo = block_actions_body(
        actions=[button_action("undo_update", "{}", block_id="undo")],
        user_id="U0JULIE",
        response_url=url,
    )
    assert bot.post(undo, content_type=FORM)[0] == 200
    told = bot.wait_for(
        lambda: [r for r in bot.slack.responses if r["response_url"] == url], what="the undo"
    )
    assert "Undone" in told[-1]["text"]
    assert _action(bot.service, "C1").status != "On track"
    assert [u.source for u in _updates(bot.engine)][-1] == "undo"


# -- Teams ------------------------------------------------------------------------------------
@pytest.fixture
def teams(sqlite_engine):
    load_small_plan(sqlite_engine)
    with TeamsBotHarness(sqlite_engine, TODAY) as h:
        h.bc.add_member("29:julie", email="julie@example.org", name="Julie Fellows")
        yield h
    assert h.bc.errors == [], [(c.method, c.path, c.error) for c in h.bc.errors]


def test_teams_several_actions_question_undo(teams):
    bot = teams
    conv = personal_conversation("29:julie")
    assert bot.post(bot.install("29:julie"))[0] == 200
    bot.wait_for(lambda: bot.bc.sent_to(conv), what="the welcome")
    l2, c1 = _action(bot.service, "L2"), _action(bot.service, "C1")
    assert bot.post(bot.message("29:julie", "L2 done, C1 delayed until the autumn"))[0] == 200
    bot.wait_for(lambda: len(_updates(bot.engine)) == 2, what="two updates")
    assert [(u.action_id, u.status, u.revised_due) for u in _updates(bot.engine)] == [
        (l2.id, "Completed", None),
        (c1.id, "Delayed", date(2019, 11, 30)),
    ]
    sent = bot.wait_for(
        lambda: [a for a in bot.bc.sent_to(conv) if "undo" in json.dumps(a)], what="read-back"
    )
    assert "30 Nov 2019" in json.dumps(sent[-1])

    before = len(bot.bc.sent_to(conv))
    assert bot.post(bot.message("29:julie", "is L2 mine?"))[0] == 200
    answer = bot.wait_for(lambda: bot.bc.sent_to(conv)[before:], what="the answer")
    assert "yours" in json.dumps(answer[-1])
    assert len(_updates(bot.engine)) == 2

    status, body = bot.post(bot.execute("29:julie", {"k": "undo"}))
    assert status == 200
    bot.wait_for(lambda: len(_updates(bot.engine)) == 3, what="the undo")
    assert _updates(bot.engine)[-1].source == "undo"
    assert _action(bot.service, "C1").due_date != date(2019, 11, 30)

"""Someone who may not read the plan (readers=members, the default; a chat account matched to
nobody in it) learns nothing of it from any answer, over real HTTP into the bot, on SQLite and
PostgreSQL: an update-shaped line naming a reference, a forged pick, status or form button
carrying an action id, a query whose error would list the themes, a Teams card action. Each
gets the one read refusal, word for word the same whether the reference or id exists or not,
and nothing is stored. A Teams nudge card id that is someone else's nudge does not bring that
nudge back. And `due soon 99999999999` gets a plain answer in both chats (it raised
OverflowError).
"""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest
from sqlmodel import select

from bot.platforms.teams.notifier import TeamsNotifier
from jobs.sweep import run_sweep
from storage.engine import read_session
from storage.models import Action, NudgeMessage, Update
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
from tests.support.teams_signing import TeamsSigningKey

TODAY = date(2019, 9, 16)
# What a non-reader must never see: every action's text and reference, every theme's name.
PLAN_WORDS = (
    "Run leadership workshops",
    "Publish the coaching offer",
    "Appraisal refresh",
    "Staff recognition scheme",
    "Wellbeing working group",
    "Leadership",
    "Culture",
    "Grow leaders",
    "Julie",
    "Alice",
)
REFS = ("L1", "L2", "L3", "C1", "C2")
# Update-shaped lines: named references that exist, and the same shapes naming none.
LINES = ["L2 hello", "G3 hello", "L2 xyzzy plugh", "C2 done", "Z9 done", "L2 and C1 on track"]


def _ids(engine) -> dict[str, int]:
    with read_session(engine) as s:
        return {a.ref: a.id for a in s.exec(select(Action))}


def _updates(engine) -> list[Update]:
    with read_session(engine) as s:
        return list(s.exec(select(Update).where(Update.source != "import")))


def _leaks(text: str) -> list[str]:
    found = [w for w in PLAN_WORDS if w.lower() in text.lower()]
    return found + [r for r in REFS if f"{r} " in text or f"{r}:" in text or f"{r}." in text]


# -- Slack -------------------------------------------------------------------------------------
@pytest.fixture
def slack(engine):
    load_small_plan(engine)
    with SlackBotHarness(engine, TODAY, admin_emails=frozenset({"pat@example.org"})) as h:
        h.slack.add_user("U0MAL", email="mallory@elsewhere.example", name="mal", real_name="Mal")
        h.slack.add_user("U0JULIE", email="julie@example.org", name="julie", real_name="Julie")
        yield h


def _dm(bot, text: str, user: str = "U0MAL") -> str:
    channel = bot.slack.dm_channel_id(user)
    before = len(bot.slack.calls_to("chat.postMessage"))
    body = event_body(message_im_event(text, user=user, channel=channel))
    assert bot.post(body, content_type=JSON)[0] == 200
    bot.wait_for(lambda: len(bot.slack.calls_to("chat.postMessage")) > before, what="answer")
    return _said(bot.slack.calls_to("chat.postMessage")[-1].params)


def _said(message: dict) -> str:
    """A message's fallback and every text in its blocks."""
    blocks = message.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return (message.get("text") or "") + "\n" + json.dumps(blocks, ensure_ascii=False)


def _click(bot, action_id: str, value: dict, user: str = "U0MAL") -> str:
    before = len(bot.slack.responses)
    body = block_actions_body(
        actions=[button_action(action_id, json.dumps(value))],
        user_id=user,
        response_url=bot.slack.new_response_url(),
    )
    assert bot.post(body, content_type=FORM)[0] == 200
    bot.wait_for(lambda: len(bot.slack.responses) > before, what=f"the answer to {action_id}")
    return _said(bot.slack.responses[-1])


def _command(bot, text: str, user: str = "U0MAL") -> str:
    before = len(bot.slack.responses)
    body = command_body(text=text, user_id=user, response_url=bot.slack.new_response_url())
    assert bot.post(body, content_type=FORM)[0] == 200
    bot.wait_for(lambda: len(bot.slack.responses) > before, what=f"the answer to {text}")
    return _said(bot.slack.responses[-1])


def test_slack_non_member_learns_nothing_from_updates_buttons_or_queries(slack):
    ids = _ids(slack.engine)
    answers = {line: _dm(slack, line) for line in LINES}
    # a forged pick button (the answer to "which action?") and status/form buttons, for
    # actions that exist and an id that does not
    for ref, a in [*ids.items(), ("none", 999_999)]:
        answers[f"pick {ref}"] = _click(slack, "pick_action", {"a": a, "t": "hello"})
        answers[f"status {ref}"] = _click(slack, "status:on_track", {"a": a})
        answers[f"form {ref}"] = _click(slack, "open_form", {"a": a})
    for query in ("theme zzz", "L2", "status zzz", "due soon 99999999999", "all"):
        answers[f"/actions {query}"] = _command(slack, query)
    for what, said in answers.items():
        assert "shared only with the people in it" in said, (what, said)
        assert _leaks(said) == [], (what, said)
        if what in LINES or what.startswith(("pick", "status")):
            assert "Nothing was stored" in said, (what, said)
    assert _updates(slack.engine) == []


def test_slack_due_soon_with_a_huge_number_gets_a_plain_answer(slack):
    assert "at most 3,660 days" in _command(slack, "due soon 99999999999", user="U0JULIE")
    assert "at most 3,660 days" in _dm(slack, "actions due soon 99999999999", user="U0JULIE")
    said = _command(slack, "updated since 99999999999 days ago", user="U0JULIE")
    assert "further back than 3,660 days" in said
    assert "due in the next 30 days" in _command(slack, "due soon 30", user="U0JULIE")


# -- Teams -------------------------------------------------------------------------------------
USERS = {
    "29:julie": ("julie@example.org", "Julie Fellows"),
    "29:pat": ("pat@example.org", "Pat Admin"),
    "29:mal": ("mallory@elsewhere.example", "Mal"),
}


@pytest.fixture
def teams(engine):
    load_small_plan(engine)
    with TeamsSigningKey("00000000-0000-0000-0000-0000000b0700") as key:
        h = TeamsBotHarness(engine, TODAY, signer=key, admin_emails=frozenset({"pat@example.org"}))
        for uid, (email, name) in USERS.items():
            h.bc.add_member(uid, email=email, name=name)
        with h:
            yield h


def _install(bot, user_id: str) -> str:
    conv = personal_conversation(user_id)
    assert bot.post(bot.install(user_id))[0] == 200
    bot.wait_for(lambda: bot.bc.sent_to(conv), what=f"the welcome to {user_id}")
    return conv


def _teams_say(bot, user_id: str, conv: str, text: str) -> str:
    before = len(bot.bc.sent_to(conv))
    assert bot.post(bot.message(user_id, text))[0] == 200
    bot.wait_for(lambda: len(bot.bc.sent_to(conv)) > before, what=f"the answer to {text}")
    return json.dumps(bot.bc.sent_to(conv)[before:], ensure_ascii=False)


def _teams_execute(bot, user_id: str, conv: str, data: dict) -> str:
    before = len(bot.bc.sent_to(conv))
    status, body = bot.post(bot.execute(user_id, data))
    assert status == 200, body
    return json.dumps([body, *bot.bc.sent_to(conv)[before:]], ensure_ascii=False)


def test_teams_non_member_learns_nothing_from_messages_or_card_actions(teams):
    conv = _install(teams, "29:mal")
    ids = _ids(teams.engine)
    answers = {line: _teams_say(teams, "29:mal", conv, line) for line in LINES}
    answers["theme zzz"] = _teams_say(teams, "29:mal", conv, "actions theme zzz")
    for ref, a in [*ids.items(), ("none", 999_999)]:
        answers[f"pick {ref}"] = _teams_execute(
            teams, "29:mal", conv, {"k": "pick", "a": a, "t": "hello"}
        )
        answers[f"status {ref}"] = _teams_execute(
            teams, "29:mal", conv, {"k": "status", "a": a, "s": "On track"}
        )
    answers["page"] = _teams_execute(teams, "29:mal", conv, {"k": "page", "q": "theme zzz"})
    answers["signoff"] = _teams_execute(teams, "29:mal", conv, {"k": "signoff", "s": 1, "ok": 1})
    for what, said in answers.items():
        assert "shared only with the people in it" in said, (what, said)
        assert _leaks(said) == [], (what, said)
    assert _updates(teams.engine) == []


def test_teams_nudge_card_id_of_someone_elses_nudge_is_not_shown(teams):
    julie = _install(teams, "29:julie")
    pat = _install(teams, "29:pat")
    notifier = TeamsNotifier(teams.runtime.connector, teams.service, teams.runtime.people)
    run_sweep(teams.service, notifier, instance_id="test")
    with read_session(teams.engine) as s:
        [claim] = s.exec(select(NudgeMessage.id)).all()
    assert "Hello Julie" in json.dumps(teams.bc.sent_to(julie))
    l2 = _ids(teams.engine)["L2"]
    # Pat (an administrator, who may update L2) presses a button naming Julie's nudge
    said = _teams_execute(
        teams, "29:pat", pat, {"k": "status", "a": l2, "s": "On track", "n": claim}
    )
    assert [u.author_name for u in _updates(teams.engine)] == ["Pat Admin"]
    assert "Hello Julie" not in said and "Julie Fellows" not in said, said
    # Julie's own button on her nudge still shows the nudge, answered
    said = _teams_execute(
        teams, "29:julie", julie, {"k": "status", "a": l2, "s": "Completed", "n": claim}
    )
    assert "Hello Julie" in said, said


def test_teams_due_soon_with_a_huge_number_gets_a_plain_answer(teams):
    conv = _install(teams, "29:julie")
    said = _teams_say(teams, "29:julie", conv, "due soon 99999999999")
    assert "at most 3,660 days" in said
    said = _teams_execute(teams, "29:julie", conv, {"k": "page", "q": "due soon 99999999999"})
    assert "at most 3,660 days" in said
    said = _teams_execute(teams, "29:julie", conv, {"k": "page", "q": ["due soon"], "p": 10**30})
    assert "could not be read" in said


@pytest.mark.parametrize("number", [10**30, -1, 0])
def test_slack_buttons_with_numbers_the_bot_never_gave_get_a_plain_answer(slack, number, caplog):
    """A button's action or sign-off number outside the database's ids: "not found", not a
    crash in the work pool (OverflowError on SQLite, integer out of range on PostgreSQL)."""
    said = _click(slack, "status:on_track", {"a": number}, user="U0JULIE")
    assert "no action with that number" in said, said
    said = _click(slack, "pick_action", {"a": number, "t": "on track"}, user="U0JULIE")
    assert "shared only" not in said and said.strip(), said
    assert _updates(slack.engine) == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]

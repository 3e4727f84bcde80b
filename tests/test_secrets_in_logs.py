"""Tokens and secrets never reach a log line or an error message, at any level.

Full journeys run with every logger at DEBUG — slash command, nudge and button click, the
update form, a DM reply, App Home, the sweep — while the Slack stand-in answers some calls
with 401, 500 and invalid_auth; the captured logs, the tracebacks in them, and everything the
bot said back to people are searched for the bot token, the signing secret and the legacy
verification token Slack puts in its bodies. The real `progressbot run` process is checked
the same way with LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date

import pytest

from bot.core.owing import who_owes_what
from bot.platforms.slack.notifier import SlackNotifier
from bot.settings import Settings
from handlers.replies import Nudge
from jobs.sweep import run_sweep
from tests.support.bot_process import BotProcess, add_sample_people
from tests.support.slack_api import SlackStandIn
from tests.support.slack_bot import SECRET, SlackBotHarness
from tests.support.slack_signing import (
    FORM,
    JSON,
    VERIFICATION_TOKEN,
    app_home_opened_event,
    block_actions_body,
    button_action,
    command_body,
    event_body,
    message_im_event,
)
from tests.support.small_plan import load_small_plan

TODAY = date(2019, 9, 16)
BOT_TOKEN = "xoxb-4242-SECRETBOTTOKEN-9f8e7d6c5b4a"
APP_TOKEN = "xapp-1-A0001-SECRETAPPTOKEN-1a2b3c"
SECRETS = (BOT_TOKEN, SECRET, VERIFICATION_TOKEN, "SECRETBOTTOKEN", "SECRETAPPTOKEN")


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_settings_never_show_their_secrets():
    settings = Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_app_token=APP_TOKEN,
        slack_signing_secret=SECRET,
    )
    for shown in (repr(settings), str(settings)):
        assert _leaks(shown) == [], shown
    with pytest.raises(Exception) as info:
        Settings(_env_file=None, slack_bot_token=BOT_TOKEN, port="not-a-port")
    assert _leaks(str(info.value)) == []


@pytest.fixture
def bot(engine):
    load_small_plan(engine)
    standin = SlackStandIn(bot_token=BOT_TOKEN).start()
    try:
        with SlackBotHarness(engine, TODAY, standin=standin) as h:
            for uid, email, name in (
                ("U0ALICE", "alice@example.org", "Alice Smith"),
                ("U0JULIE", "julie@example.org", "Julie Fellows"),
            ):
                h.slack.add_user(uid, email=email, name=name.split()[0].lower(), real_name=name)
            yield h
    finally:
        standin.stop()


def _wait_calls(bot, method: str, n: int) -> None:
    bot.wait_for(lambda: len(bot.slack.calls_to(method)) >= n, what=f"{n} calls to {method}")


def test_full_journeys_at_debug_log_no_secret(bot, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "progressbot", "bot", "jobs", "urllib3", "waitress"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    slack = bot.slack
    # A slash command.
    url = slack.new_response_url()
    assert bot.post(command_body(text="mine", user_id="U0ALICE", response_url=url))[0] == 200
    bot.wait_for(lambda: slack.responses, what="/actions mine")
    # A nudge, then a click on one of its buttons.
    snap = bot.service.snapshot()
    owed = who_owes_what(snap, TODAY)
    julie = next(p for p in owed if p.name == "Julie Fellows")
    notifier = SlackNotifier(bot.app.client, bot.service, bot.people)
    sent = notifier.send_nudge(julie, Nudge(julie, tuple(owed[julie]), TODAY), claim_id=1)
    blocks = slack.messages[sent.channel][-1]["blocks"]
    button = next(
        e
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("status:")
    )
    click = block_actions_body(
        actions=[button_action(button["action_id"], button["value"])],
        user_id="U0JULIE",
        channel_id=sent.channel,
        message={"ts": sent.message_ts, "blocks": blocks, "text": "nudge"},
        response_url=slack.new_response_url(),
    )
    assert bot.post(click, content_type=FORM)[0] == 200
    _wait_calls(bot, "chat.update", 1)
    # Slack refuses the token (401), fails (500), says invalid_auth: each logged, no secret.
    slack.fail_next("chat.postMessage", status=401)
    dm = event_body(message_im_event("L2 on track: all good", user="U0JULIE"))
    assert bot.post(dm, content_type=JSON)[0] == 200
    _wait_calls(bot, "chat.postMessage", 2)
    slack.fail_next("chat.postMessage", status=500, count=10)
    dm = event_body(message_im_event("what do I owe?", user="U0ALICE"))
    assert bot.post(dm, content_type=JSON)[0] == 200
    _wait_calls(bot, "chat.postMessage", 6)
    slack.fail_next("views.publish", error="invalid_auth")
    home = event_body(app_home_opened_event(user="U0ALICE"))
    assert bot.post(home, content_type=JSON)[0] == 200
    _wait_calls(bot, "views.publish", 1)
    # The sweep, with Slack refusing the token on the first nudge.
    slack.fail_next("chat.postMessage", status=401)
    slack.fail_next("conversations.open", error="invalid_auth")
    run_sweep(bot.service, notifier)
    # A request signed with the wrong secret.
    from tests.support.slack_signing import post_to_bot, signed_headers

    body = command_body(text="mine", user_id="U0ALICE")
    post_to_bot(bot.url, body, signed_headers(body, "wrong-" + SECRET, content_type=FORM))
    time.sleep(0.5)  # listeners finishing after their ack log too

    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    assert any(r.exc_info for r in caplog.records), "an error with a traceback was logged"
    # slack_sdk logged each Web API call; bot/log_privacy.py cuts the line before its
    # parameters and headers (no message bodies or emails in logs), so no token can follow.
    assert "Sending a request" in caplog.text
    assert _leaks(caplog.text) == []
    for record in caplog.records:
        assert _leaks(record.getMessage()) == []
    said = json.dumps([slack.messages, slack.responses, slack.views], default=str)
    assert _leaks(said) == []


def test_the_running_bot_logs_no_secret_at_debug(tmp_path):
    with SlackStandIn(bot_token=BOT_TOKEN) as slack:
        add_sample_people(slack)
        slack.fail_next("chat.postMessage", status=401)
        slack.fail_next("users.info", status=500, count=5)
        with BotProcess(tmp_path, slack, LOG_LEVEL="DEBUG") as bot:
            from tests.support.slack_signing import post_to_bot, signed_headers

            url = slack.new_response_url()
            body = command_body(text="mine", user_id="U0PRIYA", response_url=url)
            post_to_bot(bot.url, body, signed_headers(body, SECRET, content_type=FORM))
            post_to_bot(bot.url, body, signed_headers(body, "wrong", content_type=FORM))
            deadline = time.monotonic() + 20
            while not slack.responses and time.monotonic() < deadline:
                time.sleep(0.1)
            log = bot.log()
    assert "DEBUG" in log and "Sending a request" in log
    assert _leaks(log) == [], [line for line in log.splitlines() if _leaks(line)][:5]
